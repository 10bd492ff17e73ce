// AccessLog (middleware/access_log.h) through the real server: the three
// formats (JSON lines parsed strictly), hostile bytes escaped, 499 for a
// client that left, everything written by Flush and by destruction, lines
// dropped (and counted) rather than a request waiting on a stuck disk, and
// no allocation per logged request once warm.

#include "middleware/access_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "middleware/request_id.h"
#include "nlohmann/json.hpp"
#include "server/alloc_window.h"
#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::middleware {
namespace {

using server::Get;
using server::Reply;
using server::RoundTrip;
using server::TestServer;

std::string TempPath(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

std::shared_ptr<AccessLog> Make(AccessLogOptions o) {
  absl::StatusOr<std::shared_ptr<AccessLog>> log = AccessLog::Create(o);
  EXPECT_TRUE(log.ok()) << log.status();
  return *log;
}

server::Handler Hello() {
  return [](server::RequestCtx& ctx) { ctx.SetBody("hello"); };
}

TEST(AccessLogTest, CombinedAndCommonLines) {
  for (auto format : {AccessLogOptions::Format::kCombined,
                      AccessLogOptions::Format::kCommon}) {
    const std::string path =
        TempPath(format == AccessLogOptions::Format::kCommon ? "common.log"
                                                             : "combined.log");
    std::remove(path.c_str());
    auto log = Make({.format = format, .path = path});
    {
      TestServer ts({}, server::Wrap({log}, Hello()));
      ASSERT_EQ(RoundTrip(ts.port(), Get("/a?b=1",
                                         "Referer: http://r/\r\n"
                                         "User-Agent: ua/1\r\n"))
                    .status,
                200);
      testing::RawConn c = ts.Connect();
      ASSERT_TRUE(c.Send("HEAD /h HTTP/1.0\r\n\r\n"));
      server::ReadReply(c, true);
    }
    log->Flush();
    const std::vector<std::string> lines = Lines(path);
    ASSERT_EQ(lines.size(), 2u);
    // 127.0.0.1 - - [03/Dec/2026:19:20:00 +0000] "GET /a?b=1 HTTP/1.1" 200 5
    EXPECT_EQ(lines[0].rfind("127.0.0.1 - - [", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(" +0000] \"GET /a?b=1 HTTP/1.1\" 200 5"),
              std::string::npos)
        << lines[0];
    EXPECT_NE(lines[1].find("\"HEAD /h HTTP/1.0\" 200 0"), std::string::npos)
        << lines[1];
    if (format == AccessLogOptions::Format::kCombined) {
      EXPECT_TRUE(lines[0].ends_with(" \"http://r/\" \"ua/1\"")) << lines[0];
      EXPECT_TRUE(lines[1].ends_with(" \"-\" \"-\"")) << lines[1];
    } else {
      EXPECT_TRUE(lines[0].ends_with("200 5")) << lines[0];
    }
  }
}

TEST(AccessLogTest, HostileBytesCannotForgeALine) {
  const std::string path = TempPath("hostile.log");
  std::remove(path.c_str());
  auto log = Make({.path = path});
  {
    TestServer ts({}, server::Wrap({log}, Hello()));
    RoundTrip(ts.port(),
              Get("/x", "User-Agent: a\" 200 0 \"-\" \"b\\\xff\xe9\r\n"));
  }
  log->Flush();
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(
      lines[0].ends_with("\"a\\x22 200 0 \\x22-\\x22 \\x22b\\x5C\\xFF\\xE9\""))
      << lines[0];
}

TEST(AccessLogTest, JsonLinesAreValidJson) {
  const std::string path = TempPath("log.jsonl");
  std::remove(path.c_str());
  auto log = Make({.format = AccessLogOptions::Format::kJson, .path = path});
  {
    TestServer ts({},
                  server::Wrap({std::make_shared<RequestId>(), log}, Hello()));
    RoundTrip(ts.port(), Get("/j",
                             "User-Agent: q\"\\\xff \xc3\xa9\xed\xa0\x80\r\n"
                             "X-Request-Id: rid-1\r\n"));
  }
  log->Flush();
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 1u);
  nlohmann::json j = nlohmann::json::parse(lines[0]);  // throws if invalid
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["target"], "/j");
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes"], 5);
  EXPECT_EQ(j["remote"], "127.0.0.1");
  EXPECT_EQ(j["request_id"], "rid-1");
  // Valid UTF-8 (é) as it is; a stray byte and a surrogate's bytes escaped.
  EXPECT_EQ(j["user_agent"], "q\"\\\u00ff \u00e9\u00ed\u00a0\u0080");
  EXPECT_TRUE(j["duration_us"].is_number_unsigned());
  EXPECT_EQ(j["time"].get<std::string>().size(), 20u);  // 2026-12-03T19:20:00Z
}

TEST(AccessLogTest, AClientThatLeftIs499AndDestructionWritesAll) {
  const std::string path = TempPath("gone.log");
  std::remove(path.c_str());
  {
    auto log = Make({.path = path, .flush_interval = absl::Hours(1)});
    std::atomic<bool> started{false};
    TestServer ts(
        {}, server::Wrap(
                {log}, server::Coroutine(
                           [&started](server::RequestCtx& ctx) -> server::Task {
                             started = true;
                             absl::Status s =
                                 co_await ctx.Sleep(absl::Seconds(30));
                             (void)s;
                           })));
    {
      testing::RawConn c = ts.Connect();
      ASSERT_TRUE(c.Send(Get("/wait")));
      for (int i = 0; i < 500 && !started; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }  // the client leaves
    ts.server().Shutdown(absl::Seconds(5));
  }  // the log is destroyed: its lines are written
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"GET /wait HTTP/1.1\" 499 0"), std::string::npos)
      << lines[0];
}

TEST(AccessLogTest, AStuckDiskDropsLinesInsteadOfBlocking) {
  // A FIFO nobody reads: the writer blocks once the pipe is full.
  const std::string fifo = TempPath("stuck.fifo");
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  auto log = Make(
      {.path = fifo, .buffer_bytes = 1024, .max_pending_bytes = 16 * 1024});
  const std::string ua(1000, 'u');
  {
    TestServer ts({}, server::Wrap({log}, Hello()));
    testing::RawConn c = ts.Connect();
    for (int i = 0; i < 400; ++i) {  // ~400 KB of lines, a 64 KiB pipe
      ASSERT_TRUE(c.Send(Get("/", "User-Agent: " + ua + "\r\n")));
      ASSERT_EQ(server::ReadReply(c).status, 200) << i;  // never blocked
    }
  }
  EXPECT_GT(log->dropped(), 0u);
  // Unblock the writer so the log can be destroyed.
  std::atomic<bool> done{false};
  std::thread drain([&] {
    char buf[65536];
    while (!done) {
      if (read(reader, buf, sizeof(buf)) <= 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  });
  log.reset();
  done = true;
  drain.join();
  close(reader);
}

TEST(AccessLogTest, LoggedRequestsAllocateNothingOnceWarm) {
  const std::string path = TempPath("alloc.log");
  std::remove(path.c_str());
  auto log = Make({.path = path});
  server::AllocationWindow w(200, 1000);
  TestServer ts({}, server::Wrap({log}, w.Wrap()));
  testing::RawConn c = ts.Connect();
  for (int i = 0; i < w.total(); ++i) {
    ASSERT_TRUE(c.Send(Get("/p", "User-Agent: alloc\r\n")));
    ASSERT_EQ(server::ReadReply(c).status, 200);
  }
  EXPECT_EQ(w.allocations(), 0u) << "allocations over 1,000 logged requests";
}

TEST(AccessLogTest, BadOptions) {
  EXPECT_FALSE(AccessLog::Create({.buffer_bytes = 0}).ok());
  EXPECT_FALSE(
      AccessLog::Create({.buffer_bytes = 100, .max_pending_bytes = 10}).ok());
  EXPECT_FALSE(AccessLog::Create({.path = "/nonexistent/dir/log"}).ok());
}

}  // namespace
}  // namespace brisk::middleware
