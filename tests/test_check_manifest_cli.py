"""kap check-manifest as a user runs it: every node root of tests/manifests
against its hand-written expected findings, the JSON document's shape, the
text form, colours, exit statuses, and manifests that cannot be read.

Run from tests/ with KAP set to the kap binary (ctest does both).
SPDX-License-Identifier: Apache-2.0"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

KAP = os.environ.get("KAP", "kap")
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "manifests")
DEFAULT = "/etc/kubernetes/manifests/kube-apiserver.yaml"
STATUSES = {"PASS", "WARN", "FAIL"}


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    p = subprocess.run([KAP, "check-manifest", *args], capture_output=True, env=e, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def cases():
    for name in sorted(os.listdir(FIXTURES)):
        d = os.path.join(FIXTURES, name)
        if os.path.isfile(os.path.join(d, "expected")):
            yield name, d


def read_expected(d):
    """exit N, then STATUS ID lines: every WARN and FAIL expected (exactly
    these), and some checks that must PASS."""
    exit_status, bad, good = None, [], []
    with open(os.path.join(d, "expected")) as f:
        for line in f:
            word, value = line.split()
            if word == "exit":
                exit_status = int(value)
            elif word == "PASS":
                good.append(value)
            else:
                bad.append((word, value))
    args_file = os.path.join(d, "args")
    manifest = DEFAULT
    if os.path.exists(args_file):
        with open(args_file) as f:
            manifest = f.read().strip()
    return exit_status, sorted(bad), good, manifest


def check_shape(test, doc):
    """The JSON document's keys and types (docs/check-manifest.md)."""
    test.assertEqual(set(doc), {"manifest", "root", "kubeVersion", "error", "checks", "policy"})
    test.assertIsInstance(doc["manifest"], str)
    test.assertRegex(doc["kubeVersion"], r"^1\.\d+$")
    test.assertIsInstance(doc["checks"], list)
    for c in doc["checks"]:
        test.assertEqual(set(c), {"id", "status", "message", "fix", "line", "column"})
        test.assertIn(c["status"], STATUSES)
        test.assertRegex(c["id"], r"^[a-z]+(-[a-z]+)*$")
        test.assertTrue(c["message"])
        # a fix for WARN and FAIL, none for PASS
        test.assertEqual(bool(c["fix"]), c["status"] != "PASS", c)
        test.assertIsInstance(c["line"], int)
        test.assertIsInstance(c["column"], int)
    p = doc["policy"]
    if p is not None:
        test.assertEqual(set(p), {"file", "loaded", "error", "warning", "diagnostics"})
        test.assertIsInstance(p["loaded"], bool)
        test.assertEqual(p["loaded"], p["error"] is None)
        for g in p["diagnostics"]:
            test.assertEqual(set(g), {"severity", "message", "field", "line", "column"})
            test.assertIn(g["severity"], {"error", "warning"})


class Fixtures(unittest.TestCase):
    def test_every_fixture(self):
        n = 0
        for name, d in cases():
            n += 1
            with self.subTest(fixture=name):
                want_exit, want_bad, want_good, manifest = read_expected(d)
                rc, out, err = run("-o", "json", "--root", os.path.join(d, "root"), manifest)
                self.assertEqual(rc, want_exit, err + out)
                doc = json.loads(out)
                check_shape(self, doc)
                got_bad = sorted((c["status"], c["id"]) for c in doc["checks"] if c["status"] != "PASS")
                self.assertEqual(got_bad, want_bad)
                passed = {c["id"] for c in doc["checks"] if c["status"] == "PASS"}
                for g in want_good:
                    self.assertIn(g, passed)
                # the text form says the same, one line a check
                rc2, text, _ = run("--root", os.path.join(d, "root"), manifest)
                self.assertEqual(rc2, want_exit)
                lines = [l for l in text.splitlines() if l[:4] in STATUSES]
                self.assertEqual(len(lines), len(doc["checks"]))
                for l, c in zip(lines, doc["checks"]):
                    self.assertEqual(l.split()[:2], [c["status"], c["id"]])
        self.assertGreaterEqual(n, 30)

    def test_version_from_image(self):
        d = os.path.join(FIXTURES, "kubeadm-after", "root")
        doc = json.loads(run("-o", "json", "--root", d)[1])
        self.assertEqual(doc["kubeVersion"], "1.31")  # registry.k8s.io/kube-apiserver:v1.31.2
        doc = json.loads(run("-o", "json", "--root", d, "--kube-version", "1.27")[1])
        self.assertEqual(doc["kubeVersion"], "1.27")
        d = os.path.join(FIXTURES, "json-manifest", "root")
        doc = json.loads(run("-o", "json", "--root", d, "/etc/kubernetes/manifests/kube-apiserver.json")[1])
        self.assertEqual(doc["kubeVersion"], "1.29")

    def test_policy_diagnostics_as_lint_shows_them(self):
        d = os.path.join(FIXTURES, "policy-invalid", "root")
        policy = os.path.join(d, "etc/kubernetes/audit-policy.yaml")
        lint = subprocess.run([KAP, "lint", policy], capture_output=True).stdout.decode()
        first = lint.splitlines()[0]
        located = first[: first.rindex(" [")]  # FILE:LINE:COLUMN: error: message
        self.assertIn(":13:12: error: rules[2].level", located)
        rc, text, _ = run("--root", d)
        self.assertEqual(rc, 1)
        self.assertIn(located + "\n", text)
        doc = json.loads(run("-o", "json", "--root", d)[1])
        self.assertFalse(doc["policy"]["loaded"])
        self.assertEqual(doc["policy"]["diagnostics"][0]["line"], 13)
        self.assertEqual(doc["policy"]["diagnostics"][0]["column"], 12)


class Escapes(unittest.TestCase):
    """Paths never lead out of --root: the fixtures put a loadable policy
    just outside the root, where a careless resolver would find it."""

    def policy_check(self, name):
        d = os.path.join(FIXTURES, name)
        self.assertTrue(os.path.exists(os.path.join(d, "outside-policy.yaml")))
        doc = json.loads(run("-o", "json", "--root", os.path.join(d, "root"))[1])
        return {c["id"]: c for c in doc["checks"]}, doc

    def test_relative_symlink(self):
        checks, doc = self.policy_check("symlink-escape")
        self.assertEqual(checks["policy-file"]["status"], "FAIL")
        self.assertIsNone(doc["policy"])

    def test_dotdot_in_host_path(self):
        checks, doc = self.policy_check("dotdot-escape")
        self.assertEqual(checks["policy-file"]["status"], "FAIL")
        self.assertIn("/outside-policy.yaml", checks["policy-file"]["message"])

    def test_subpath(self):
        checks, _ = self.policy_check("subpath-escape")
        self.assertEqual(checks["policy-mount"]["status"], "FAIL")

    def test_absolute_symlink_stays_in_root(self):
        d = os.path.join(FIXTURES, "symlink-absolute", "root")
        link = os.readlink(os.path.join(d, "etc/kubernetes/audit-policy.yaml"))
        self.assertTrue(link.startswith("/"))
        doc = json.loads(run("-o", "json", "--root", d)[1])
        self.assertTrue(doc["policy"]["loaded"])
        self.assertTrue(doc["policy"]["file"].endswith("/etc/kubernetes/policies/audit.yaml"))

    def test_relative_manifest_outside_root(self):
        rc, out, err = run("--root", os.path.join(FIXTURES, "kubeadm-after", "root"),
                           os.path.join("manifests", "base-after.yaml"))
        self.assertEqual(rc, 2)
        self.assertIn("outside the root", err)


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.dir = os.path.join(self.tmp, "etc/kubernetes/manifests")
        os.makedirs(self.dir)
        self.path = os.path.join(self.dir, "kube-apiserver.yaml")

    def tearDown(self):
        for root, dirs, _ in os.walk(self.tmp):
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)
        shutil.rmtree(self.tmp)

    def write(self, data):
        with open(self.path, "wb") as f:
            f.write(data)

    def expect_2(self, what, *extra):
        rc, out, err = run("--root", self.tmp, *extra)
        self.assertEqual(rc, 2, what)
        self.assertTrue(err.startswith("kap check-manifest: "), err)
        self.assertLess(len(err), 2000)
        return err

    def test_not_yaml(self):
        self.write(b"apiVersion: v1\nkind: Pod\nspec: [\n  containers: {\n")
        err = self.expect_2("not YAML")
        self.assertRegex(err, r"kube-apiserver\.yaml:\d+:\d+: ")

    def test_a_list(self):
        self.write(b"- apiVersion: v1\n- kind: Pod\n")
        rc, out, err = run("-o", "json", "--root", self.tmp)
        # a list parses, and is no Pod: a finding, not an unreadable manifest
        self.assertEqual(rc, 1)
        doc = json.loads(out)
        check_shape(self, doc)
        self.assertIn(("FAIL", "manifest-pod"), [(c["status"], c["id"]) for c in doc["checks"]])

    def test_deep_nesting(self):
        self.write(b"a: " + b"[" * 10000 + b"]" * 10000 + b"\n")
        err = self.expect_2("10,000 deep")
        self.assertIn("kube-apiserver.yaml:", err)
        self.write(b"{\"a\": " + b"[" * 20000 + b"]" * 20000 + b"}\n")
        self.expect_2("20,000 deep JSON")

    def test_large(self):
        with open(self.path, "wb") as f:
            f.write(b"# " + b"x" * (50 << 20) + b"\n")
        err = self.expect_2("50 MB")
        self.assertIn("larger than", err)

    def test_binary(self):
        self.write(bytes(range(256)) * 64)
        self.expect_2("binary")

    def test_missing_and_directory(self):
        err = self.expect_2("missing")
        self.assertIn("No such file", err)
        os.makedirs(self.path)
        err = self.expect_2("a directory")
        self.assertIn("is a directory", err)

    def test_fifo(self):
        os.mkfifo(self.path)  # opening must not block
        err = self.expect_2("a FIFO")
        self.assertIn("not a regular file", err)

    @unittest.skipIf(os.geteuid() == 0, "root reads any file")
    def test_unreadable(self):
        self.write(b"apiVersion: v1\nkind: Pod\n")
        os.chmod(self.path, 0)
        err = self.expect_2("unreadable")
        self.assertIn("Permission denied", err)
        # the JSON form says it too, and stays one document
        rc, out, _ = run("-o", "json", "--root", self.tmp)
        self.assertEqual(rc, 2)
        self.assertIn("Permission denied", json.loads(out)["error"])

    def test_usage(self):
        self.assertEqual(run("--output", "yaml")[0], 2)
        self.assertEqual(run("--color=sometimes")[0], 2)
        self.assertEqual(run("--kube-version", "1.12")[0], 2)
        self.assertEqual(run("--nope")[0], 2)
        self.assertEqual(run("a.yaml", "b.yaml")[0], 2)
        self.assertEqual(run("--root", os.path.join(self.tmp, "nowhere"))[0], 2)
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        self.assertIn("--root DIR", out)


class Colour(unittest.TestCase):
    root = os.path.join(FIXTURES, "policy-writable", "root")

    def test_never_on_a_pipe_by_default(self):
        self.assertNotIn("\033[", run("--root", self.root)[1])

    def test_always(self):
        self.assertIn("\033[33mWARN", run("--root", self.root, "--color=always")[1])
        # an explicit --color=always wins over NO_COLOR
        self.assertIn("\033[", run("--root", self.root, "--color=always", env={"NO_COLOR": "1"})[1])

    def test_never(self):
        self.assertNotIn("\033[", run("--root", self.root, "--color=never")[1])

    def test_no_color_on_a_terminal(self):
        script = shutil.which("script")
        if not script:
            self.skipTest("no script(1) to give kap a terminal")
        cmd = f"{KAP} check-manifest --root {self.root}"
        for env, coloured in (({}, True), ({"NO_COLOR": "1"}, False)):
            e = dict(os.environ)
            e.pop("NO_COLOR", None)
            e.update(env, TERM="xterm")
            p = subprocess.run([script, "-qec", cmd, "/dev/null"], capture_output=True, env=e, timeout=60)
            self.assertEqual("\033[" in p.stdout.decode(), coloured, env)


if __name__ == "__main__":
    unittest.main()
