"""Shows check_skips.py catching each kind of unexplained skip."""

import contextlib
import io
import os
import tempfile
import unittest

import check_skips


def tree(files):
    d = tempfile.mkdtemp()
    for name, text in files.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return d


class CheckSkipsTest(unittest.TestCase):
    def test_clean_tree_passes(self):
        d = tree({"a/x_test.cc": "TEST(A, B) {}\n// disabled: flaky DNS\n"
                  "TEST(A, DISABLED_C) {}\nvoid f() { GTEST_SKIP() << \"no "
                  "ipv6\"; }\n",
                  "a/BUILD.bazel": "# manual: needs a GPU\ntags = [\"manual\"],\n"})
        self.assertEqual(check_skips.findings(d), [])

    def test_unexplained_disabled_test(self):
        d = tree({"a/x_test.cc": "TEST(A, DISABLED_C) {}\n"})
        self.assertEqual(len(check_skips.findings(d)), 1)

    def test_skip_without_message(self):
        d = tree({"a/x_test.cc": "void f() { GTEST_SKIP(); }\n"})
        self.assertIn("GTEST_SKIP", check_skips.findings(d)[0])

    def test_manual_and_flaky_without_reason(self):
        d = tree({"a/BUILD.bazel": "cc_test(\n  tags = [\"manual\"],\n"
                  "  flaky = True,\n)\n"})
        self.assertEqual(len(check_skips.findings(d)), 2)

    def test_skip_message_on_the_next_line(self):
        d = tree({"a/x_test.cc": "void f() {\n  GTEST_SKIP()\n"
                  "      << \"no ipv6\";\n}\n"})
        self.assertEqual(check_skips.findings(d), [])

    def test_disabled_typed_test_and_suite(self):
        d = tree({"a/x_test.cc": "TYPED_TEST(A, DISABLED_B) {}\n"
                  "TEST_F(DISABLED_A, B) {}\n"})
        self.assertEqual(len(check_skips.findings(d)), 2)

    def test_git_and_bazel_output_are_not_scanned(self):
        d = tree({"a/x_test.cc": "TEST(A, B) {}\n",
                  ".git/x_test.cc": "TEST(A, DISABLED_B) {}\n",
                  "bazel-out/x_test.cc": "TEST(A, DISABLED_B) {}\n"})
        self.assertEqual(check_skips.findings(d), [])

    # The tree itself is checked by .ci/run (python3 ci/check_skips.py): this
    # test sees only its runfiles, which is why a root without tests fails.
    def test_a_root_without_tests_fails(self):
        d = tree({"ci/check_skips.py": "", "ci/BUILD.bazel": ""})
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.assertEqual(check_skips.main([d]), 1)
        self.assertIn("no *_test.cc", out.getvalue())

    def test_main_passes_a_clean_tree(self):
        d = tree({"a/x_test.cc": "TEST(A, B) {}\n"})
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(check_skips.main([d]), 0)


if __name__ == "__main__":
    unittest.main()
