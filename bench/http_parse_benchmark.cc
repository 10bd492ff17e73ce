// Parse the same bytes with brisk, Boost.Beast and Node's http-parser.
// Run: ./bazelw run //bench:http_parse_benchmark
//
// Pairs (same binary, same run):
//   BM_Brisk_Request    vs BM_Beast_Request    vs BM_HttpParser_Request
//   BM_Brisk_Response   vs BM_Beast_Response   vs BM_HttpParser_Response
// Each iteration parses one complete header from a fresh (or reset) parser,
// collecting every field the way a server would need them.

#include <http_parser.h>

#include <string>

#include "benchmark/benchmark.h"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/parser.hpp"

#include "http/request_header.h"
#include "http/response_header.h"
#include "http/testdata/messages.h"

namespace {

namespace beast = boost::beast;
using brisk::http::testdata::kBrowserGet;
using brisk::http::testdata::kNginxResponse;

void SetBytes(benchmark::State& state, std::string_view raw) {
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(raw.size()));
}

void BM_Brisk_Request(benchmark::State& state) {
  std::string raw(kBrowserGet);
  brisk::http::RequestHeader h;
  for (auto _ : state) {
    h.Reset();
    auto r = h.Parse(raw);
    if (!r.done()) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(h.host().data());
  }
  SetBytes(state, raw);
}
BENCHMARK(BM_Brisk_Request);

void BM_Beast_Request(benchmark::State& state) {
  std::string raw(kBrowserGet);
  for (auto _ : state) {
    beast::http::request_parser<beast::http::empty_body> p;
    p.eager(true);
    beast::error_code ec;
    p.put(boost::asio::buffer(raw), ec);
    if (ec || !p.is_done()) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(p.get().target().data());
  }
  SetBytes(state, raw);
}
BENCHMARK(BM_Beast_Request);

// http-parser reports fields through callbacks; these record the last views.
struct Views {
  const char* field = nullptr;
  const char* value = nullptr;
  int fields = 0;
};
int OnUrl(http_parser* p, const char* at, size_t) {
  static_cast<Views*>(p->data)->field = at;
  return 0;
}
int OnField(http_parser* p, const char* at, size_t) {
  auto* v = static_cast<Views*>(p->data);
  v->field = at;
  ++v->fields;
  return 0;
}
int OnValue(http_parser* p, const char* at, size_t) {
  static_cast<Views*>(p->data)->value = at;
  return 0;
}

void ParseWithHttpParser(benchmark::State& state, std::string_view raw,
                         http_parser_type type) {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_url = OnUrl;
  settings.on_header_field = OnField;
  settings.on_header_value = OnValue;
  http_parser parser;
  Views views;
  for (auto _ : state) {
    http_parser_init(&parser, type);
    parser.data = &views;
    size_t n = http_parser_execute(&parser, &settings, raw.data(), raw.size());
    if (n != raw.size() || parser.http_errno != HPE_OK) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(views);
  }
  SetBytes(state, raw);
}

void BM_HttpParser_Request(benchmark::State& state) {
  ParseWithHttpParser(state, kBrowserGet, HTTP_REQUEST);
}
BENCHMARK(BM_HttpParser_Request);

void BM_Brisk_Response(benchmark::State& state) {
  std::string raw(kNginxResponse);
  brisk::http::ResponseHeader h;
  for (auto _ : state) {
    h.Reset();
    auto r = h.Parse(raw);
    if (!r.done()) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(h.content_length());
  }
  SetBytes(state, raw);
}
BENCHMARK(BM_Brisk_Response);

void BM_Beast_Response(benchmark::State& state) {
  std::string raw(kNginxResponse);
  for (auto _ : state) {
    beast::http::response_parser<beast::http::empty_body> p;
    p.skip(true);  // header only: the body bytes are not part of the input
    beast::error_code ec;
    p.put(boost::asio::buffer(raw), ec);
    if (ec || !p.is_header_done()) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(p.get().result_int());
  }
  SetBytes(state, raw);
}
BENCHMARK(BM_Beast_Response);

void BM_HttpParser_Response(benchmark::State& state) {
  // http-parser stops at the body; a Content-Length of 13 needs the bytes.
  std::string raw = std::string(kNginxResponse) + "Hello, World!";
  ParseWithHttpParser(state, raw, HTTP_RESPONSE);
}
BENCHMARK(BM_HttpParser_Response);

}  // namespace
