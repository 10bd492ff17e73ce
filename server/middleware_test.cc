// Middleware (server/middleware.h) through the real server: the order of the
// hooks for plain, coroutine and detached handlers, a middleware that
// answers, stream filters (one and two), what OnDone is told (complete,
// HEAD, a client that left mid-task), per-request state, and exceptions.

#include "server/middleware.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::server {
namespace {

// What the hooks did, in order, across threads.
class Trace {
 public:
  void Add(std::string line) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(std::move(line));
  }
  // The lines once `n` are there (bounded wait: OnDone may run after the
  // reply left).
  std::vector<std::string> Wait(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (lines_.size() >= n) {
          return lines_;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// Records each hook as "<name>.<hook>"; OnDone with its outcome.
class Recorder : public Middleware {
 public:
  Recorder(std::string name, Trace* trace, bool answer = false)
      : name_(std::move(name)), trace_(trace), answer_(answer) {}
  bool OnRequest(RequestCtx& ctx, void*& state) const override {
    trace_->Add(name_ + ".request" + (state == nullptr ? "" : " dirty"));
    state = const_cast<Recorder*>(this);
    if (answer_) {
      ctx.Error(403, "refused by " + name_);
      return false;
    }
    return true;
  }
  void OnResponse(RequestCtx& ctx, void*& state) const override {
    trace_->Add(name_ + ".response " + std::string(ctx.response().body()));
    ctx.response().header().Add("X-Via", name_);
    EXPECT_EQ(state, this);
  }
  void OnDone(RequestCtx&, void*& state,
              const ResponseOutcome& o) const override {
    trace_->Add(absl::StrCat(name_, ".done ", o.status, " ", o.body_bytes,
                             o.complete ? " complete" : " cut",
                             o.streamed ? " streamed" : ""));
    EXPECT_EQ(state, this);
  }

 private:
  std::string name_;
  Trace* trace_;
  bool answer_;
};

Handler Body(Trace* trace, std::string body) {
  return [trace, body](RequestCtx& ctx) {
    trace->Add("handler");
    ctx.SetBody(body);
  };
}

TEST(MiddlewareTest, FirstListedIsOutermost) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace),
                          std::make_shared<Recorder>("b", &trace)},
                         Body(&trace, "hi")));
  Reply r = RoundTrip(ts.port(), Get("/"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hi");
  // b's OnResponse ran first, so its field comes first.
  EXPECT_NE(r.head.find("X-Via: b\r\nX-Via: a"), std::string::npos) << r.head;
  EXPECT_EQ(
      trace.Wait(7),
      (std::vector<std::string>{
          "a.request", "b.request", "handler", "b.response hi", "a.response hi",
          "b.done 200 2 complete", "a.done 200 2 complete"}));
}

TEST(MiddlewareTest, CoroutineResponseIsSeenWhenTheTaskEnds) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace)},
                         Coroutine([&trace](RequestCtx& ctx) -> Task {
                           trace.Add("task start");
                           absl::Status s =
                               co_await ctx.Sleep(absl::Milliseconds(1));
                           EXPECT_TRUE(s.ok()) << s;
                           ctx.SetBody("late");
                           trace.Add("task end");
                         })));
  Reply r = RoundTrip(ts.port(), Get("/"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late");
  EXPECT_EQ(trace.Wait(5), (std::vector<std::string>{
                               "a.request", "task start", "task end",
                               "a.response late", "a.done 200 4 complete"}));
}

TEST(MiddlewareTest, DetachedResponseIsSeenAtFinish) {
  Trace trace;
  std::vector<std::thread> threads;
  std::mutex threads_mu;
  {
    TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace)},
                           [&](RequestCtx& ctx) {
                             DetachedCtx d = ctx.Detach();
                             std::lock_guard<std::mutex> lock(threads_mu);
                             threads.emplace_back([d = std::move(d)]() mutable {
                               d.response().SetBody("from a thread");
                               d.Finish();
                             });
                           }));
    Reply r = RoundTrip(ts.port(), Get("/"));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.head.find("X-Via: a") != std::string::npos, true);
    EXPECT_EQ(trace.Wait(3),
              (std::vector<std::string>{"a.request", "a.response from a thread",
                                        "a.done 200 13 complete"}));
  }
  for (std::thread& t : threads) {
    t.join();
  }
}

TEST(MiddlewareTest, AMiddlewareThatAnswersStopsTheChain) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace),
                          std::make_shared<Recorder>("b", &trace, true),
                          std::make_shared<Recorder>("c", &trace)},
                         Body(&trace, "never")));
  Reply r = RoundTrip(ts.port(), Get("/"));
  ASSERT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "refused by b");
  const std::vector<std::string> lines = trace.Wait(6);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "a.request", "b.request", "b.response refused by b",
                       "a.response refused by b", "b.done 403 12 complete",
                       "a.done 403 12 complete"}));
}

TEST(MiddlewareTest, StateStartsNullForEveryPipelinedRequest) {
  Trace trace;
  TestServer ts(
      {}, Wrap({std::make_shared<Recorder>("a", &trace)}, Body(&trace, "x")));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/1") + Get("/2") + Get("/3")));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(ReadReply(c).status, 200);
  }
  const std::vector<std::string> lines = trace.Wait(12);
  ASSERT_EQ(lines.size(), 12u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[static_cast<size_t>(4 * i)], "a.request");  // not dirty
  }
}

TEST(MiddlewareTest, HeadCountsNoBodyBytes) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace)},
                         Body(&trace, "hello")));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(ReadReply(c, /*head_request=*/true).status, 200);
  const std::vector<std::string> lines = trace.Wait(4);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3], "a.done 200 0 complete");
}

// Upper-cases a streamed body and ends it with `tail`; `wrap` puts each
// non-empty piece in brackets instead.
class Filter : public Middleware {
 public:
  Filter(std::string tail, bool wrap) : tail_(std::move(tail)), wrap_(wrap) {}
  bool OnStreamStart(RequestCtx& ctx, void*&) const override {
    ctx.response().header().SetContentLength(-1);  // the length changes
    return true;
  }
  void OnStreamData(RequestCtx&, void*&, std::string_view data, bool last,
                    bytes::ByteBuffer& out) const override {
    if (wrap_) {
      if (!data.empty()) {
        out.Append("[" + std::string(data) + "]");
      }
    } else {
      std::string upper(data);
      for (char& ch : upper) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
      out.Append(upper);
    }
    if (last) {
      out.Append(tail_);
    }
  }

 private:
  std::string tail_;
  bool wrap_;
};

Handler StreamTwo(int64_t content_length) {
  return Coroutine([content_length](RequestCtx& ctx) -> Task {
    ctx.response().header().SetContentLength(content_length);
    absl::Status s = co_await ctx.StreamWrite("hello ");
    EXPECT_TRUE(s.ok()) << s;
    s = co_await ctx.StreamWrite("world");
    EXPECT_TRUE(s.ok()) << s;
  });
}

TEST(MiddlewareTest, StreamFilterRewritesEachPieceAndTheEnd) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace),
                          std::make_shared<Filter>("!", false)},
                         StreamTwo(11)));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  Reply r = ReadReply(c);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "HELLO WORLD!");
  EXPECT_TRUE(r.Has("Transfer-Encoding")) << r.head;
  EXPECT_FALSE(r.Has("Content-Length")) << r.head;
  // The connection stays usable: the filtered body was framed right.
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_EQ(ReadReply(c).body, "HELLO WORLD!");
  const std::vector<std::string> lines = trace.Wait(4);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[1], "a.done 200 12 complete streamed");
}

TEST(MiddlewareTest, TwoFiltersRunInnermostFirst) {
  TestServer ts({}, Wrap({std::make_shared<Filter>(".", true),
                          std::make_shared<Filter>("!", false)},
                         StreamTwo(-1)));
  Reply r = RoundTrip(ts.port(), Get("/"));
  ASSERT_EQ(r.status, 200);
  // The inner one upper-cases and adds "!"; the outer one brackets what it
  // gets, then adds ".".
  EXPECT_EQ(r.body, "[HELLO ][WORLD][!].");
}

TEST(MiddlewareTest, HeadStreamIsNotFiltered) {
  TestServer ts({},
                Wrap({std::make_shared<Filter>("!", false)}, StreamTwo(-1)));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/")));
  Reply head = ReadReply(c, /*head_request=*/true);
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(ReadReply(c).body, "HELLO WORLD!");
}

TEST(MiddlewareTest, ClientGoneMidTaskIsReportedCut) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace)},
                         Coroutine([&trace](RequestCtx& ctx) -> Task {
                           trace.Add("task start");
                           absl::Status s =
                               co_await ctx.Sleep(absl::Seconds(30));
                           trace.Add(s.ok() ? "slept" : "cancelled");
                         })));
  {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(Get("/")));
    ASSERT_EQ(trace.Wait(2).size(), 2u);
  }  // the client leaves
  const std::vector<std::string> lines = trace.Wait(4);
  EXPECT_EQ(lines, (std::vector<std::string>{"a.request", "task start",
                                             "cancelled", "a.done 0 0 cut"}));
}

class Throws : public Middleware {
 public:
  bool OnRequest(RequestCtx&, void*&) const override {
    throw std::runtime_error("no");
  }
};

TEST(MiddlewareTest, ThrowingOnRequestIsA500ThatOuterHooksSee) {
  Trace trace;
  TestServer ts({}, Wrap({std::make_shared<Recorder>("a", &trace),
                          std::make_shared<Throws>()},
                         Body(&trace, "never")));
  Reply r = RoundTrip(ts.port(), Get("/"));
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(r.Has("X-Via")) << r.head;
  const std::vector<std::string> lines = trace.Wait(3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "a.request");
  EXPECT_EQ(lines[2].substr(0, 10), "a.done 500");
}

TEST(MiddlewareTest, NullEntriesAreSkipped) {
  Trace trace;
  TestServer ts({}, Wrap({nullptr}, Body(&trace, "ok")));
  EXPECT_EQ(RoundTrip(ts.port(), Get("/")).body, "ok");
}

}  // namespace
}  // namespace brisk::server
