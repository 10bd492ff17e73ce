// libFuzzer target: MultipartReader over arbitrary bodies, parsed whole, in
// pieces (of 1 to 13 bytes, picked by the first byte) and one byte at a time.
// The three outcomes (parts with their fields and data, the final status and
// error) must be identical: the parse never depends on the split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/multipart.h"

namespace {

struct Part {
  std::string head;  // name, filename, content type and fields
  std::string data;
  bool ended = false;
  bool operator==(const Part& o) const {
    return head == o.head && data == o.data && ended == o.ended;
  }
};

struct Outcome {
  std::vector<Part> parts;
  brisk::http::ParseStatus status = brisk::http::ParseStatus::kIncomplete;
  brisk::http::ParseError error = brisk::http::ParseError::kNone;
  bool operator==(const Outcome& o) const {
    return parts == o.parts && status == o.status && error == o.error;
  }
};

class Sink : public brisk::http::MultipartHandler {
 public:
  explicit Sink(std::vector<Part>& parts) : parts_(parts) {}
  bool OnPartBegin(const brisk::http::MultipartPart& p) override {
    if (in_part_) {
      std::abort();  // parts never nest
    }
    in_part_ = true;
    Part part;
    for (std::string_view s : {p.name, p.filename, p.content_type}) {
      part.head.append(s).push_back('\0');
    }
    for (size_t i = 0; i < p.fields.size(); ++i) {
      part.head.append(p.fields[i].name).push_back(':');
      part.head.append(p.fields[i].value).push_back('\0');
    }
    parts_.push_back(std::move(part));
    return true;
  }
  bool OnPartData(std::string_view d) override {
    if (!in_part_) {
      std::abort();
    }
    parts_.back().data.append(d);
    return true;
  }
  bool OnPartEnd() override {
    if (!in_part_) {
      std::abort();
    }
    in_part_ = false;
    parts_.back().ended = true;
    return true;
  }

 private:
  std::vector<Part>& parts_;
  bool in_part_ = false;
};

// Feeds `in` in `step`-byte pieces as a caller does: unconsumed bytes are
// kept and fed again with the next piece.
Outcome Parse(std::string_view in, size_t step) {
  using namespace brisk::http;
  Outcome out;
  MultipartReader r("b0undary");
  Sink sink(out.parts);
  std::string pending;
  for (size_t i = 0; i < in.size(); i += step) {
    pending.append(in.substr(i, step));
    DecodeResult d = r.Feed(pending, sink);
    if (d.consumed > pending.size()) {
      std::abort();
    }
    out.status = d.status;
    out.error = d.error;
    if (d.failed() || d.done()) {
      break;
    }
    pending.erase(0, d.consumed);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const Outcome whole = Parse(in, size == 0 ? 1 : size);
  if (!(Parse(in, size == 0 ? 1 : data[0] % 13 + 1) == whole) ||
      !(Parse(in, 1) == whole)) {
    std::abort();
  }
  return 0;
}
