#include "testing/counting_allocator.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <new>

namespace brisk::testing {
namespace {
thread_local uint64_t tls_allocations = 0;
thread_local uint64_t tls_bytes = 0;

void* CountedAlloc(std::size_t size, std::size_t align) {
  ++tls_allocations;
  tls_bytes += size;
  if (size == 0) {
    size = 1;
  }
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  return p;
}

// OpenSSL allocates with malloc through hooks of its own: counted too, so
// a TLS path's claim covers the library under it.
void* CryptoMalloc(size_t size, const char*, int) {
  ++tls_allocations;
  tls_bytes += size;
  return std::malloc(size);
}
void* CryptoRealloc(void* p, size_t size, const char*, int) {
  ++tls_allocations;
  tls_bytes += size;
  return std::realloc(p, size);
}
void CryptoFree(void* p, const char*, int) {
  std::free(p);
}
// Before OpenSSL's first allocation: a static initializer of the test
// executable (this library is linked statically, always).
const bool crypto_counted =
    CRYPTO_set_mem_functions(CryptoMalloc, CryptoRealloc, CryptoFree) == 1;
}  // namespace

bool CountsOpenSsl() {
  return crypto_counted;
}

uint64_t ThreadAllocations() {
  return tls_allocations;
}
uint64_t ThreadAllocatedBytes() {
  return tls_bytes;
}

}  // namespace brisk::testing

using brisk::testing::CountedAlloc;

void* operator new(std::size_t size) {
  void* p = CountedAlloc(size, alignof(std::max_align_t));
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return CountedAlloc(size, alignof(std::max_align_t));
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return CountedAlloc(size, alignof(std::max_align_t));
}
void* operator new(std::size_t size, std::align_val_t align) {
  void* p = CountedAlloc(size, static_cast<std::size_t>(align));
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return operator new(size, align);
}
void* operator new(std::size_t size, std::align_val_t align,
                   const std::nothrow_t&) noexcept {
  return CountedAlloc(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align,
                     const std::nothrow_t&) noexcept {
  return CountedAlloc(size, static_cast<std::size_t>(align));
}

void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
