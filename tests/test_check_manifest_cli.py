"""kap check-manifest as a user runs it: every node root of tests/manifests
against its hand-written expected findings, the JSON document's shape, the
text form, colours, exit statuses, and manifests that cannot be read.

Run from tests/ with KAP set to the kap binary (ctest does both).
SPDX-License-Identifier: Apache-2.0"""

import difflib
import re
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
                # and ends with the counts ("1 warning", not "1 warnings")
                n_of = {s: sum(c["status"] == s for c in doc["checks"]) for s in STATUSES}
                warned = "%d warning%s" % (n_of["WARN"], "" if n_of["WARN"] == 1 else "s")
                self.assertEqual(text.splitlines()[-1],
                                 "%d passed, %s, %d failed" % (n_of["PASS"], warned, n_of["FAIL"]))
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

    def test_a_list_a_scalar_nothing(self):
        # kubelet cannot decode them into a Pod: not a manifest at all
        self.write(b"- apiVersion: v1\n- kind: Pod\n")
        err = self.expect_2("a list")
        self.assertIn("kube-apiserver.yaml:1:1: not a manifest kubelet can read: a list, not a Pod object", err)
        rc, out, _ = run("-o", "json", "--root", self.tmp)
        doc = json.loads(out)
        check_shape(self, doc)
        self.assertEqual([(c["status"], c["id"]) for c in doc["checks"]], [("FAIL", "manifest-parse")])
        self.write(b"just words\n")
        self.expect_2("a scalar")
        # comments alone: kubelet reads null and runs no pod from the file;
        # said as it is, not as "empty"
        self.write(b"# nothing but a comment\n")
        err = self.expect_2("comments")
        self.assertIn("not a manifest kubelet can read: the file holds no YAML document, only comments\n", err)
        self.assertNotIn("empty", err)
        self.write(b"# moved\n---\n")
        self.assertIn("only comments and document markers (---)", self.expect_2("comments and ---"))
        rc, _, err = run("--fix", "--dry-run", "--root", self.tmp)
        self.assertEqual(rc, 1, err)
        self.assertIn("only comments and document markers (---)", err)
        self.write(b"")
        self.assertIn("the file is empty", self.expect_2("empty"))

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

    def test_max_file_size(self):
        """--max-file-size bounds the files read: the manifest (a usage
        error, as any unreadable manifest) and kubelet's (its check warns);
        K, M and G are powers of 1024."""
        good = os.path.join(FIXTURES, "good-values", "root")
        size = os.path.getsize(os.path.join(good, DEFAULT.lstrip("/")))
        rc, _, err = run("--root", good, "--max-file-size", str(size - 1))
        self.assertEqual(rc, 2)
        # the option a reader of the command can pass is named, not only
        # the library's field
        self.assertIn("larger than %d bytes (max_file_size, kap check-manifest --max-file-size)" % (size - 1), err)
        rc, out, _ = run("-o", "json", "--root", good, "--max-file-size", str(size - 1))
        self.assertEqual(rc, 2)
        self.assertIn("--max-file-size", json.loads(out)["checks"][0]["fix"])
        self.assertEqual(run("--root", good, "--max-file-size", str(size))[0], 0)
        # --fix and --restore read the manifest with the same limit
        for extra in (("--fix", "--dry-run"), ("--restore", DEFAULT)):
            rc, _, err = run("--root", good, "--max-file-size", str(size - 1), *extra)
            self.assertEqual(rc, 2, err)
            self.assertIn("(max_file_size, kap check-manifest --max-file-size)", err)
        rc, _, err = run("--root", good, "--max-file-size", "1K")
        self.assertEqual(rc, 2)
        self.assertIn("larger than 1024 bytes", err)
        # kubelet's config over the limit, the manifest under it: WARN
        root = os.path.join(self.tmp, "root")
        shutil.copytree(good, root)
        config = os.path.join(root, "var", "lib", "kubelet", "config.yaml")
        with open(config, "a") as f:
            f.write("# " + "x" * 8000 + "\n")
        rc, out, _ = run("--root", root, "--max-file-size", "4k")
        self.assertEqual(rc, 0, out)
        self.assertIn("WARN static-pod-path          kubelet's config /var/lib/kubelet/config.yaml cannot be read "
                      "(larger than the limit of 4096 bytes, max_file_size)", out)
        self.assertIn("fix: check with a larger max_file_size (kap check-manifest --max-file-size)", out)
        rc, out, _ = run("--root", root, "--max-file-size", "9K")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("WARN", out)
        for bad in ("0", "", "-1", "1x", "1KB", "K", "99999999999999999999", "17179869184G"):
            rc, _, err = run("--root", good, "--max-file-size", bad)
            self.assertEqual(rc, 2, bad)
            self.assertIn("--max-file-size '%s': a size of 1 byte or more" % bad, err)

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


# Fixtures --fix makes pass: every check but the warnings it does not touch.
FIXABLE = ["kubeadm-after", "policy-unmounted", "policy-writable", "log-readonly", "log-dir-missing",
           "log-dir-create", "log-file-mount", "no-backend", "cis-low", "bad-values", "good-values",
           "flags-args", "json-manifest", "log-in-manifests", "webhook-ok", "duplicate-flags", "symlink-absolute",
           "readonly-string"]


class Fix(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def node(self, name, policy=True):
        """A copy of a fixture's node root; kubeadm-before gets a policy."""
        root = os.path.join(self.tmp, name, "root")
        shutil.copytree(os.path.join(FIXTURES, name, "root"), root, symlinks=True)
        if name == "kubeadm-before" and policy:
            shutil.copy(os.path.join(FIXTURES, "base-policy.yaml"), os.path.join(root, "etc/kubernetes/audit-policy.yaml"))
        manifest = DEFAULT
        args = os.path.join(FIXTURES, name, "args")
        if os.path.exists(args):
            with open(args) as f:
                manifest = f.read().strip()
        return root, manifest

    @staticmethod
    def read(root, manifest):
        with open(root + manifest, "rb") as f:
            return f.read()

    @staticmethod
    def listing(root, manifest):
        return sorted(os.listdir(os.path.dirname(root + manifest)))

    def test_log_path_stdout(self):
        """--log-path - sends the log to kube-apiserver's standard output:
        accepted, and no log mount is added; a relative path is a usage
        error."""
        root, manifest = self.node("kubeadm-before")
        rc, out, err = run("--root", root, "--fix", "--dry-run", "--log-path", "-", manifest)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("+    - --audit-log-path=-\n", out)
        self.assertNotIn("/var/log/kubernetes/audit", out)
        rc, _, err = run("--root", root, "--fix", "--log-path", "audit.log", manifest)
        self.assertEqual(rc, 2)
        self.assertIn("--log-path 'audit.log': an absolute path, or - (kube-apiserver's standard output)", err)
        rc, _, err = run("--root", root, "--fix", "--policy-file", "-", manifest)
        self.assertEqual(rc, 2)
        self.assertIn("--policy-file '-': an absolute path\n", err)

    def test_undo_keeps_max_file_size(self):
        """The undo command --fix prints carries --max-file-size: run as
        printed, it reads the manifest under the same limit and puts the
        original back."""
        root, manifest = self.node("kubeadm-before")
        before = self.read(root, manifest)
        rc, out, err = run("--root", root, "--max-file-size", "1m", "--fix", manifest)
        self.assertEqual(rc, 0, out + err)
        m = re.search(r"; to undo: (kap check-manifest .*)", out)
        self.assertIsNotNone(m, out)
        undo = m.group(1).split()
        self.assertEqual(undo[2:6], ["--root", root, "--max-file-size", "1048576"])
        self.assertNotEqual(self.read(root, manifest), before)
        rc, out, err = run(*undo[2:])
        self.assertIn("changed: restored from /etc/kubernetes/manifest-backups/", out, err)
        self.assertEqual(rc, 1, out + err)  # the checks run again on the original, which lacks the audit flags
        self.assertEqual(self.read(root, manifest), before)

    def test_flag_path_from_env_passes(self):
        """A manifest that passes every check with its log path written as
        $(LOGDIR)/audit.log (kubelet expands it from env): --fix has
        nothing to change and exits 0, writing nothing."""
        root, manifest = self.node("good-values")
        text = self.read(root, manifest)
        text = text.replace(b"--audit-log-path=/var/log/kubernetes/audit/audit.log",
                            b"--audit-log-path=$(LOGDIR)/audit.log")
        text = text.replace(b"    name: kube-apiserver\n",
                            b"    name: kube-apiserver\n    env:\n    - name: LOGDIR\n"
                            b"      value: /var/log/kubernetes/audit\n")
        with open(root + manifest, "wb") as f:
            f.write(text)
        rc, out, err = run("--root", root, manifest)
        self.assertEqual(rc, 0, out + err)
        self.assertNotIn("WARN", out)
        for extra in (("--fix", "--dry-run"), ("--fix",)):
            rc, out, err = run("--root", root, *extra, manifest)
            self.assertEqual(rc, 0, out + err)
            self.assertIn(manifest + ": nothing to change\n", out)
            self.assertEqual(self.read(root, manifest), text)
        self.assertFalse(os.path.exists(os.path.join(root, "etc/kubernetes/manifest-backups")))

    def test_restore_refuses_what_is_no_manifest(self):
        """--restore puts back only a v1 Pod running kube-apiserver: a file
        named by mistake, broken YAML or another pod is refused, and
        nothing is written, not even a backup of the manifest."""
        root, manifest = self.node("kubeadm-before")
        before = self.read(root, manifest)
        with open(os.path.join(FIXTURES, "base-policy.yaml"), "rb") as f:
            policy = f.read()
        bad = {
            "policy.yaml": policy,
            "broken.yaml": before.replace(b"kind: Pod", b"kind: [Pod"),
            "notes.txt": b"# kept for reference\n",
            "etcd.yaml": before.replace(b"- kube-apiserver\n", b"- etcd\n").replace(
                b"image: registry.k8s.io/kube-apiserver", b"image: registry.k8s.io/etcd"),
        }
        for name, text in bad.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(text)
            rc, out, err = run("--root", root, "--restore", "/" + name, manifest)
            self.assertEqual(rc, 1, name + ": " + out + err)
            self.assertIn("kap check-manifest: cannot restore: /" + name, err)
            self.assertIn("nothing written", err)
            self.assertEqual(self.read(root, manifest), before, name)
            self.assertFalse(os.path.exists(os.path.join(root, "etc/kubernetes/manifest-backups")), name)
            self.assertEqual(self.listing(root, manifest), ["kube-apiserver.yaml"], name)
        self.assertIn("a Pod with no container that runs kube-apiserver",
                      run("--root", root, "--restore", "/etcd.yaml", manifest)[2])
        self.assertIn("not a v1 Pod (apiVersion other than v1, kind other than Pod)",
                      run("--root", root, "--restore", "/policy.yaml", manifest)[2])
        self.assertIn("/broken.yaml:", run("--root", root, "--restore", "/broken.yaml", manifest)[2])

    def fix_one(self, name):
        root, manifest = self.node(name)
        before = self.read(root, manifest)
        files = self.listing(root, manifest)
        # --dry-run: a diff, nothing written
        rc, out, err = run("--root", root, "--fix", "--dry-run", manifest)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.read(root, manifest), before)
        self.assertFalse(os.path.exists(os.path.join(root, "etc/kubernetes/manifest-backups")))
        if "nothing to change" not in out + err:
            self.assertTrue(out.startswith("--- a" + manifest + "\n+++ b" + manifest + "\n@@ "), out)
        # --fix
        rc, out, err = run("--root", root, "--fix", manifest)
        self.assertEqual(rc, 0, out + err)
        after = self.read(root, manifest)
        self.assertEqual(self.listing(root, manifest), files)  # no temporary or second file
        changes = [l for l in out.splitlines() if l.startswith("changed: ")]
        if after != before:
            backups = os.listdir(os.path.join(root, "etc/kubernetes/manifest-backups"))
            self.assertEqual(len(backups), 1)
            with open(os.path.join(root, "etc/kubernetes/manifest-backups", backups[0]), "rb") as f:
                self.assertEqual(f.read(), before)
            self.assertIn("--restore /etc/kubernetes/manifest-backups/" + backups[0], out)
        # the result passes
        doc = json.loads(run("-o", "json", "--root", root, manifest)[1])
        self.assertEqual([c for c in doc["checks"] if c["status"] == "FAIL"], [])
        # every original line is still there, in order, but for the values corrected
        old, new = before.decode().splitlines(), after.decode().splitlines()
        modified = [c for c in changes if " becomes " in c or "gets type" in c or "made writable" in c
                    or "made read-only" in c]
        lost = 0
        # lines deleted: only extra copies of a flag given twice, and the
        # old log directory's (or the log file's own) mount and volume,
        # each named in a change
        removed = [re.match(r"changed: --([\w-]+): an extra copy removed \(line (\d+);", c) for c in changes]
        removed = {int(m.group(2)): m.group(1) for m in removed if m}
        old_log = set()
        for c in changes:
            m = re.match(r"changed: volumeMount '[^']*' \([^,]*, lines (\d+)-(\d+)\) and volume '[^']*' "
                         r"\(hostPath [^,]*, lines (\d+)-(\d+)\) removed: the "
                         r"(?:old log directory|log file mounted by itself)", c)
            if m:
                a, b, v1, v2 = map(int, m.groups())
                old_log |= set(range(a, b + 1)) | set(range(v1, v2 + 1))
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag == "delete":
                for k in range(i1, i2):
                    if k + 1 in old_log:
                        continue
                    self.assertIn(k + 1, removed, (old[k], name))
                    self.assertTrue(old[k].lstrip().startswith("- --" + removed[k + 1]), (old[k], name))
                    self.assertTrue(sum(1 for l in old if l.lstrip().startswith("- --" + removed[k + 1] + "=")) >= 2)
                continue
            if tag == "replace":
                for k in range(i1, i2):
                    if k + 1 in old_log:
                        continue  # removed, a new mount or volume written where it stood
                    lost += 1
                    # the replaced line held a value --fix corrects
                    self.assertRegex(old[k], r"audit|readOnly|type:|^\s*-?\s*\S", old[k])
        self.assertLessEqual(lost, len(modified), (name, changes))
        # idempotent
        rc, out, err = run("--root", root, "--fix", manifest)
        self.assertEqual(rc, 0)
        self.assertIn("nothing to change", out)
        self.assertEqual(self.read(root, manifest), after)
        return before, after, root, manifest

    def test_fixable_fixtures(self):
        for name in FIXABLE:
            with self.subTest(fixture=name):
                self.fix_one(name)

    def test_quoted_readonly_is_unquoted_and_diff_is_ordered(self):
        root, manifest = self.node("readonly-string")
        rc, out, err = run("--root", root, "--fix", "--dry-run", manifest)
        self.assertEqual(rc, 0, err)
        # a changed line: the old one first, then the new, as diff -u prints them
        self.assertIn('\n-      readOnly: "true"\n+      readOnly: true\n', out)
        self.assertIn("@@ -65,7 +65,7 @@\n", out)
        if shutil.which("patch"):
            with open(root + manifest) as f:
                before = f.read()
            p = subprocess.run(["patch", "-s", "-o", "-", root + manifest], input=out, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, before.replace('      readOnly: "true"', '      readOnly: true'))

    def test_nothing_to_change_still_shows_what_fails(self):
        root, manifest = self.node("policy-invalid")
        for extra in (["--dry-run"], []):
            rc, out, err = run("--root", root, "--fix", *extra, manifest)
            self.assertEqual(rc, 1, out + err)
            self.assertIn("nothing to change", out)
            self.assertRegex(out, r"\nFAIL policy-loads +the policy does not load")

    def test_bare_kubeadm(self):
        before, after, root, manifest = self.fix_one("kubeadm-before")
        old, new = before.decode().splitlines(), after.decode().splitlines()
        # only additions
        self.assertEqual([l for l in difflib.ndiff(old, new) if l.startswith("- ")], [])
        added = [l[2:] for l in difflib.ndiff(old, new) if l.startswith("+ ")]
        self.assertIn("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml", added)
        self.assertIn("    - --audit-log-path=/var/log/kubernetes/audit/audit.log", added)
        self.assertIn("      type: DirectoryOrCreate", added)
        # --restore puts the original back, keeping the fixed one as a backup
        backup = os.listdir(os.path.join(root, "etc/kubernetes/manifest-backups"))[0]
        rc, out, err = run("--root", root, "--restore", "/etc/kubernetes/manifest-backups/" + backup, manifest)
        self.assertEqual(rc, 1, out + err)  # the original fails the checks again
        self.assertEqual(self.read(root, manifest), before)
        self.assertEqual(len(os.listdir(os.path.join(root, "etc/kubernetes/manifest-backups"))), 2)

    def test_options(self):
        root, manifest = self.node("kubeadm-before")
        shutil.copy(os.path.join(FIXTURES, "base-policy.yaml"), os.path.join(root, "srv-policy.yaml"))
        rc, out, err = run("--root", root, "--fix", "--policy-file", "/srv-policy.yaml", "--log-path",
                           "/var/log/apiserver/audit.json", "--log-maxage", "90", "--log-maxbackup", "20",
                           "--log-maxsize", "200", "--backup-dir", "/var/backups/k8s", manifest)
        self.assertEqual(rc, 0, out + err)
        text = self.read(root, manifest).decode()
        for flag in ("--audit-policy-file=/srv-policy.yaml", "--audit-log-path=/var/log/apiserver/audit.json",
                     "--audit-log-maxage=90", "--audit-log-maxbackup=20", "--audit-log-maxsize=200",
                     "path: /var/log/apiserver\n"):
            self.assertIn(flag, text)
        self.assertEqual(len(os.listdir(os.path.join(root, "var/backups/k8s"))), 1)

    def refused(self, root, manifest, *extra, status=1):
        before = self.read(root, manifest)
        files = self.listing(root, manifest)
        rc, out, err = run("--root", root, "--fix", *extra, manifest)
        self.assertEqual(rc, status, out + err)
        self.assertEqual(self.read(root, manifest), before)
        self.assertEqual(self.listing(root, manifest), files)
        self.assertFalse(os.path.exists(os.path.join(root, "etc/kubernetes/manifest-backups")))
        return err

    def test_refusals(self):
        root, manifest = self.node("kubeadm-before", policy=False)
        self.assertIn("not written", self.refused(root, manifest))  # no policy on the host
        with open(os.path.join(root, "etc/kubernetes/audit-policy.yaml"), "w") as f:
            f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n")
        self.assertIn("does not load", self.refused(root, manifest))
        err = self.refused(*self.node("policy-is-log"))
        self.assertIn("cannot fix", err)
        root, manifest = self.node("kubeadm-after")
        text = self.read(root, manifest).decode().replace(
            "  containers:\n", "  containers:\n  - name: extra\n    command: [kube-apiserver]\n    image: x\n")
        with open(root + manifest, "w") as f:
            f.write(text)
        self.assertIn("2 containers", self.refused(root, manifest))
        with open(root + manifest, "w") as f:
            f.write("apiVersion: v1\nkind: Pod\nspec: [\n")
        self.assertIn(manifest + ":4:1: not a manifest kubelet can read", self.refused(root, manifest))
        # what kubelet cannot read is refused as check-manifest refuses it,
        # though libyaml alone reads it (a JSON string across lines)
        with open(root + manifest, "w") as f:
            f.write('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a\nb"}}\n')
        self.assertIn(manifest + ":1:60: not a manifest kubelet can read: invalid character '\\n' in string literal",
                      self.refused(root, manifest))
        # a backup directory inside the manifests directory
        root, manifest = self.node("no-backend")
        before = self.read(root, manifest)
        rc, out, err = run("--root", root, "--fix", "--backup-dir", "/etc/kubernetes/manifests/old", manifest)
        self.assertEqual(rc, 1)
        self.assertIn("inside the manifests directory", err)
        self.assertEqual(self.read(root, manifest), before)

    def test_control_characters_quoted(self):
        """A value of the manifest with a control character (an escape
        sequence in a path) is quoted in the text output, never sent to the
        terminal as it is; --fix's change lines too."""
        root, manifest = self.node("kubeadm-after")
        text = self.read(root, manifest).decode().replace(
            "--audit-log-path=/var/log/kubernetes/audit/audit.log",
            '"--audit-log-path=/var/log/kubernetes/audit/a\\u001b]0;x\\u0007/"')
        with open(root + manifest, "w") as f:
            f.write(text)
        rc, out, err = run("--root", root, manifest)
        self.assertNotIn("\x1b", out)
        self.assertNotIn("\x07", out)
        self.assertIn('"--audit-log-path=/var/log/kubernetes/audit/a\\u001b]0;x\\u0007/ names a directory', out)
        # the fix moves the log to the default, and says so quoting the old path
        rc, out, err = run("--root", root, "--fix", "--dry-run", manifest)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("\x1b", err)
        self.assertNotIn("\x07", err)
        self.assertIn('change: "the log path /var/log/kubernetes/audit/a\\u001b]0;x\\u0007/ names a directory', err)

    def test_refused_where_the_fix_falls_short(self):
        # a fix that would fail a check the manifest passes as it is: the
        # default log directory's parent on the host is a file (the log
        # directory cannot be made; kube-apiserver would not start)
        root, manifest = self.node("kubeadm-before")
        shutil.rmtree(os.path.join(root, "var/log"), ignore_errors=True)
        os.makedirs(os.path.join(root, "var"), exist_ok=True)
        with open(os.path.join(root, "var/log"), "w") as f:
            f.write("not a directory\n")
        self.assertIn("not written: the fixed manifest fails log-dir, which the manifest as it is does not: the "
                      "log's host directory /var/log/kubernetes/audit cannot be used: Not a directory",
                      self.refused(root, manifest))
        # the last argument a flag without its value, one --fix does not set:
        # a flag added after it would be its value
        root, manifest = self.node("kubeadm-after")
        text = self.read(root, manifest).decode().replace("    - --audit-log-maxage=30\n", "", 1)
        last = text.index("    image:")
        text = text[:last] + "    - --etcd-cafile\n" + text[last:]
        with open(root + manifest, "w") as f:
            f.write(text)
        err = self.refused(root, manifest)
        self.assertRegex(err, r"cannot fix: --etcd-cafile \(line \d+\) has no value \(kube-apiserver refuses to "
                              r"start: \"flag needs an argument\"\), and a flag added after it would be taken as its "
                              r"value")

    def wait(self, mode, seconds):
        root, manifest = self.node("kubeadm-before")
        env = {"PATH": os.path.join(HERE, "fake-crictl") + os.pathsep + os.environ.get("PATH", ""),
               "FAKE_CRICTL_MODE": mode, "FAKE_CRICTL_MANIFEST": root + manifest}
        return run("--root", root, "--fix", "--wait=%d" % seconds, manifest, env=env)

    def test_wait_pod_comes_back(self):
        rc, out, err = self.wait("up", 3)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("kube-apiserver is running again: pod pod-new, container ctr-new", out)

    def test_wait_crash_loop(self):
        rc, out, err = self.wait("crashloop", 2)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("did not come back within 2 s", out)
        self.assertIn("crictl logs --tail 20 ctr-crash-3", out)
        self.assertIn("loading audit policy file", out)
        self.assertRegex(out, r"to put the previous manifest back: kap check-manifest --root \S+ --restore "
                              r"/etc/kubernetes/manifest-backups/kube-apiserver\.yaml\.\S+ " + DEFAULT)

    def test_wait_without_crictl(self):
        root, manifest = self.node("kubeadm-before")
        before = self.read(root, manifest)
        rc, out, err = run("--root", root, "--fix", "--wait", manifest, env={"PATH": "/nonexistent"})
        self.assertEqual(rc, 2)
        self.assertIn("crictl", err)
        self.assertEqual(self.read(root, manifest), before)


class FullDisk(unittest.TestCase):
    """A real full disk: the node root on a small tmpfs with one page left,
    room for the backup but not for the new manifest."""

    def setUp(self):
        self.mnt = tempfile.mkdtemp()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", self.mnt],
                          capture_output=True).returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest("cannot mount a tmpfs here")

    def tearDown(self):
        subprocess.run(["umount", self.mnt], check=True)
        os.rmdir(self.mnt)

    def test_rename_never_happens_on_a_full_disk(self):
        root = os.path.join(self.mnt, "root")
        shutil.copytree(os.path.join(FIXTURES, "kubeadm-before", "root"), root, symlinks=True)
        shutil.copy(os.path.join(FIXTURES, "base-policy.yaml"), os.path.join(root, "etc/kubernetes/audit-policy.yaml"))
        os.makedirs(os.path.join(root, "etc/kubernetes/manifest-backups"))
        manifest = root + DEFAULT
        with open(manifest, "rb") as f:
            before = f.read()
        files = sorted(os.listdir(os.path.dirname(manifest)))
        filler = os.path.join(self.mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"\1" * 4096) == 4096:
                pass
        except OSError:
            pass
        os.close(fd)
        # one page free: the backup fits, the new manifest does not
        size = os.path.getsize(filler)
        os.truncate(filler, size - size % 4096 - 4096)
        rc, out, err = run("--root", root, "--fix", DEFAULT)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("No space left on device", err)
        with open(manifest, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(sorted(os.listdir(os.path.dirname(manifest))), files)
        left = os.listdir(os.path.join(root, "etc/kubernetes/manifest-backups"))
        self.assertEqual([n for n in left if "kap-new" in n], [])


class FlagPaths(unittest.TestCase):
    """The policy's and the log's paths on a copy of kubeadm-after: read as
    the kernel reads them, and a relative one's fix an absolute path."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check(self, old, new):
        root = os.path.join(self.tmp, "root")
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(os.path.join(FIXTURES, "kubeadm-after", "root"), root, symlinks=True)
        path = root + DEFAULT
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w") as f:
            f.write(text.replace(old, new))
        rc, out, err = run("-o", "json", "--root", root)
        return rc, {c["id"]: c for c in json.loads(out)["checks"] if c["status"] == "FAIL"}

    def test_policy_path_past_a_file(self):
        flag = "--audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        for value, errno_text in [("/etc/kubernetes/audit-policy.yaml/", "Not a directory"),
                                  ("/etc/kubernetes/audit-policy.yaml/.", "Not a directory"),
                                  ("/etc/kubernetes/audit-policy.yaml/../audit-policy.yaml", "Not a directory"),
                                  ("/etc/nonexist/../kubernetes/audit-policy.yaml", "No such file or directory")]:
            rc, fails = self.check(flag, "--audit-policy-file=%s\n" % value)
            self.assertEqual(rc, 1, value)
            self.assertEqual(list(fails), ["policy-file"], value)
            self.assertIn('the kernel refuses the path ("%s")' % errno_text, fails["policy-file"]["message"])
            self.assertIn("--audit-policy-file=/etc/kubernetes/audit-policy.yaml", fails["policy-file"]["fix"])
        rc, fails = self.check(flag, "--audit-policy-file=/etc/kubernetes/pki/../audit-policy.yaml\n")
        self.assertEqual((rc, fails), (0, {}))

    def test_log_path_without_value(self):
        rc, fails = self.check("--audit-log-path=/var/log/kubernetes/audit/audit.log\n", "--audit-log-path\n")
        self.assertEqual(rc, 1)
        fix = fails["log-mount"]["fix"]
        self.assertNotIn("mountPath: /}", fix)
        self.assertIn("give --audit-log-path an absolute path as its value", fix)
        self.assertIn("the path is relative", fails["log-mount"]["message"])
        self.assertIn("--audit-log-path was given no value", fails["log-mount"]["message"])


if __name__ == "__main__":
    unittest.main()
