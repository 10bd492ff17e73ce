// File: testing/json_like.h
//
// A JSON-like body of exactly `n` bytes (an array of small objects with
// ids, names and numbers), deterministic: what API responses look like to
// a compressor, for the compression tests and benchmarks.

#ifndef BRISK_TESTING_JSON_LIKE_H_
#define BRISK_TESTING_JSON_LIKE_H_

#include <cstddef>
#include <string>

namespace brisk::testing {

std::string JsonLike(size_t n);

}  // namespace brisk::testing

#endif  // BRISK_TESTING_JSON_LIKE_H_
