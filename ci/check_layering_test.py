"""Shows that ci/check_layering.py catches forbidden paths, and only those."""

import unittest

import check_layering as cl

XML = """<?xml version="1.1" encoding="UTF-8" standalone="no"?>
<query version="2">
  <rule class="cc_library" location="x" name="//bytes:bytes">
    <list name="deps"><label value="@brisk_system//:absl_base"/></list>
  </rule>
  <rule class="cc_test" location="x" name="//bytes:bytes_test">
    <list name="deps">
      <label value="//bytes:bytes"/><label value="//testing:counting_allocator"/>
    </list>
  </rule>
  <rule class="cc_library" location="x" name="//http:http">
    <list name="deps"><label value="//bytes:bytes"/></list>
  </rule>
  <rule class="cc_library" location="x" name="//pool:pool">
    <boolean name="testonly" value="false"/>
    <list name="deps"><label value="//http"/></list>
  </rule>
  <rule class="alias" location="x" name="//:http">
    <label name="actual" value="//http:http"/>
  </rule>
</query>
"""


class DependencyTest(unittest.TestCase):

  def test_reads_rules_from_bazel_xml(self):
    rules = {label: (t, deps) for label, t, deps in cl.rules_from_xml(XML)}
    self.assertEqual(rules["//bytes:bytes_test"][0], True)
    self.assertEqual(rules["//pool:pool"], (False, ["//http"]))
    self.assertEqual(rules["//:http"], (False, ["//http:http"]))

  def test_catches_pool_depending_on_http(self):
    problems = cl.dependency_violations(cl.rules_from_xml(XML))
    self.assertEqual(len(problems), 1, problems)
    self.assertIn("//pool:pool -> //http:http", problems[0])

  def test_allowed_graph_is_clean(self):
    rules = [
        ("//server:server", False, ["//workerpool", "//http:http",
                                    "@brisk_system//:asio"]),
        ("//client:client", False, ["//http", "//pool", "//bytes"]),
        ("//server:server_test", True, ["//testing:raw_conn"]),
        ("//bench:e2e", False, ["@brisk_system//:beast", "//client"]),
    ]
    self.assertEqual(cl.dependency_violations(rules), [])

  def test_catches_asio_in_a_pure_library(self):
    problems = cl.dependency_violations(
        [("//http:http", False, ["@brisk_system//:asio"])])
    self.assertEqual(len(problems), 1)
    self.assertIn("'http' may not use it", problems[0])

  def test_catches_testing_in_a_library(self):
    problems = cl.dependency_violations(
        [("//bytes:bytes", False, ["//testing:counting_allocator"])])
    self.assertEqual(len(problems), 1)

  def test_catches_the_root_alias_bypass(self):
    problems = cl.dependency_violations([("//pool:pool", False, ["//:http"])])
    self.assertEqual(len(problems), 1)
    self.assertIn("root aliases", problems[0])

  def test_catches_upward_dependencies(self):
    problems = cl.dependency_violations([
        ("//client:client", False, ["//server"]),
        ("//workerpool:workerpool", False, ["//http"]),
        ("//bytes:bytes", False, ["//pool"]),
    ])
    self.assertEqual(len(problems), 3, problems)

  def test_router_sits_between_server_and_tools(self):
    self.assertEqual(cl.dependency_violations([
        ("//router:router", False, ["//server", "//http", "//bytes"]),
        ("//tools:app", False, ["//router"]),
        ("//e2e:router_test", True, ["//router", "//client"]),
    ]), [])
    problems = cl.dependency_violations([
        ("//server:server", False, ["//router"]),
        ("//client:client", False, ["//router"]),
        ("//router:router", False, ["//client"]),
        ("//router:router", False, ["@brisk_system//:asio"]),
    ])
    self.assertEqual(len(problems), 4, problems)

  def test_unknown_package_must_be_added_to_the_table(self):
    problems = cl.dependency_violations([("//newlib:newlib", False, [])])
    self.assertIn("not in the layering table", problems[0])


class IncludeTest(unittest.TestCase):

  def test_catches_asio_include_in_http(self):
    problems = cl.include_violations(
        [("http/request.cc", '#include "bytes/conv.h"\n#include <boost/asio/ip/tcp.hpp>\n')])
    self.assertEqual(problems, ["http/request.cc:2: 'http' may not include Asio"])

  def test_asio_is_fine_in_server(self):
    self.assertEqual(cl.include_violations(
        [("server/server.cc", "#include <boost/asio/ip/tcp.hpp>\n")]), [])

  def test_catches_brisk_header_of_a_higher_layer(self):
    problems = cl.include_violations([("pool/pool.h", '#include "http/request.h"\n')])
    self.assertEqual(len(problems), 1)
    self.assertIn("'pool' may not include 'http/' headers", problems[0])

  def test_catches_beast_outside_bench(self):
    problems = cl.include_violations(
        [("server/x.cc", "#include <boost/beast/http/parser.hpp>\n")])
    self.assertEqual(len(problems), 1)

  def test_peers_are_for_bench_and_conformance_only(self):
    beast = "#include <boost/beast/http/parser.hpp>\n"
    self.assertEqual(cl.include_violations(
        [("conformance/differential_test.cc", beast)]), [])
    self.assertEqual(len(cl.include_violations(
        [("http/differential_test.cc", beast)])), 1)
    self.assertEqual(cl.dependency_violations(
        [("//conformance:differential_test", True,
          ["@brisk_system//:beast", "//http"])]), [])
    self.assertEqual(len(cl.dependency_violations(
        [("//http:http_test", True, ["@brisk_system//:http_parser"])])), 1)

if __name__ == "__main__":
  unittest.main()
