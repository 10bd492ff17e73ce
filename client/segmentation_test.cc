// The clients' results must not depend on how TCP split a response: a
// scripted server sends each response below in one write and split in two at
// every byte offset, and the client must report the same status, body and
// error, and leave the connection fit for the next request (or close it).

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client_test_util.h"
#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "testing/loopback.h"

namespace brisk::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeServer;
using testing::RawConn;

constexpr std::string_view kCheck =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ncheck";

std::vector<std::string> Responses() {
  const std::string lookalike =
      "HTTP/1.1 302 Found\r\nLocation: /evil\r\nContent-Length: 0\r\n\r\n";
  return {
      // Chunked with extensions, several chunks and trailers.
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;x=y\r\nWiki\r\n5\r\npedia\r\ne\r\n in\r\n\r\nchunks.\r\n"
      "0\r\nT: 1\r\n\r\n",
      // A chunk whose data is a whole response.
      absl::StrCat("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                   absl::Hex(lookalike.size()), "\r\n", lookalike,
                   "\r\n0\r\n\r\n"),
      // A Content-Length body that is a whole response.
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", lookalike.size(),
                   "\r\n\r\n", lookalike),
      // A redirect with a body (the client must read it all before reuse).
      "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 24\r\n\r\n"
      "<a href=\"/x\">moved</a>\r\n",
      // Interim responses before the final one.
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 204 No Content\r\n\r\n",
      // Malformed: a bad chunk size, data without its CRLF.
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz"
      "\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n"
      "0\r\n\r\n",
  };
}

// Serves GET /r/<index>/<cut>: response <index> in two writes split at
// <cut> (0: one write); and GET /check with kCheck. Malformed responses end
// the connection from the client's side; the script just stops on EOF.
void Script(RawConn& c, int) {
  const std::vector<std::string> responses = Responses();
  for (;;) {
    http::Request req;
    if (!ReadRequest(c, req)) {
      return;
    }
    std::string uri(req.header().request_uri());
    if (uri == "/check") {
      c.Send(kCheck);
      continue;
    }
    std::vector<std::string> parts;
    for (size_t p = 0, q; p < uri.size(); p = q + 1) {
      q = uri.find('/', p);
      if (q == std::string::npos) {
        q = uri.size();
      }
      parts.push_back(uri.substr(p, q - p));
    }
    size_t index = 0, cut = 0;
    if (parts.size() != 4 || !absl::SimpleAtoi(parts[2], &index) ||
        !absl::SimpleAtoi(parts[3], &cut) || index >= responses.size()) {
      return;
    }
    const std::string& resp = responses[index];
    if (cut == 0) {
      c.Send(resp);
    } else {
      c.Send(resp.substr(0, cut));
      std::this_thread::sleep_for(milliseconds(2));
      c.Send(resp.substr(cut));
    }
  }
}

// What a call reported: its error kind or status, body and trailers.
std::string Outcome(const absl::Status& s, const http::Response& resp) {
  if (!s.ok()) {
    return absl::StrCat("error ", static_cast<int>(KindOf(s)));
  }
  return absl::StrCat(resp.status_code(), " [", std::string(resp.body()), "]");
}

// Every response through `client` whole and split at every offset, each
// followed by /check on the same client; returns the number of splits.
template <typename Client>
int ExpectSplitsReadAsWhole(Client& client) {
  const std::vector<std::string> responses = Responses();
  int splits = 0;
  for (size_t i = 0; i < responses.size(); ++i) {
    std::string whole;
    for (size_t cut = 0; cut < responses[i].size(); ++cut) {
      http::Request req = MakeGet(absl::StrCat("/r/", i, "/", cut));
      http::Response resp;
      absl::Status s = client.DoTimeout(req, resp, absl::Seconds(5));
      std::string got = Outcome(s, resp);
      // The connection (kept or not) must answer the next request right.
      http::Request check = MakeGet("/check");
      absl::Status cs = client.DoTimeout(check, resp, absl::Seconds(5));
      got += " then " + Outcome(cs, resp);
      if (cut == 0) {
        whole = got;
        EXPECT_NE(whole.find("then 200 [check]"), std::string::npos) << whole;
        continue;
      }
      EXPECT_EQ(got, whole) << "response " << i << " split at " << cut;
      if (got != whole) {
        return splits;
      }
      ++splits;
    }
  }
  return splits;
}

TEST(ClientSegmentationTest, HostClientSplitAtEveryOffset) {
  FakeServer server(Script);
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", server.port())};
  HostClient client(o);
  const int splits = ExpectSplitsReadAsWhole(client);
  EXPECT_GT(splits, 400);
  std::printf("HostClient: %d splits of %zu responses, each read as whole\n",
              splits, Responses().size());
}

TEST(ClientSegmentationTest, PipelineClientSplitAtEveryOffset) {
  FakeServer server(Script);
  PipelineClientOptions o;
  o.addr = absl::StrCat("127.0.0.1:", server.port());
  PipelineClient client(o);
  EXPECT_GT(ExpectSplitsReadAsWhole(client), 400);
}

}  // namespace
}  // namespace brisk::client
