#include "client/lb_client.h"

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client_test_util.h"
#include "http/message.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"

namespace brisk::client {
namespace {

using testing::FakeServer;
using testing::RawConn;

// Answers every request with `code` (body: the server's name); code 0
// never answers.
auto Backend(int code, std::string name) {
  return [code, name](RawConn& c, int) {
    for (;;) {
      size_t end;
      while ((end = c.buffer().find("\r\n\r\n")) == std::string::npos) {
        if (c.ReadSome(std::chrono::seconds(10)) <= 0) {
          return;
        }
      }
      c.Take(end + 4);
      if (code != 0) {
        c.Send(absl::StrCat("HTTP/1.1 ", code, " X\r\nContent-Length: ",
                            name.size(), "\r\n\r\n", name));
      }
    }
  };
}

TEST(LBClientTest, SpreadsLoadAndAvoidsAFailingBackend) {
  FakeServer good1(Backend(200, "g1"));
  FakeServer good2(Backend(200, "g2"));
  FakeServer bad(Backend(503, "bad"));
  LBClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", good1.port()),
             absl::StrCat("127.0.0.1:", good2.port()),
             absl::StrCat("127.0.0.1:", bad.port())};
  LBClient lb(o);
  ASSERT_TRUE(lb.status().ok());
  http::Response resp;
  int served_bad = 0;
  for (int i = 0; i < 90; ++i) {
    http::Request req = MakeGet();
    ASSERT_TRUE(lb.Do(req, resp).ok());
    served_bad += resp.body() == "bad";
  }
  std::vector<LBBackendStats> st = lb.stats();
  ASSERT_EQ(st.size(), 3u);
  // The failing backend was tried, then penalized for 3 s.
  EXPECT_GE(served_bad, 1);
  EXPECT_LE(served_bad, 2);
  EXPECT_GE(st[2].penalty, 1);
  // The healthy ones shared the rest about evenly (ties go round-robin).
  EXPECT_GE(st[0].requests, 30u);
  EXPECT_GE(st[1].requests, 30u);
}

TEST(LBClientTest, EveryRequestHasADeadline) {
  FakeServer silent(Backend(0, "silent"));
  LBClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", silent.port())};
  o.timeout = absl::Milliseconds(100);
  LBClient lb(o);
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status s = lb.Do(req, resp);
  EXPECT_TRUE(IsTimeout(s)) << s;
  EXPECT_EQ(lb.stats()[0].penalty, 1);
}

// DoTimeout's duration replaces the options' timeout, as DoDeadline's
// point in time does.
TEST(LBClientTest, DoTimeoutAndDoDeadlineReplaceTheDefault) {
  FakeServer late([](RawConn& c, int) {
    while (ReadRequest(c)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
    }
  });
  LBClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", late.port())};
  o.timeout = absl::Milliseconds(100);
  o.penalty = absl::ZeroDuration();
  LBClient lb(o);
  http::Response resp;
  http::Request req = MakeGet();
  absl::Status s = lb.Do(req, resp);
  EXPECT_TRUE(IsTimeout(s)) << s;
  s = lb.DoTimeout(req, resp, absl::Seconds(10));
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(resp.body(), "late");
  s = lb.DoDeadline(req, resp, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(resp.body(), "late");
  s = lb.DoTimeout(req, resp, absl::Milliseconds(50));
  EXPECT_TRUE(IsTimeout(s)) << s;
}

TEST(LBClientTest, CustomHealthCheckAndBadOptions) {
  FakeServer teapot(Backend(418, "tea"));
  LBClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", teapot.port())};
  o.health_check = [](const http::Request&, const http::Response& r,
                      const absl::Status& s) {
    return s.ok() && r.status_code() != 418;
  };
  LBClient lb(o);
  http::Request req = MakeGet();
  http::Response resp;
  ASSERT_TRUE(lb.Do(req, resp).ok());
  EXPECT_EQ(lb.stats()[0].penalty, 1);

  LBClient empty(LBClientOptions{});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.Do(req, resp).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace brisk::client
