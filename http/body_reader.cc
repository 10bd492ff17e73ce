#include "http/body_reader.h"

#include <algorithm>

namespace brisk::http {

ParseError BodyReader::Start(BodyFraming framing, int64_t content_length,
                             uint64_t max_body_bytes) {
  framing_ = framing;
  max_ = max_body_bytes;
  read_ = 0;
  remaining_ = 0;
  done_ = false;
  switch (framing) {
    case BodyFraming::kNone:
      done_ = true;
      break;
    case BodyFraming::kContentLength:
      remaining_ =
          content_length < 0 ? 0 : static_cast<uint64_t>(content_length);
      if (max_ != 0 && remaining_ > max_) {
        return ParseError::kBodyTooLarge;
      }
      done_ = remaining_ == 0;
      break;
    case BodyFraming::kChunked:
      chunked_.Reset();
      chunked_.set_limits(ChunkedLimits{.max_body_bytes = max_});
      break;
    case BodyFraming::kUntilClose:
      break;
  }
  return ParseError::kNone;
}

DecodeResult BodyReader::Read(std::string_view in, bytes::ByteBuffer& body) {
  if (done_) {
    return {ParseStatus::kDone, ParseError::kNone, 0};
  }
  switch (framing_) {
    case BodyFraming::kContentLength: {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
      body.Append(in.substr(0, n));
      remaining_ -= n;
      read_ += n;
      done_ = remaining_ == 0;
      return {done_ ? ParseStatus::kDone : ParseStatus::kIncomplete,
              ParseError::kNone, n};
    }
    case BodyFraming::kChunked: {
      size_t before = body.size();
      DecodeResult r = chunked_.Decode(in, body);
      read_ += body.size() - before;
      done_ = r.done();
      return r;
    }
    case BodyFraming::kUntilClose: {
      if (max_ != 0 && in.size() > max_ - read_) {
        return {ParseStatus::kError, ParseError::kBodyTooLarge, 0};
      }
      body.Append(in);
      read_ += in.size();
      return {ParseStatus::kIncomplete, ParseError::kNone, in.size()};
    }
    case BodyFraming::kNone:
      break;
  }
  return {ParseStatus::kDone, ParseError::kNone, 0};
}

void BodyReader::RaiseLimit(uint64_t max_body_bytes) {
  max_ = max_body_bytes;
  if (framing_ == BodyFraming::kChunked) {
    chunked_.set_limits(ChunkedLimits{.max_body_bytes = max_});
  }
}

DecodeResult BodyReader::Close() {
  if (done_) {
    return {ParseStatus::kDone, ParseError::kNone, 0};
  }
  if (framing_ == BodyFraming::kUntilClose) {
    done_ = true;
    return {ParseStatus::kDone, ParseError::kNone, 0};
  }
  return {ParseStatus::kError, ParseError::kTruncatedBody, 0};
}

}  // namespace brisk::http
