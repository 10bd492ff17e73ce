// Compresses or decodes stdin to stdout with //compress, for tests that
// hand brisk's output to other implementations (python_peer_test.py).
//
//   compress_tool encode CODING [LEVEL] [PIECE]
//       PIECE > 0: the input is written PIECE bytes at a time, each with a
//       flush, and the output's size after each flush goes to stderr, one
//       number per line (where a reader may stop and decode).
//   compress_tool decode CODING [MAX_OUTPUT_BYTES [MAX_RATIO]]
//       (DecodeLimits; a ratio of 0 is none) exit 3 when a limit stopped
//       it, 2 for any other error.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "bytes/byte_buffer.h"
#include "compress/compress.h"

namespace {

int Fail(const absl::Status& s) {
  std::cerr << s << "\n";
  return absl::IsResourceExhausted(s) ? 3 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  using brisk::compress::Encoding;
  if (argc < 3) {
    std::cerr << "usage: compress_tool encode|decode CODING [N] [PIECE]\n";
    return 2;
  }
  const std::string mode = argv[1];
  const std::optional<Encoding> e = brisk::compress::FromName(argv[2]);
  if (!e) {
    std::cerr << "unknown coding " << argv[2] << "\n";
    return 2;
  }
  const std::string in((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
  brisk::bytes::ByteBuffer out;
  if (mode == "encode") {
    const int level =
        argc > 3 ? std::atoi(argv[3]) : brisk::compress::DefaultLevel(*e);
    const size_t piece = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 0;
    auto enc = brisk::compress::Encoder::Create(*e);
    if (!enc.ok()) {
      return Fail(enc.status());
    }
    absl::Status s = (*enc)->Start(level, piece == 0 ? in.size() : 0);
    for (size_t at = 0; s.ok() && at < in.size();) {
      const size_t n = piece == 0 ? in.size() : std::min(piece, in.size() - at);
      s = (*enc)->Write(std::string_view(in).substr(at, n), piece > 0, out);
      at += n;
      if (piece > 0) {
        std::cerr << out.size() << "\n";
      }
    }
    if (s.ok()) {
      s = (*enc)->Finish(out);
    }
    if (!s.ok()) {
      return Fail(s);
    }
  } else if (mode == "decode") {
    brisk::compress::DecodeLimits limits;
    if (argc > 3) {
      limits.max_output_bytes = std::strtoull(argv[3], nullptr, 10);
    }
    if (argc > 4) {
      limits.max_ratio =
          static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10));
    }
    absl::Status s = brisk::compress::DecodeAll(*e, in, out, limits);
    if (!s.ok()) {
      return Fail(s);
    }
  } else {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
