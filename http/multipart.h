// File: http/multipart.h
//
// MultipartReader parses a multipart/form-data body (RFC 7578) as a stream:
// file uploads are handed to the caller chunk by chunk and never held whole.
//
//   MultipartReader reader(MultipartReader::BoundaryOf(content_type));
//   DecodeResult r = reader.Feed(bytes, handler);  // drop r.consumed bytes,
//                                                  // keep the rest, feed more
//
// The handler sees OnPartBegin(part) with the part's fields, OnPartData(data)
// any number of times, then OnPartEnd(). A tail that could be the start of a
// boundary is not consumed until more bytes decide. Limits bound part headers
// and the number of parts; malformed input fails with kBadMultipart. The
// outcome (parts, their bytes, the error) never depends on how the body was
// split into Feed() calls. Quoted parameters are unescaped (name="a\"b" is
// a"b).
//
// Not thread-safe. No allocation once warm except the part fields' and
// parameters' storage.

#ifndef BRISK_HTTP_MULTIPART_H_
#define BRISK_HTTP_MULTIPART_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "http/chunked.h"
#include "http/header_fields.h"
#include "http/parse_error.h"

namespace brisk::http {

struct MultipartPart {
  const HeaderFields& fields;     // the part's header fields
  std::string_view name;          // Content-Disposition name
  std::string_view filename;      // Content-Disposition filename, or empty
  std::string_view content_type;  // or empty (text/plain by RFC 7578)
};

class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  // Returning false stops parsing with kBadMultipart (e.g. a quota hit).
  virtual bool OnPartBegin(const MultipartPart& part) = 0;
  virtual bool OnPartData(std::string_view data) = 0;
  virtual bool OnPartEnd() = 0;
};

struct MultipartLimits {
  size_t max_part_header_bytes = 8 * 1024;
  size_t max_parts = 1000;
};

class MultipartReader {
 public:
  explicit MultipartReader(std::string_view boundary,
                           const MultipartLimits& limits = {});

  // The boundary parameter of a multipart Content-Type, or empty.
  static std::string_view BoundaryOf(std::string_view content_type);

  DecodeResult Feed(std::string_view in, MultipartHandler& handler);
  // Whether the closing boundary was seen.
  bool done() const { return state_ == State::kEpilogue; }
  // Ready for another body with the same boundary.
  void Reset();

 private:
  enum class State : uint8_t {
    kStart,     // nothing consumed: the body may open with "--boundary"
    kPreamble,  // before the first "\r\n--boundary"
    kAfterBoundary,
    kPadding,  // whitespace and CRLF after a boundary
    kHeaders,
    kData,
    kEpilogue
  };
  ParseError ParsePartHeaders(std::string_view block, MultipartHandler& h);

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartLimits limits_;
  State state_ = State::kStart;
  size_t parts_ = 0;
  HeaderFields fields_;
  std::string name_;  // the current part's parameters, unescaped
  std::string filename_;
};

}  // namespace brisk::http

#endif  // BRISK_HTTP_MULTIPART_H_
