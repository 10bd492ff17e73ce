"""Shows check_skips.py catching each kind of unexplained skip."""

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

    def test_this_repository_is_clean(self):
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
        self.assertEqual(check_skips.findings(root), [])


if __name__ == "__main__":
    unittest.main()
