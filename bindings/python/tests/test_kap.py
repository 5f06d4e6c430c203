"""Tests of the Python binding (unittest; run by ctest).

Needs KAP_LIBRARY (or an installed libkap) and, for the conformance part,
KAP_CONFORMANCE_DIR pointing at ../shared/conformance."""

import gc
import json
import os
import pickle
import tempfile
import threading
import unittest

import kap

CONF = os.environ.get("KAP_CONFORMANCE_DIR", "")
HDR = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

POLICY = HDR + """omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
- level: RequestResponse
  resources: [{group: "", resources: [pods]}]
  omitManagedFields: true
- level: Metadata
  nonResourceURLs: ["/healthz*"]
  omitStages: [Panic]
"""


def expected_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Loading(unittest.TestCase):
    def test_from_string_and_len(self):
        with kap.Policy.from_string(POLICY) as p:
            self.assertEqual(len(p), 3)
            self.assertEqual(p.warnings, [])
            self.assertIsNone(p.warning_text)

    def test_load_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(POLICY)
        try:
            with kap.Policy.load(f.name) as p:
                self.assertEqual(len(p), 3)
        finally:
            os.unlink(f.name)

    def test_out_of_memory(self):
        # in a child whose address space is capped a few MB above what it
        # has mapped: a 20,000-rule policy cannot load or be linted there,
        # and the library's ENOMEM must come out as MemoryError (not
        # PolicyError or a crash); with the cap lifted the same calls work
        script = r"""
import resource, sys, kap
rules = "".join('- level: Metadata\n  users: ["user-%d"]\n  namespaces: ["ns-%d"]\n'
                '  resources:\n  - group: ""\n    resources: ["pods", "secrets-%d"]\n' % (i, i, i)
                for i in range(20000))
text = ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n" + rules).encode()
vm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize:"))
if vm > 1 << 36:  # a sanitizer's shadow memory: a cap would abort it, not fail a malloc
    print("skip: address space of %d bytes" % vm)
    sys.exit(0)
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
def capped(what, call):
    vm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + (4 << 20), hard))
    try:
        call()
        print(what, "done under the cap")
    except MemoryError as e:
        print("%s: MemoryError: %s" % (what, e))
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
capped("load", lambda: kap.Policy.from_string(text))
p = kap.Policy.from_string(text)
print("rules after:", len(p))
capped("lint", p.lint)
print("findings after:", len(p.lint()) > 0)
"""
        import subprocess
        import sys
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        if out.stdout.startswith("skip:"):
            self.skipTest(out.stdout.strip())
        self.assertEqual(out.stdout,
                         "load: MemoryError: libkap: out of memory while loading the policy\nrules after: 20000\n"
                         "lint: MemoryError: libkap: out of memory while analysing the policy\nfindings after: True\n",
                         out.stderr)

    def test_missing_file(self):
        with self.assertRaises(kap.PolicyError) as cm:
            kap.Policy.load("/nonexistent/policy.yaml")
        self.assertEqual(
            str(cm.exception),
            'failed to read file path "/nonexistent/policy.yaml": open /nonexistent/policy.yaml: '
            "no such file or directory",
        )

    def test_invalid_policy_diagnostics(self):
        with self.assertRaises(kap.PolicyError) as cm:
            kap.Policy.from_string(HDR + "rules:\n- level: Foo\n  nonResourceURLs: [bad]\n")
        e = cm.exception
        self.assertTrue(str(e).startswith("[rules[0].level: Unsupported value: \"Foo\""))
        self.assertEqual(len(e.diagnostics), 2)
        d = e.diagnostics[0]
        self.assertEqual((d.severity, d.field, d.line, d.column), ("error", "rules[0].level", 4, 10))
        self.assertEqual(e.diagnostics[1].field, "rules[0].nonResourceURLs[0]")

    def test_warning(self):
        with kap.Policy.from_string(HDR + "rules:\n- level: None\n  bogus: 1\n") as p:
            self.assertEqual(
                p.warning_text,
                "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                'unknown field "rules[0].bogus"',
            )
            self.assertEqual(len(p.warnings), 1)
            self.assertEqual(p.warnings[0].line, 5)

    def test_kube_version(self):
        text = HDR + 'rules:\n- level: None\n  resources: [{group: "*"}]\n'
        kap.Policy.from_string(text).close()
        with self.assertRaises(kap.PolicyError):
            kap.Policy.from_string(text, kube_version="1.35")
        with self.assertRaises(ValueError):
            kap.Policy.from_string(text, kube_version="1.12")
        with self.assertRaises(TypeError):
            kap.Policy.from_string(text, kube_version=35)

    def test_bad_argument_types(self):
        with self.assertRaises(TypeError):
            kap.Policy.from_string(None)
        with self.assertRaises(TypeError):
            kap.Policy.load(42)

    def test_version(self):
        self.assertEqual(kap.__version__, "0.1.0")
        self.assertTrue(kap.library_version().startswith("0."))


class Matching(unittest.TestCase):
    def setUp(self):
        self.p = kap.Policy.from_string(POLICY)

    def tearDown(self):
        self.p.close()

    def test_match(self):
        d = self.p.match(user="alice", verb="get", namespace="default", resource="pods")
        self.assertEqual(d.level, kap.Level.REQUEST_RESPONSE)
        self.assertEqual(d.level, "RequestResponse")
        self.assertEqual(d.omit_stages, frozenset({"RequestReceived"}))
        self.assertTrue(d.omit_managed_fields)
        self.assertEqual(d.rule, 1)
        d = self.p.match(user="system:kube-proxy", verb="watch", resource="endpoints")
        self.assertEqual((d.level, d.rule), (kap.Level.NONE, 0))
        d = self.p.match(path="/healthz/etcd", verb="get")
        self.assertEqual(d.level, kap.Level.METADATA)
        self.assertEqual(d.omit_stages, frozenset({"RequestReceived", "Panic"}))
        d = self.p.match(verb="get", path="/metrics")
        self.assertEqual((d.level, d.rule, d.omit_managed_fields), (kap.Level.NONE, None, False))

    def test_request_dict_points_to_match_many(self):
        # a request in the JSON-lines form, passed whole: a TypeError that
        # says which call takes it, not "user must be a string"
        req = {"user": "alice", "verb": "get", "namespace": "default", "resource": "pods", "resourceRequest": True}
        with self.assertRaisesRegex(TypeError, r"keywords .* match_many\(\[request\]\)\[0\]"):
            self.p.match(req)
        self.assertEqual(self.p.match_many([req])[0], self.p.match(**{"user": "alice", "verb": "get",
                                                                      "namespace": "default", "resource": "pods"}))

    def test_resource_request_default(self):
        # a resource makes it a resource request unless said otherwise
        self.assertEqual(self.p.match(resource="pods").rule, 1)
        self.assertIsNone(self.p.match(resource="pods", resource_request=False).rule)

    def test_no_user_vs_empty_user(self):
        p = kap.Policy.from_string(HDR + 'rules:\n- level: Request\n  users: [""]\n')
        self.assertIsNone(p.match(user=None).rule)
        self.assertEqual(p.match(user="").rule, 0)
        p.close()

    def test_decision_is_frozen(self):
        d = self.p.match(resource="pods")
        with self.assertRaises(Exception):
            d.level = kap.Level.NONE

    def test_nul_inside_a_string(self):
        # "a\0b" is its own user name, not "a", through every way in
        with kap.Policy.from_string(HDR + 'rules:\n- level: None\n  users: ["a\\0b"]\n- level: Metadata\n') as p:
            self.assertEqual(p.match(user="a\0b").rule, 0)
            self.assertEqual(p.match(user="a").rule, 1)
            self.assertEqual(p.match(user="x", groups=["g\0"]).rule, 1)
            reqs = [{"user": "a\0b"}, {"user": "a"}]
            self.assertEqual([d.rule for d in p.match_many(reqs)], [0, 1])
            self.assertEqual([d.rule for d in p.match_many(json.dumps(reqs))], [0, 1])
            saved, kap._match_pyobjects = kap._match_pyobjects, None
            try:
                self.assertEqual([d.rule for d in p.match_many(reqs)], [0, 1])
            finally:
                kap._match_pyobjects = saved

    def test_bad_types_marshal_reader(self):
        saved, kap._match_pyobjects = kap._match_pyobjects, None
        try:
            self.test_bad_types()
            self.test_match_many_agrees_with_match()
        finally:
            kap._match_pyobjects = saved

    def test_bad_types(self):
        with self.assertRaises(TypeError):
            self.p.match(user=5)
        with self.assertRaises(TypeError):
            self.p.match(groups="system:authenticated")
        with self.assertRaises(TypeError):
            self.p.match(groups=[None])
        with self.assertRaises(TypeError):
            self.p.match(resource_request="yes")
        with self.assertRaises(TypeError):
            self.p.match_many([{"user": object()}])
        with self.assertRaises(TypeError):
            self.p.match_many([{"verb": 5}])
        with self.assertRaises(TypeError):
            self.p.match_many([{"groups": "system:masters"}])
        with self.assertRaises(TypeError):
            self.p.match_many([5])
        with self.assertRaises(ValueError):
            self.p.match_many("{}")

    def test_match_many_json_errors_say_why(self):
        # the reader's words for what is wrong, and the element's index
        cases = [
            ('[{"user": 1}]', 'requests[0] is not a valid request (formats.md): "user" must be a string or null, '
                              'not number'),
            ('[{"user": "a"}, 5]', "requests[1] is not a valid request (formats.md): a request must be a JSON "
                                   "object, not number"),
            ('[{"user": "a"}, {"user": "b"}, {"groups": "x", "user": "c"}]',
             'requests[2] is not a valid request (formats.md): "groups" must be a list of strings, not string'),
            ("nonsense", "requests must be a JSON array of request objects: invalid character 'o' in literal "
                         "null (expecting 'u')"),
            ('[{"user": "a",}]', "requests must be a JSON array of request objects: invalid character '}' "
                                 "looking for beginning of object key string"),
            ('{"user": "a"}', "requests must be a JSON array of request objects, not one object"),
            ("3", "requests must be a JSON array of request objects, not number"),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                with self.assertRaises(ValueError) as cm:
                    self.p.match_many(text)
                self.assertEqual(str(cm.exception), want)
        # more elements than "{": all decided (non-objects among them refused by index)
        self.assertEqual([d.rule for d in self.p.match_many('[{}, {}, {}]')],
                         [d.rule for d in self.p.match_many([{}, {}, {}])])

    def test_match_many_agrees_with_match(self):
        reqs = [
            {"user": "alice", "verb": "get", "namespace": "default", "resource": "pods", "resourceRequest": True},
            {"user": "system:kube-proxy", "verb": "watch", "resource": "endpoints", "resourceRequest": True},
            {"verb": "get", "path": "/healthz"},
            {"user": None, "verb": "get", "path": "/x"},
        ]
        many = self.p.match_many(reqs)
        one = [
            self.p.match(user=r.get("user"), verb=r.get("verb", ""), namespace=r.get("namespace", ""),
                         resource=r.get("resource", ""), path=r.get("path", ""),
                         resource_request=r.get("resourceRequest", False))
            for r in reqs
        ]
        self.assertEqual(many, one)
        self.assertEqual([d.rule for d in many], [1, 0, 2, None])
        self.assertEqual(self.p.match_many(json.dumps(reqs)), many)
        # match()'s keyword names work too, and any iterable
        kw = [{"user": "alice", "api_group": "", "resource": "pods", "resource_request": True}]
        self.assertEqual(self.p.match_many(iter(kw))[0].rule, 1)
        self.assertEqual(self.p.match_many([]), [])


class MatchManyShapes(unittest.TestCase):
    """match_many() reads Python objects in place (or, where it cannot, marshal's
    output): shared objects, odd extras. Run through both readers."""

    def run(self, result=None):
        super().run(result)
        saved = kap._match_pyobjects
        if saved is not None:
            kap._match_pyobjects = None  # the marshal reader
            try:
                super().run(result)
            finally:
                kap._match_pyobjects = saved

    def test_shared_objects_and_extras(self):
        with kap.Policy.from_string(HDR + """rules:
- level: Request
  userGroups: [admins]
  resources: [{group: "", resources: [pods]}]
- level: Metadata
  verbs: [get]
""") as p:
            groups = ["dev", "admins"]
            a = {"user": "alice", "groups": groups, "resource": "pods", "resourceRequest": True}
            b = {"user": "bob", "groups": groups, "verb": "get", "extra": {"n": 1, "f": 1.5, "b": b"x", "t": (1, 2)}}
            reqs = [a, b, a, a, b, {"user": "carol", "groups": ("admins",), "resource": "pods",
                                    "resource_request": True, "ignored": [1, None, {"x": frozenset([1])}]}]
            got = [d.rule for d in p.match_many(reqs)]
            want = [p.match(user=r["user"], groups=r.get("groups", ()), verb=r.get("verb", ""),
                            resource=r.get("resource", ""),
                            resource_request=bool(r.get("resourceRequest", r.get("resource_request")))).rule
                    for r in reqs]
            self.assertEqual(got, want)
            self.assertEqual(got, [0, 1, 0, 0, 1, 0])
            # dict and str subclasses are taken too
            import collections

            class S(str):
                pass

            od = collections.OrderedDict(user=S("alice"), groups=[S("admins")], resource="pods",
                                         resourceRequest=True)
            self.assertEqual(p.match_many([od, a])[0].rule, 0)
            # a bad request named by its index, also when it repeats
            bad = {"verb": ["get"]}
            with self.assertRaises(TypeError) as cm:
                p.match_many([a, bad, bad])
            self.assertIn("requests[1]", str(cm.exception))


class Lifetime(unittest.TestCase):
    def test_closed_policy_raises(self):
        p = kap.Policy.from_string(POLICY)
        p.close()
        p.close()  # twice is fine
        self.assertTrue(p.closed)
        with self.assertRaises(ValueError):
            p.match(resource="pods")
        with self.assertRaises(ValueError):
            p.match_many([{}])
        with self.assertRaises(ValueError):
            len(p)

    def test_gc_while_another_thread_matches(self):
        p = kap.Policy.from_string(POLICY)
        results = []
        start = threading.Event()

        def worker(policy):
            start.wait()
            for _ in range(2000):
                results.append(policy.match(user="alice", resource="pods").rule)

        t = threading.Thread(target=worker, args=(p,))
        t.start()
        del p
        gc.collect()
        start.set()
        t.join()
        self.assertEqual(set(results), {1})

    def test_close_while_another_thread_matches(self):
        p = kap.Policy.from_string(POLICY)
        errors = []

        def worker():
            try:
                for _ in range(5000):
                    p.match(user="alice", resource="pods")
            except ValueError:
                pass  # closed under it: an exception, never a crash
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        ts = [threading.Thread(target=worker) for _ in range(4)]
        for t in ts:
            t.start()
        p.close()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])


class Pickling(unittest.TestCase):
    """A policy travels as its source bytes, its name and its options, and is
    loaded again where it lands (kap.dask's workers)."""

    REQ = dict(user="alice", verb="get", namespace="default", resource="pods")

    def test_round_trip_decides_the_same(self):
        p = kap.Policy.from_string(POLICY, name="mine.yaml")
        q = pickle.loads(pickle.dumps(p))
        self.assertIsNot(q, p)
        self.assertEqual((len(q), q.source), (3, "mine.yaml"))
        for req in (self.REQ, dict(user="system:kube-proxy", verb="watch", resource="endpoints"),
                    dict(path="/healthz/ready", verb="get")):
            self.assertEqual(q.match(**req), p.match(**req))

    def test_file_policy_pickles_as_it_was_loaded(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "policy.yaml")
            with open(path, "w") as f:
                f.write(POLICY)
            p = kap.Policy.load(path)
            with open(path, "w") as f:  # changed after the load: the pickle keeps what was loaded
                f.write(HDR + "rules: [{level: None}]\n")
            data = pickle.dumps(p)
            os.remove(path)  # and it does not need the file any more
            q = pickle.loads(data)
        self.assertEqual(q.source, path)
        self.assertEqual(q.match(**self.REQ), p.match(**self.REQ))
        self.assertEqual(q.match(**self.REQ).level, kap.Level.REQUEST_RESPONSE)

    def test_options_travel(self):
        # group "*" is accepted from Kubernetes 1.36 only
        text = HDR + 'rules:\n- level: Metadata\n  resources: [{group: "*"}]\n'
        with self.assertRaises(kap.PolicyError):
            kap.Policy.from_string(text, kube_version="1.35")
        p = kap.Policy.from_string(text, kube_version="1.36")
        q = pickle.loads(pickle.dumps(p))
        self.assertEqual(q.match(verb="get", api_group="apps", resource="deployments").level, kap.Level.METADATA)

    def test_warnings_travel(self):
        p = kap.Policy.from_string(POLICY.replace("kind: Policy", "kind: Policy\nfrobnicate: 1"))
        self.assertIn("frobnicate", p.warning_text or "")
        q = pickle.loads(pickle.dumps(p))
        self.assertEqual(q.warning_text, p.warning_text)

    def test_closed_policy_does_not_pickle(self):
        p = kap.Policy.from_string(POLICY)
        p.close()
        with self.assertRaises(pickle.PicklingError):
            pickle.dumps(p)

    def test_another_library_version_is_refused(self):
        p = kap.Policy.from_string(POLICY)
        fn, args = p.__reduce__()
        with self.assertRaisesRegex(kap.PolicyError, "loaded with libkap 0.0.1, this process has libkap"):
            fn(args[0], args[1], args[2], "0.0.1")


class Threads(unittest.TestCase):
    def test_threads_agree_with_one_thread(self):
        p = kap.Policy.from_string(POLICY)
        reqs = [
            dict(user=u, verb=v, resource=r, path=path)
            for u in (None, "alice", "system:kube-proxy")
            for v in ("get", "watch")
            for r in ("", "pods", "endpoints")
            for path in ("", "/healthz", "/api")
        ]
        single = [p.match(**r) for r in reqs]
        out = {}

        def worker(k):
            out[k] = [[p.match(**r) for r in reqs] for _ in range(50)]

        ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for k in range(8):
            for rnd in out[k]:
                self.assertEqual(rnd, single)
        p.close()


@unittest.skipUnless(CONF and os.path.isdir(CONF), "KAP_CONFORMANCE_DIR not set")
class Conformance(unittest.TestCase):
    def cases(self):
        with open(os.path.join(CONF, "MANIFEST.tsv"), encoding="utf-8") as f:
            for line in f.read().splitlines()[1:]:
                yield os.path.join(CONF, line.split("\t")[0])

    def test_evaluated(self):
        n = 0
        for case in self.cases():
            with kap.Policy.load(os.path.join(case, "policy.yaml")) as p:
                warn = os.path.join(case, "warning.txt")
                if os.path.exists(warn):
                    with open(warn, encoding="utf-8") as f:
                        self.assertEqual(p.warning_text, f.read().rstrip("\n"), case)
                else:
                    self.assertIsNone(p.warning_text, case)
                with open(os.path.join(case, "requests.jsonl"), encoding="utf-8") as f:
                    reqs = [json.loads(line) for line in f if line.strip()]
                want = expected_lines(os.path.join(case, "expected.jsonl"))
                got = p.match_many(reqs)
                self.assertEqual(len(got), len(want), case)
                for k, (g, w) in enumerate(zip(got, want)):
                    self.assertEqual(
                        {"level": str(g.level), "omitStages": sorted(g.omit_stages),
                         "omitManagedFields": g.omit_managed_fields}, w, f"{case} request {k}")
                # match() agrees with match_many() on a sample
                for r, g in list(zip(reqs, got))[:25]:
                    one = p.match(user=r.get("user"), groups=r.get("groups") or (), verb=r.get("verb", ""),
                                  namespace=r.get("namespace", ""), api_group=r.get("apiGroup", ""),
                                  api_version=r.get("apiVersion", ""), resource=r.get("resource", ""),
                                  subresource=r.get("subresource", ""), name=r.get("name", ""),
                                  path=r.get("path", ""), resource_request=bool(r.get("resourceRequest")))
                    self.assertEqual(one, g, case)
                n += 1
        self.assertGreater(n, 100)

    def test_invalid(self):
        d = os.path.join(CONF, "invalid")
        n = 0
        for name in sorted(os.listdir(d)):
            if not name.endswith(".yaml"):
                continue
            base = os.path.join(d, name[:-5])
            with open(base + ".err", encoding="utf-8") as f:
                want = f.read()[:-1]
            with self.assertRaises(kap.PolicyError, msg=name) as cm:
                kap.Policy.load(os.path.join(d, name))
            self.assertEqual(str(cm.exception), want, name)
            n += 1
        self.assertGreater(n, 10)


if __name__ == "__main__":
    unittest.main()
