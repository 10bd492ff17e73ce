#include "websocket/deflate.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"

#include "bytes/conv.h"

namespace brisk::websocket {
namespace {

constexpr char kTail[4] = {0x00, 0x00, static_cast<char>(0xFF),
                           static_cast<char>(0xFF)};

// A window size parameter's value: 8..15, optionally quoted (§7.1.2).
std::optional<int> WindowBits(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  if (v.empty() || v.size() > 2 || v[0] == '0') {
    return std::nullopt;
  }
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + (c - '0');
  }
  if (n < 8 || n > 15) {
    return std::nullopt;
  }
  return n;
}

// One extension's parameters: false when one is unknown, repeated or bad.
// `client_window` is set when client_max_window_bits came (0: no value).
bool ParseParams(std::string_view params, DeflateParams& p, int& client_window,
                 bool& server_window) {
  bool seen[4] = {false, false, false, false};
  client_window = -1;
  server_window = false;
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view param = bytes::TrimOws(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view()
                                            : params.substr(semi + 1);
    if (param.empty()) {
      return false;
    }
    const size_t eq = param.find('=');
    const std::string_view name = bytes::TrimOws(param.substr(0, eq));
    const std::string_view value = eq == std::string_view::npos
                                       ? std::string_view()
                                       : bytes::TrimOws(param.substr(eq + 1));
    const bool has_value = eq != std::string_view::npos;
    int k;
    if (name == "server_no_context_takeover" && !has_value) {
      k = 0;
      p.server_no_context_takeover = true;
    } else if (name == "client_no_context_takeover" && !has_value) {
      k = 1;
      p.client_no_context_takeover = true;
    } else if (name == "server_max_window_bits") {
      std::optional<int> bits = WindowBits(value);
      if (!bits) {
        return false;
      }
      k = 2;
      p.server_max_window_bits = *bits;
      server_window = true;
    } else if (name == "client_max_window_bits") {
      k = 3;
      if (has_value) {
        std::optional<int> bits = WindowBits(value);
        if (!bits) {
          return false;
        }
        p.client_max_window_bits = *bits;
        client_window = *bits;
      } else {
        client_window = 0;
      }
    } else {
      return false;
    }
    if (seen[k]) {
      return false;
    }
    seen[k] = true;
  }
  return true;
}

// Calls `f(params)` for each permessage-deflate element of `offers`, in
// order, until it returns true.
template <typename F>
bool ForEachDeflate(std::string_view offers, F f) {
  while (!offers.empty()) {
    const size_t comma = offers.find(',');
    std::string_view ext = bytes::TrimOws(offers.substr(0, comma));
    offers = comma == std::string_view::npos ? std::string_view()
                                             : offers.substr(comma + 1);
    const size_t semi = ext.find(';');
    if (bytes::TrimOws(ext.substr(0, semi)) != "permessage-deflate") {
      continue;
    }
    if (f(semi == std::string_view::npos ? std::string_view()
                                         : ext.substr(semi + 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool NegotiateDeflate(std::string_view offers, bool context_takeover,
                      DeflateParams& out, std::string& answer) {
  return ForEachDeflate(offers, [&](std::string_view params) {
    DeflateParams p;
    int client_window;
    bool server_window;
    if (!ParseParams(params, p, client_window, server_window) ||
        p.server_max_window_bits == 8) {
      return false;  // declined; the next offer may do
    }
    if (!context_takeover) {
      p.server_no_context_takeover = p.client_no_context_takeover = true;
    }
    answer = "permessage-deflate";
    if (p.server_no_context_takeover) {
      answer += "; server_no_context_takeover";
    }
    if (p.client_no_context_takeover) {
      answer += "; client_no_context_takeover";
    }
    if (server_window) {
      absl::StrAppend(&answer,
                      "; server_max_window_bits=", p.server_max_window_bits);
    }
    // The client's window: whatever it uses, brisk inflates with 15 bits.
    if (client_window <= 0) {
      p.client_max_window_bits = 15;
    }
    out = p;
    return true;
  });
}

std::string DeflateOffer(bool context_takeover) {
  return context_takeover ? "permessage-deflate; client_max_window_bits"
                          : "permessage-deflate; server_no_context_takeover; "
                            "client_no_context_takeover";
}

bool AcceptDeflateAnswer(std::string_view answer, DeflateParams& out) {
  int elements = 0;
  bool ok = true;
  ForEachDeflate(answer, [&](std::string_view params) {
    ++elements;
    DeflateParams p;
    int client_window;
    bool server_window;
    ok = ParseParams(params, p, client_window, server_window) &&
         client_window != 0;  // the server must give a value
    out = p;
    return false;
  });
  return ok && elements == 1;
}

Deflater::Deflater(int level, int window_bits)
    : z_(std::make_unique<z_stream>()),
      level_(level),
      window_bits_(std::clamp(window_bits, 9, 15)) {
  if (deflateInit2(z_.get(), level_, Z_DEFLATED, -window_bits_, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    std::abort();  // only out of memory or a bad level: a caller's bug
  }
}

Deflater::~Deflater() {
  deflateEnd(z_.get());
}

absl::Status Deflater::Compress(std::string_view in, bytes::ByteBuffer& out,
                                bool reset) {
  z_stream& z = *z_;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  const size_t start = out.size();
  for (;;) {
    const size_t room =
        std::max<size_t>(deflateBound(&z, z.avail_in) + 16, 256);
    char* p = out.PrepareAppend(room);
    z.next_out = reinterpret_cast<Bytef*>(p);
    z.avail_out = static_cast<uInt>(room);
    const int rc = deflate(&z, Z_SYNC_FLUSH);
    out.CommitAppend(room - z.avail_out);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return absl::InternalError(absl::StrCat("deflate failed: ", rc));
    }
    if (z.avail_in == 0 && z.avail_out > 0) {
      break;  // all in, and the flush fit
    }
  }
  // The sync flush ends with the empty stored block's 00 00 FF FF.
  if (out.size() - start >= 4 &&
      std::memcmp(out.data() + out.size() - 4, kTail, 4) == 0) {
    out.Resize(out.size() - 4);
  }
  if (reset) {
    deflateReset(&z);
  }
  return absl::OkStatus();
}

Inflater::Inflater() : z_(std::make_unique<z_stream>()) {
  if (inflateInit2(z_.get(), -15) != Z_OK) {
    std::abort();  // only out of memory
  }
}

Inflater::~Inflater() {
  inflateEnd(z_.get());
}

absl::Status Inflater::Inflate(std::string_view in, bytes::ByteBuffer& out,
                               size_t limit, bool reset) {
  z_stream& z = *z_;
  const size_t start = out.size();
  absl::Status result;
  for (std::string_view part : {in, std::string_view(kTail, 4)}) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(part.data()));
    z.avail_in = static_cast<uInt>(part.size());
    while (z.avail_in > 0 && result.ok()) {
      const size_t made = out.size() - start;
      if (made >= limit) {
        // Output so far fills the limit; more input may still produce none
        // (the tail), so only output past it is refused.
        char probe;
        z.next_out = reinterpret_cast<Bytef*>(&probe);
        z.avail_out = 1;
        const int rc = inflate(&z, Z_SYNC_FLUSH);
        if (z.avail_out == 0) {
          result = absl::ResourceExhaustedError(
              "websocket: inflated message over the limit");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
          result = absl::InvalidArgumentError(
              "websocket: bad permessage-deflate data");
        }
        break;
      }
      const size_t room = std::min<size_t>(
          std::max<size_t>(part.size() * 4, 4096), limit - made);
      char* p = out.PrepareAppend(room);
      z.next_out = reinterpret_cast<Bytef*>(p);
      z.avail_out = static_cast<uInt>(room);
      const int rc = inflate(&z, Z_SYNC_FLUSH);
      out.CommitAppend(room - z.avail_out);
      if (rc == Z_STREAM_END) {
        // A final block: the message ended; more input after it is not
        // deflate. (The tail is not consumed after a final block.)
        if (z.avail_in > 0 && part.data() != kTail) {
          result = absl::InvalidArgumentError(
              "websocket: data after the end of a deflate stream");
        }
        inflateReset(&z);
        break;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        result = absl::InvalidArgumentError(
            "websocket: bad permessage-deflate data");
      } else if (rc == Z_BUF_ERROR && z.avail_out > 0) {
        break;  // needs more input
      }
    }
    if (!result.ok()) {
      break;
    }
  }
  if (!result.ok() || reset) {
    inflateReset(&z);
  }
  return result;
}

}  // namespace brisk::websocket
