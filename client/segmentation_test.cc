// The clients' results must not depend on how TCP split a response: a
// scripted server sends each response below in one write and split in two at
// every byte offset, and the client must report the same status, body and
// error, and leave the connection fit for the next request (or close it).

#include <chrono>
#include <cstdio>
#include <functional>
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
#include "testing/fake_server.h"
#include "testing/raw_conn.h"

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
// <cut> (0: one write; "bytes": one byte per write); and GET /check with
// kCheck. Malformed responses end
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
        index >= responses.size()) {
      return;
    }
    const std::string& resp = responses[index];
    if (parts[3] == "bytes") {
      for (char ch : resp) {
        if (!c.Send(std::string_view(&ch, 1))) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(300));
      }
      continue;
    }
    if (!absl::SimpleAtoi(parts[3], &cut)) {
      return;
    }
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

// One call for `path` and then /check on the same client, as text.
using Call = std::function<std::string(std::string_view path)>;

template <typename Client>
Call Plain(Client& client) {
  return [&client](std::string_view path) {
    http::Request req = MakeGet(path);
    http::Response resp;
    std::string got =
        Outcome(client.DoTimeout(req, resp, absl::Seconds(5)), resp);
    // The connection (kept or not) must answer the next request right.
    http::Request check = MakeGet("/check");
    absl::Status cs = client.DoTimeout(check, resp, absl::Seconds(5));
    return got + " then " + Outcome(cs, resp);
  };
}

// The body through DoStream's sink instead of the response.
Call Streamed(HostClient& client) {
  return [&client](std::string_view path) {
    http::Request req = MakeGet(path);
    http::Response resp;
    std::string body;
    BodySink sink = [&body](std::string_view piece) {
      body.append(piece);
      return absl::OkStatus();
    };
    absl::Status s =
        client.DoStream(req, resp, sink, absl::Now() + absl::Seconds(5));
    resp.SetBody(body);
    std::string got = Outcome(s, resp);
    http::Request check = MakeGet("/check");
    absl::Status cs = client.DoTimeout(check, resp, absl::Seconds(5));
    return got + " then " + Outcome(cs, resp);
  };
}

// Every response whole, split at every offset and one byte per write;
// returns the number of splits (each must read as the whole).
int ExpectSplitsReadAsWhole(const Call& call) {
  const std::vector<std::string> responses = Responses();
  int splits = 0;
  for (size_t i = 0; i < responses.size(); ++i) {
    const std::string whole = call(absl::StrCat("/r/", i, "/0"));
    EXPECT_NE(whole.find("then 200 [check]"), std::string::npos) << whole;
    EXPECT_EQ(call(absl::StrCat("/r/", i, "/bytes")), whole)
        << "response " << i << " one byte per write";
    for (size_t cut = 1; cut < responses[i].size(); ++cut) {
      const std::string got = call(absl::StrCat("/r/", i, "/", cut));
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
  const int splits = ExpectSplitsReadAsWhole(Plain(client));
  EXPECT_GT(splits, 400);
  std::printf("HostClient: %d splits of %zu responses, each read as whole\n",
              splits, Responses().size());
}

TEST(ClientSegmentationTest, HostClientStreamedSplitAtEveryOffset) {
  FakeServer server(Script);
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", server.port())};
  HostClient client(o);
  EXPECT_GT(ExpectSplitsReadAsWhole(Streamed(client)), 400);
}

TEST(ClientSegmentationTest, PipelineClientSplitAtEveryOffset) {
  FakeServer server(Script);
  PipelineClientOptions o;
  o.addr = absl::StrCat("127.0.0.1:", server.port());
  PipelineClient client(o);
  EXPECT_GT(ExpectSplitsReadAsWhole(Plain(client)), 400);
}

}  // namespace
}  // namespace brisk::client
