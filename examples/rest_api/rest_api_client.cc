// Calls every route of rest_api and checks the answers, as a user's client
// would: brisk's HostClient, JSON with nlohmann/json. Exits 0 when all is as
// expected, 1 with a message otherwise.
//
//   rest_api_client 127.0.0.1:PORT

#include <chrono>
#include <cstdio>
#include <string>

#include "client/host_client.h"
#include "nlohmann/json.hpp"

namespace {

using nlohmann::json;

brisk::client::HostClient* client;
int failures = 0;

// One call; its status and body.
std::pair<int, std::string> Call(std::string method, std::string path,
                                 std::string body = "") {
  brisk::http::Request req;
  req.header().SetMethod(method);
  req.header().SetRequestUri(path);
  if (!body.empty()) {
    req.SetContentType("application/json");
    req.SetBody(body);
  }
  brisk::http::Response resp;
  absl::Status s = client->DoTimeout(req, resp, absl::Seconds(5));
  if (!s.ok()) {
    std::fprintf(stderr, "%s %s: %s\n", method.c_str(), path.c_str(),
                 s.ToString().c_str());
    return {0, ""};
  }
  return {resp.status_code(), std::string(resp.body())};
}

void Expect(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  failures += ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rest_api_client HOST:PORT\n");
    return 2;
  }
  brisk::client::HostClient c({.addrs = {argv[1]}});
  client = &c;

  auto [st, body] =
      Call("POST", "/users", R"({"name": "Ada", "email": "ada@example.org"})");
  json ada = json::parse(body, nullptr, false);
  Expect(st == 201 && ada["name"] == "Ada", "POST /users creates: " + body);
  const std::string id = ada.value("id", "");

  std::tie(st, body) = Call("GET", "/users/" + id);
  Expect(st == 200 && json::parse(body, nullptr, false) == ada,
         "GET /users/{id} finds it");
  std::tie(st, body) = Call("GET", "/users");
  Expect(st == 200 && json::parse(body, nullptr, false).size() == 1,
         "GET /users lists it");
  std::tie(st, body) = Call("POST", "/users", R"({"name": 7})");
  Expect(st == 400, "POST /users with a bad body is 400: " + body);
  std::tie(st, body) = Call("GET", "/users/x");
  Expect(st == 404, "GET /users/x (not an int) is 404");
  std::tie(st, body) = Call("PUT", "/users/" + id, "{}");
  Expect(st == 405, "PUT /users/{id} is 405");

  auto start = std::chrono::steady_clock::now();
  std::tie(st, body) = Call("GET", "/slow");
  auto took = std::chrono::steady_clock::now() - start;
  Expect(st == 200 && took >= std::chrono::milliseconds(190),
         "GET /slow answers after its sleep");

  std::tie(st, body) = Call("GET", "/stream");
  Expect(st == 200 && body.find(R"({"tick":1})") == 0 &&
             body.find(R"({"tick":5})") != std::string::npos,
         "GET /stream streams five lines");

  std::tie(st, body) = Call("GET", "/profile/" + id);
  json profile = json::parse(body, nullptr, false);
  Expect(st == 200 && profile["user"] == ada && profile["via"] == "backend",
         "GET /profile/{id} calls the backend: " + body);

  std::tie(st, body) = Call("POST", "/upload", std::string(8 << 20, 'u'));
  Expect(st == 200 &&
             json::parse(body, nullptr, false)["received_bytes"] == (8 << 20),
         "POST /upload streams 8 MiB: " + body);

  std::tie(st, body) = Call("DELETE", "/users/" + id);
  Expect(st == 204, "DELETE /users/{id} removes it");
  std::tie(st, body) = Call("GET", "/profile/" + id);
  Expect(st == 404, "GET /profile/{id} relays the backend's 404");

  std::printf("%s\n", failures == 0 ? "all good" : "failures");
  return failures == 0 ? 0 : 1;
}
