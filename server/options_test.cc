#include "server/options.h"

#include "gtest/gtest.h"

namespace brisk::server {
namespace {

TEST(ServerOptionsTest, DefaultsAreValidAndDocumented) {
  ServerOptions o;
  EXPECT_TRUE(Validate(o).ok());
  EXPECT_EQ(o.concurrency, 256 * 1024);  // as fasthttp's DefaultConcurrency
  EXPECT_EQ(o.max_request_body_bytes, 4u * 1024 * 1024);  // as fasthttp
  EXPECT_EQ(o.max_header_bytes, 16u * 1024);              // fasthttp: 4096
  EXPECT_EQ(o.max_idle_worker_duration, absl::Seconds(10));
  EXPECT_GE(EffectiveThreads(o), 1);
  o.threads = 3;
  EXPECT_EQ(EffectiveThreads(o), 3);
}

TEST(ServerOptionsTest, RejectsUnworkableValuesNamingTheField) {
  auto check = [](ServerOptions o, const char* field) {
    absl::Status s = Validate(o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  };
  check({.concurrency = 0}, "concurrency");
  check({.max_connections = -1}, "max_connections");
  check({.threads = -2}, "threads");
  check({.read_buffer_bytes = 8}, "read_buffer_bytes");
  check({.max_header_bytes = 10}, "max_header_bytes");
  check({.max_header_bytes = 1024, .max_uri_bytes = 4096}, "max_uri_bytes");
  check({.header_read_timeout = absl::ZeroDuration()}, "header_read_timeout");
  check({.idle_timeout = absl::Seconds(-1)}, "idle_timeout");
  check({.max_conns_per_ip = -1}, "max_conns_per_ip");
  check({.max_requests_per_conn = -5}, "max_requests_per_conn");
}

}  // namespace
}  // namespace brisk::server
