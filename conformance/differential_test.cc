// Differential check of brisk's request parser against Boost.Beast's and
// Node's http-parser: the same malformed or ambiguous requests go to all
// three. Request smuggling needs two parsers to disagree, so every input one
// accepts and another rejects is listed, and the list must equal the one
// justified against RFC 9112 in http/README.md ("Where brisk and its peers
// disagree"). A new disagreement fails this test with the whole table.

#include <http_parser.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "boost/beast/core/error.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "gtest/gtest.h"

#include "http/message.h"

namespace brisk {
namespace {

enum class Verdict { kAccept, kReject, kIncomplete };

const char* Name(Verdict v) {
  switch (v) {
    case Verdict::kAccept:
      return "accept";
    case Verdict::kReject:
      return "reject";
    case Verdict::kIncomplete:
      return "wait";
  }
  return "?";
}

Verdict Brisk(std::string_view in) {
  http::Request req;
  http::ParseResult r = req.Parse(in);
  if (r.done()) {
    return Verdict::kAccept;
  }
  return r.failed() ? Verdict::kReject : Verdict::kIncomplete;
}

Verdict Beast(std::string_view in) {
  namespace bhttp = boost::beast::http;
  bhttp::request_parser<bhttp::string_body> p;
  p.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < in.size() && !p.is_done()) {
    size_t n =
        p.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
    if (ec == bhttp::error::need_more) {
      return Verdict::kIncomplete;
    }
    if (ec) {
      return Verdict::kReject;
    }
    if (n == 0) {
      break;
    }
    used += n;
  }
  return p.is_done() ? Verdict::kAccept : Verdict::kIncomplete;
}

Verdict NodeHttpParser(std::string_view in) {
  http_parser p;
  http_parser_init(&p, HTTP_REQUEST);
  bool complete = false;
  p.data = &complete;
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_complete = [](http_parser* hp) {
    *static_cast<bool*>(hp->data) = true;
    return 1;  // stop after the first message
  };
  http_parser_execute(&p, &s, in.data(), in.size());
  if (complete) {
    return Verdict::kAccept;
  }
  return HTTP_PARSER_ERRNO(&p) != HPE_OK ? Verdict::kReject
                                         : Verdict::kIncomplete;
}

struct Case {
  const char* name;
  std::string request;
};

std::vector<Case> Cases() {
  const std::string h = "Host: x\r\n";
  return {
      {"valid GET", "GET / HTTP/1.1\r\n" + h + "\r\n"},
      {"valid POST with length",
       "POST / HTTP/1.1\r\n" + h + "Content-Length: 3\r\n\r\nabc"},
      {"valid chunked", "POST / HTTP/1.1\r\n" + h +
                            "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0"
                            "\r\n\r\n"},
      {"bare LF line endings", "GET / HTTP/1.1\n" + std::string("Host: x\n\n")},
      {"obs-fold", "GET / HTTP/1.1\r\n" + h + "X: a\r\n b\r\n\r\n"},
      {"space before colon", "GET / HTTP/1.1\r\n" + h + "X : a\r\n\r\n"},
      {"CL and TE", "POST / HTTP/1.1\r\n" + h +
                        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"
                        "\r\n0\r\n\r\n"},
      {"duplicate CL equal", "POST / HTTP/1.1\r\n" + h +
                                 "Content-Length: 3\r\nContent-Length: 3\r\n"
                                 "\r\nabc"},
      {"duplicate CL different", "POST / HTTP/1.1\r\n" + h +
                                     "Content-Length: 3\r\nContent-Length: 4"
                                     "\r\n\r\nabcd"},
      {"CL list",
       "POST / HTTP/1.1\r\n" + h + "Content-Length: 3, 3\r\n\r\nabc"},
      {"CL with plus sign",
       "POST / HTTP/1.1\r\n" + h + "Content-Length: +3\r\n\r\nabc"},
      {"CL negative", "POST / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n"},
      {"CL huge", "POST / HTTP/1.1\r\n" + h +
                      "Content-Length: 99999999999999999999\r\n\r\n"},
      {"TE chunked not last",
       "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\n"},
      {"TE gzip then chunked", "POST / HTTP/1.1\r\n" + h +
                                   "Transfer-Encoding: gzip, chunked\r\n\r\n"
                                   "0\r\n\r\n"},
      {"TE chunked twice", "POST / HTTP/1.1\r\n" + h +
                               "Transfer-Encoding: chunked, chunked\r\n\r\n"
                               "0\r\n\r\n"},
      {"TE in HTTP/1.0",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
       "\r\n0\r\n\r\n"},
      {"TE with space before colon", "POST / HTTP/1.1\r\n" + h +
                                         "Transfer-Encoding : chunked\r\n\r\n"
                                         "0\r\n\r\n"},
      {"TE vertical tab", "POST / HTTP/1.1\r\n" + h +
                              "Transfer-Encoding: \x0b"
                              "chunked\r\n\r\n0\r\n"
                              "\r\n"},
      {"missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n"},
      {"two Host fields", "GET / HTTP/1.1\r\n" + h + h + "\r\n"},
      {"bad header name", "GET / HTTP/1.1\r\n" + h + "X(y): a\r\n\r\n"},
      {"NUL in value",
       std::string("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 35)},
      {"bare CR in value", "GET / HTTP/1.1\r\n" + h + "X: a\rb\r\n\r\n"},
      {"tab in request line", "GET\t/ HTTP/1.1\r\n" + h + "\r\n"},
      {"two spaces in request line", "GET  / HTTP/1.1\r\n" + h + "\r\n"},
      {"HTTP/2.0", "GET / HTTP/2.0\r\n" + h + "\r\n"},
      {"HTTP/1.2", "GET / HTTP/1.2\r\n" + h + "\r\n"},
      {"lowercase method", "get / HTTP/1.1\r\n" + h + "\r\n"},
      {"unknown method token", "BREW / HTTP/1.1\r\n" + h + "\r\n"},
      {"empty header name", "GET / HTTP/1.1\r\n" + h + ": a\r\n\r\n"},
      {"trailing whitespace in value",
       "GET / HTTP/1.1\r\n" + h + "X: a \t\r\n\r\n"},
      {"chunk size overflow", "POST / HTTP/1.1\r\n" + h +
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "FFFFFFFFFFFFFFFFF\r\n"},
      {"chunk extension", "POST / HTTP/1.1\r\n" + h +
                              "Transfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc"
                              "\r\n0\r\n\r\n"},
      {"chunk without CRLF after data", "POST / HTTP/1.1\r\n" + h +
                                            "Transfer-Encoding: chunked\r\n"
                                            "\r\n3\r\nabcX\r\n0\r\n\r\n"},
      {"chunked with trailer", "POST / HTTP/1.1\r\n" + h +
                                   "Transfer-Encoding: chunked\r\n\r\n0\r\n"
                                   "T: v\r\n\r\n"},
      {"absolute-form target", "GET http://x/p HTTP/1.1\r\n" + h + "\r\n"},
      {"asterisk target", "OPTIONS * HTTP/1.1\r\n" + h + "\r\n"},
      {"space in target", "GET /a b HTTP/1.1\r\n" + h + "\r\n"},
      {"DEL in target", "GET /a\x7f HTTP/1.1\r\n" + h + "\r\n"},
      {"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\n" + h + "\r\n"},
  };
}

// Disagreements documented (with the RFC 9112 reason) in http/README.md:
// case -> "brisk/beast/http-parser" verdicts.
const std::map<std::string, std::string>& Expected() {
  static const auto* m = new std::map<std::string, std::string>{
#include "conformance/differential_expected.inc"
  };
  return *m;
}

TEST(DifferentialTest, DisagreementsAreTheDocumentedOnes) {
  std::map<std::string, std::string> found;
  std::string table = "case | brisk | beast | http-parser\n";
  int accepted_by_all = 0;
  for (const Case& c : Cases()) {
    Verdict b = Brisk(c.request);
    Verdict be = Beast(c.request);
    Verdict n = NodeHttpParser(c.request);
    table += std::string(c.name) + " | " + Name(b) + " | " + Name(be) + " | " +
             Name(n) + "\n";
    const bool disagree = (b == Verdict::kAccept) != (be == Verdict::kAccept) ||
                          (b == Verdict::kAccept) != (n == Verdict::kAccept);
    if (disagree) {
      found[c.name] = std::string(Name(b)) + "/" + Name(be) + "/" + Name(n);
    }
    accepted_by_all += b == Verdict::kAccept && be == Verdict::kAccept &&
                       n == Verdict::kAccept;
  }
  EXPECT_EQ(found, Expected()) << table;
  EXPECT_GE(accepted_by_all, 3) << "the valid cases must pass everywhere\n"
                                << table;
}

TEST(DifferentialTest, BriskNeverAcceptsWhatBothPeersReject) {
  for (const Case& c : Cases()) {
    const bool brisk = Brisk(c.request) == Verdict::kAccept;
    const bool peers = Beast(c.request) == Verdict::kAccept ||
                       NodeHttpParser(c.request) == Verdict::kAccept;
    EXPECT_FALSE(brisk && !peers) << c.name;
  }
}

}  // namespace
}  // namespace brisk
