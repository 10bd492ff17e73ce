// File: bytes/byte_buffer.h
//
// ByteBuffer is a growable, contiguous byte buffer: the storage every brisk
// parser reads from and every serializer writes into.
//
//   - It owns its bytes (allocated with ::operator new, so a counting allocator
//     sees every allocation).
//   - Reset() empties it and keeps its capacity: a reused buffer does not
//     allocate again until it must grow past its largest size so far.
//   - Growth never zero-fills: PrepareAppend() hands out raw space for a read()
//     and CommitAppend() publishes what was written.
//   - It is move-only. Copying is explicit (CopyFrom), so a hot path never
//   copies
//     by accident.
//
// Views returned by view(), data() and PrepareAppend() stay valid until the
// next call that may grow the buffer (Append, Reserve, PrepareAppend, Resize)
// or destroy it. Reset() keeps the storage, so views survive it but then point
// at bytes the buffer no longer counts.
//
// Not thread-safe: one owner at a time.
//
// Example:
//   brisk::bytes::ByteBuffer buf;
//   buf.Append("GET / HTTP/1.1\r\n");
//   AppendUint(buf, 42);
//   Write(fd, buf.view());
//   buf.Reset();  // capacity stays for the next request

#ifndef BRISK_BYTES_BYTE_BUFFER_H_
#define BRISK_BYTES_BYTE_BUFFER_H_

#include <cstddef>
#include <cstring>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

namespace brisk::bytes {

class ByteBuffer {
 public:
  // An empty buffer; allocates nothing.
  ByteBuffer() = default;
  // An empty buffer with room for at least `capacity` bytes.
  explicit ByteBuffer(size_t capacity) { Reserve(capacity); }
  ~ByteBuffer() { Free(); }

  ByteBuffer(ByteBuffer&& other) noexcept
      : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  ByteBuffer& operator=(ByteBuffer&& other) noexcept;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  // Replaces the contents with a copy of `other`'s bytes.
  void CopyFrom(const ByteBuffer& other) { Assign(other.view()); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return std::string_view(data_, size_);
  }
  char& operator[](size_t i) { return data_[i]; }
  char operator[](size_t i) const { return data_[i]; }

  // Empties the buffer; keeps the capacity.
  void Reset() { size_ = 0; }

  // Replaces the contents with `bytes`. `bytes` may point into this buffer.
  void Assign(std::string_view bytes);

  void Append(std::string_view bytes) {
    if (ABSL_PREDICT_FALSE(bytes.size() > capacity_ - size_)) {
      GrowAndAppend(bytes);
      return;
    }
    if (!bytes.empty()) {
      std::memcpy(data_ + size_, bytes.data(), bytes.size());
    }
    size_ += bytes.size();
  }
  void Append(char c) {
    if (ABSL_PREDICT_FALSE(size_ == capacity_)) {
      Grow(size_ + 1);
    }
    data_[size_++] = c;
  }

  // Ensures capacity() >= n. Never shrinks.
  void Reserve(size_t n) {
    if (n > capacity_) {
      Grow(n);
    }
  }

  // Returns space for at least `n` more bytes at the end, growing if needed.
  // Write into it, then CommitAppend(written) with written <= n.
  char* PrepareAppend(size_t n) {
    if (ABSL_PREDICT_FALSE(n > capacity_ - size_)) {
      Grow(size_ + n);
    }
    return data_ + size_;
  }
  // Counts `n` bytes written after a PrepareAppend() as part of the contents.
  void CommitAppend(size_t n) { size_ += n; }
  // Space after the contents that PrepareAppend(n) would return without
  // growing.
  size_t available() const { return capacity_ - size_; }

  // Sets the size to `n`; bytes past the old size are left uninitialized.
  void Resize(size_t n) {
    Reserve(n);
    size_ = n;
  }
  // Drops the last `n` bytes (n <= size()).
  void Truncate(size_t n) { size_ = n < size_ ? size_ - n : 0; }
  // Drops the first `n` bytes and moves the rest to the front (n <= size()).
  // Used to keep a partial request at the start of a read buffer.
  void DiscardPrefix(size_t n);

  // Frees the storage; capacity() becomes 0.
  void Release() { Free(); }

 private:
  void Grow(size_t min_capacity);
  void GrowAndAppend(std::string_view bytes);
  void Free() noexcept;

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace brisk::bytes

#endif  // BRISK_BYTES_BYTE_BUFFER_H_
