#include "bytes/byte_buffer.h"

#include <algorithm>
#include <new>

namespace brisk::bytes {
namespace {
// Smallest non-zero capacity: a header line or a short body fits.
constexpr size_t kMinCapacity = 64;
}  // namespace

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& other) noexcept {
  if (this != &other) {
    Free();
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

void ByteBuffer::Assign(std::string_view bytes) {
  if (bytes.size() > capacity_) {
    // `bytes` cannot point into this buffer: it is larger than all of it.
    size_ = 0;
    Grow(bytes.size());
  }
  if (!bytes.empty()) {
    std::memmove(data_, bytes.data(), bytes.size());
  }
  size_ = bytes.size();
}

void ByteBuffer::DiscardPrefix(size_t n) {
  if (n == 0) {
    return;
  }
  if (n >= size_) {
    size_ = 0;
    return;
  }
  std::memmove(data_, data_ + n, size_ - n);
  size_ -= n;
}

void ByteBuffer::Grow(size_t min_capacity) {
  // Doubling keeps appends amortized O(1).
  size_t capacity = std::max({min_capacity, capacity_ * 2, kMinCapacity});
  char* data = static_cast<char*>(::operator new(capacity));
  size_t size = size_;
  if (size != 0) {
    std::memcpy(data, data_, size);
  }
  Free();
  data_ = data;
  size_ = size;
  capacity_ = capacity;
}

void ByteBuffer::GrowAndAppend(std::string_view bytes) {
  // `bytes` may point into this buffer: copy before freeing the old storage.
  size_t capacity =
      std::max({size_ + bytes.size(), capacity_ * 2, kMinCapacity});
  char* data = static_cast<char*>(::operator new(capacity));
  if (size_ != 0) {
    std::memcpy(data, data_, size_);
  }
  std::memcpy(data + size_, bytes.data(), bytes.size());
  size_t size = size_ + bytes.size();
  Free();
  data_ = data;
  size_ = size;
  capacity_ = capacity;
}

void ByteBuffer::Free() noexcept {
  if (data_ != nullptr) {
    ::operator delete(data_, capacity_);
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

}  // namespace brisk::bytes
