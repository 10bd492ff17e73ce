// load against brisk's own server: the requests load reports are exactly
// the requests the server answered; errors are counted by kind; nothing
// succeeding is exit status 1; bad arguments 2.

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "server/server.h"
#include "testing/subprocess.h"
#include "testing/tls_certs.h"
#include "tls/context.h"

namespace {

std::string g_load;  // path of the load binary (argv[1])

brisk::testing::CommandResult RunLoad(const std::string& args) {
  return brisk::testing::RunCommand(g_load + " " + args);
}

uint64_t JsonNumber(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) {
    return 0;
  }
  return std::stoull(json.substr(at + key.size() + 4));
}

TEST(LoadTest, CountsExactlyWhatTheServerAnswered) {
  std::atomic<uint64_t> served{0};
  brisk::server::Server srv({.threads = 1},
                            [&](brisk::server::RequestCtx& ctx) {
                              served.fetch_add(1);
                              ctx.SetBody("Hello, World!");
                            });
  ASSERT_TRUE(srv.Listen("127.0.0.1:0").ok());
  srv.Start();
  const std::string url = absl::StrCat("http://127.0.0.1:", srv.port(), "/");
  brisk::testing::CommandResult r = RunLoad("-c 8 -t 2 -d 1s --json " + url);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const uint64_t reported = JsonNumber(r.out, "requests");
  EXPECT_GT(reported, 0u) << r.out;
  EXPECT_EQ(reported, served.load()) << r.out;
  EXPECT_NE(r.out.find("\"errors\": {}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"p999\""), std::string::npos) << r.out;

  served = 0;
  r = RunLoad("-c 4 -t 1 -d 1s --pipeline 8 --json " + url);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(JsonNumber(r.out, "requests"), served.load()) << r.out;

  served = 0;
  r = RunLoad(
      "-c 2 -t 1 -d 1s --rate 200 --json -m POST --body x -H 'X-A: b' " + url);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(JsonNumber(r.out, "requests"), served.load()) << r.out;
  // A schedule of 200/s for 1 s cannot send more than 200 (+1 per flow).
  EXPECT_LE(served.load(), 202u);
  srv.Shutdown(absl::Seconds(5));
}

// https:// with --cacert (verified, one handshake per connection), -k, and
// verification failures counted by kind.
TEST(LoadTest, HttpsWithTheFlagsCurlHas) {
  const brisk::testing::TestPki pki = brisk::testing::MakeTestPki();
  const std::string ca =
      brisk::testing::WritePem(::testing::TempDir(), "load_ca.pem", pki.ca);
  std::atomic<uint64_t> served{0};
  brisk::server::ServerOptions o;
  o.threads = 1;
  o.tls = *brisk::tls::Context::MakeServer(
      {.cert_chain_pem = pki.server.cert, .key_pem = pki.server.key});
  brisk::server::Server srv(o, [&](brisk::server::RequestCtx& ctx) {
    served.fetch_add(1);
    ctx.SetBody("Hello, World!");
  });
  ASSERT_TRUE(srv.Listen("127.0.0.1:0").ok());
  srv.Start();
  const std::string url = absl::StrCat("https://localhost:", srv.port(), "/");
  brisk::testing::CommandResult r =
      RunLoad("-c 4 -t 2 -d 1s --json --cacert " + ca + " " + url);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(JsonNumber(r.out, "requests"), served.load()) << r.out;
  EXPECT_EQ(srv.stats().tls_handshakes, 4u);
  r = RunLoad("-c 2 -t 1 -d 300ms --json --pipeline 4 -k " + url);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = RunLoad("-c 1 -t 1 -d 300ms --json " + url);  // the system's store
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("\"tls_verification_failed\""), std::string::npos)
      << r.out;
  srv.Shutdown(absl::Seconds(5));
}

TEST(LoadTest, ErrorsByKindAndExitCodes) {
  brisk::server::Server srv({.threads = 1}, [](brisk::server::RequestCtx& ctx) {
    ctx.Error(503, "busy");
  });
  ASSERT_TRUE(srv.Listen("127.0.0.1:0").ok());
  srv.Start();
  const uint16_t port = srv.port();
  brisk::testing::CommandResult r = RunLoad(
      absl::StrCat("-c 2 -t 1 -d 300ms --json http://127.0.0.1:", port, "/"));
  EXPECT_EQ(r.exit_code, 1) << r.out;  // nothing succeeded
  EXPECT_NE(r.out.find("\"status_5xx\""), std::string::npos) << r.out;
  srv.Shutdown(absl::Seconds(5));
  r = RunLoad(
      absl::StrCat("-c 1 -t 1 -d 300ms --json http://127.0.0.1:", port, "/"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("\"dial_failed\""), std::string::npos) << r.out;
  EXPECT_EQ(RunLoad("-c 0 http://127.0.0.1:1/").exit_code, 2);
  EXPECT_EQ(RunLoad("--nope http://127.0.0.1:1/").exit_code, 2);
  EXPECT_EQ(RunLoad("").exit_code, 2);
  EXPECT_EQ(RunLoad("ftp://127.0.0.1:1/").exit_code, 2);
  EXPECT_EQ(RunLoad("--cacert /no/such/file https://127.0.0.1:1/").exit_code,
            2);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_test PATH_TO_LOAD\n");
    return 2;
  }
  g_load = argv[1];
  return RUN_ALL_TESTS();
}
