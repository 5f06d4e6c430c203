"""kap.check_manifest() and kap.fix_manifest(): the static pod checks through
the binding, against the hand-written expectations of tests/manifests (the
same fixtures kap check-manifest is tested on)."""

import os
import shutil
import tempfile
import unittest

import kap

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "manifests")
DEFAULT = "/etc/kubernetes/manifests/kube-apiserver.yaml"


def expected(name):
    """exit N, then STATUS ID lines (every WARN and FAIL, some PASS)."""
    d = os.path.join(FIXTURES, name)
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
    manifest = DEFAULT
    if os.path.exists(os.path.join(d, "args")):
        with open(os.path.join(d, "args")) as f:
            manifest = f.read().strip()
    return exit_status, sorted(bad), good, manifest


@unittest.skipUnless(os.path.isdir(FIXTURES), "tests/manifests is not beside the binding")
class Check(unittest.TestCase):
    def test_every_fixture(self):
        names = sorted(n for n in os.listdir(FIXTURES) if os.path.isfile(os.path.join(FIXTURES, n, "expected")))
        self.assertGreaterEqual(len(names), 30)
        for name in names:
            with self.subTest(fixture=name):
                want_exit, want_bad, want_good, manifest = expected(name)
                root = os.path.join(FIXTURES, name, "root")
                if want_exit == 2:
                    with self.assertRaises(kap.ManifestError):
                        kap.check_manifest(manifest, root=root)
                    continue
                r = kap.check_manifest(manifest, root=root)
                self.assertEqual(sorted((c.status, c.id) for c in r.failed()), want_bad)
                for g in want_good:
                    self.assertIn(g, {c.id for c in r.checks if c.status == "PASS"})
                self.assertEqual(r.ok, want_exit == 0)
                self.assertEqual(r.worst == "FAIL", want_exit == 1)
                self.assertEqual(r.manifest, manifest)

    def test_report_fields(self):
        root = os.path.join(FIXTURES, "field-types", "root")
        r = kap.check_manifest(root=root)
        self.assertIsInstance(r, kap.ManifestReport)
        self.assertEqual(r.kube_version, "1.31")  # the image is kube-apiserver:v1.31.2
        self.assertEqual(r.policy_file, os.path.join(root, "etc/kubernetes/audit-policy.yaml"))
        self.assertEqual(r.policy_diagnostics, ())
        bad = [c for c in r.checks if c.id == "manifest-fields"]
        self.assertEqual(len(bad), 2)
        self.assertEqual((bad[0].status, bad[0].line), ("FAIL", 68))
        self.assertTrue(bad[0].message.startswith("spec.containers[0].volumeMounts[2].readOnly is a string"))
        self.assertEqual(bad[0].fix, "write true or false, without quotes")
        self.assertTrue(str(bad[0]).startswith("FAIL manifest-fields spec.containers[0]"))
        self.assertTrue(all(c.fix == "" for c in r.checks if c.status == "PASS"))
        # the release asked for wins over the image's
        self.assertEqual(kap.check_manifest(root=root, kube_version="1.28").kube_version, "1.28")
        with self.assertRaises(ValueError):
            kap.check_manifest(root=root, kube_version="1.99")

    def test_max_file_size(self):
        # the manifest over the limit cannot be checked; at its size it can
        root = os.path.join(FIXTURES, "good-values", "root")
        size = os.path.getsize(os.path.join(root, "etc/kubernetes/manifests/kube-apiserver.yaml"))
        with self.assertRaises(kap.ManifestError) as e:
            kap.check_manifest(root=root, max_file_size=size - 1)
        self.assertIn("larger than %d bytes (max_file_size" % (size - 1), str(e.exception))
        self.assertTrue(kap.check_manifest(root=root, max_file_size=size).ok)
        with self.assertRaises(kap.ManifestError) as e:
            kap.fix_manifest("/etc/kubernetes/manifests/kube-apiserver.yaml", root=root, max_file_size=size - 1)
        self.assertIn("cannot read: larger than %d bytes (max_file_size" % (size - 1), str(e.exception))
        for bad, err in ((0, ValueError), (-1, ValueError), (2 ** 64, ValueError), ("8M", TypeError),
                         (True, TypeError)):
            with self.assertRaises(err):
                kap.check_manifest(root=root, max_file_size=bad)

    def test_policy_diagnostics(self):
        r = kap.check_manifest(root=os.path.join(FIXTURES, "policy-invalid", "root"))
        self.assertFalse(r.ok)
        self.assertTrue(any(d.severity == "error" for d in r.policy_diagnostics))
        self.assertIsInstance(r.policy_diagnostics[0], kap.Diagnostic)

    def test_text_is_checked_as_the_manifest(self):
        root = os.path.join(FIXTURES, "field-types", "root")
        with open(os.path.join(root, DEFAULT.lstrip("/")), "rb") as f:
            text = f.read()
        fixed = text.replace(b'readOnly: "true"', b"readOnly: true").replace(b"path: 2024", b"path: /etc/ssl/certs")
        self.assertFalse(kap.check_manifest(root=root, text=text).ok)
        r = kap.check_manifest(root=root, text=fixed.decode())
        self.assertTrue(r.ok, [str(c) for c in r.failed()])

    def test_errors(self):
        root = os.path.join(FIXTURES, "field-types", "root")
        with self.assertRaises(kap.ManifestError) as e:
            kap.check_manifest("/etc/kubernetes/manifests/missing.yaml", root=root)
        self.assertEqual(e.exception.status, "KAP_EIO")
        self.assertIn("missing.yaml", str(e.exception))
        with self.assertRaises(kap.ManifestError) as e:
            kap.check_manifest(root=root, text="spec: [unclosed\n")
        self.assertEqual(e.exception.status, "KAP_EINVALID")
        self.assertRegex(str(e.exception), r":\d+:\d+: ")
        with self.assertRaises(TypeError):
            kap.check_manifest(42)
        with self.assertRaises(ValueError):
            kap.check_manifest("/a\0b")


@unittest.skipUnless(os.path.isdir(FIXTURES), "tests/manifests is not beside the binding")
class Fix(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def node(self, name):
        root = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(FIXTURES, name, "root"), root, symlinks=True)
        return root

    def test_fix_check_write(self):
        root = self.node("readonly-string")
        path = os.path.join(root, DEFAULT.lstrip("/"))
        with open(path, "rb") as f:
            before = f.read()
        with kap.fix_manifest(root=root) as fx:
            self.assertIsInstance(fx, kap.ManifestFix)
            self.assertTrue(fx.changed)
            self.assertEqual(fx.original, before)
            self.assertEqual(fx.result, before.replace(b'      readOnly: "true"', b"      readOnly: true"))
            self.assertEqual(fx.changes, ["volumeMount 'audit' (/etc/kubernetes/audit-policy.yaml) made read-only"])
            self.assertTrue(fx.check().ok)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), before)  # nothing written yet
            backup = fx.write()
            self.assertTrue(backup.startswith("/etc/kubernetes/manifest-backups/"))
            self.assertEqual(fx.backup, backup)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), fx.result)
        with open(root + backup, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertTrue(kap.check_manifest(root=root).ok)
        with self.assertRaises(ValueError):
            fx.write()  # closed
        # again: nothing to change
        with kap.fix_manifest(root=root) as fx:
            self.assertFalse(fx.changed)
            self.assertEqual(fx.changes, [])

    def test_fix_options(self):
        root = self.node("kubeadm-before")
        shutil.copy(os.path.join(FIXTURES, "base-policy.yaml"), os.path.join(root, "etc/kubernetes/audit.yaml"))
        with kap.fix_manifest(root=root, policy_file="/etc/kubernetes/audit.yaml", log_path="/var/log/a/audit.log",
                              log_maxage=45) as fx:
            text = fx.result.decode()
            self.assertIn("- --audit-policy-file=/etc/kubernetes/audit.yaml\n", text)
            self.assertIn("- --audit-log-path=/var/log/a/audit.log\n", text)
            self.assertIn("- --audit-log-maxage=45\n", text)
            self.assertIn("- --audit-log-maxbackup=10\n", text)  # the CIS minimum
            self.assertTrue(fx.check().ok, [str(c) for c in fx.check().failed()])
        with self.assertRaises(ValueError):
            kap.fix_manifest(root=root, log_maxage=-1)

    def test_refused_as_the_command_refuses(self):
        """write() asks refusal() first, as kap check-manifest --fix does:
        no policy on the host is refused, nothing written; force=True
        writes; with the policy there, nothing is refused."""
        root = self.node("kubeadm-before")  # no policy file on the host
        path = os.path.join(root, DEFAULT.lstrip("/"))
        with open(path, "rb") as f:
            before = f.read()
        with kap.fix_manifest(root=root) as fx:
            self.assertTrue(fx.changed)
            why = fx.refusal()
            self.assertIsNotNone(why)
            self.assertIn("/etc/kubernetes/audit-policy.yaml", why)
            with self.assertRaises(kap.ManifestError) as e:
                fx.write()
            self.assertEqual(str(e.exception), "not written: " + why)
            self.assertEqual(e.exception.status, "KAP_EINVALID")
            with open(path, "rb") as f:
                self.assertEqual(f.read(), before)
            self.assertFalse(os.path.exists(os.path.join(root, "etc/kubernetes/manifest-backups")))
            # the policy put on the host: asked again, nothing refused
            shutil.copy(os.path.join(FIXTURES, "base-policy.yaml"),
                        os.path.join(root, "etc/kubernetes/audit-policy.yaml"))
            self.assertIsNone(fx.refusal())
        # forced: written though refused
        shutil.rmtree(root)
        root = self.node("kubeadm-before")
        path = os.path.join(root, DEFAULT.lstrip("/"))
        with kap.fix_manifest(root=root) as fx:
            self.assertIsNotNone(fx.refusal())
            fx.write(force=True)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), fx.result)

    def test_unfixable(self):
        root = self.node("not-a-pod")
        with self.assertRaises(kap.ManifestError) as e:
            kap.fix_manifest(root=root)
        self.assertEqual(e.exception.status, "KAP_EINVALID")
        # a write refused: the manifest changed since it was read
        root = self.node("policy-writable")
        path = os.path.join(root, DEFAULT.lstrip("/"))
        with kap.fix_manifest(root=root) as fx:
            with open(path, "ab") as f:
                f.write(b"# edited meanwhile\n")
            with self.assertRaises(kap.ManifestError):
                fx.write()
        with open(path, "rb") as f:
            self.assertTrue(f.read().endswith(b"# edited meanwhile\n"))


if __name__ == "__main__":
    unittest.main()
