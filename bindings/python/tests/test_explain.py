"""kap.request_info() and Policy.explain(). The request-info rows come from
../shared/spec/requestinfo.md itself (its worked examples and the requests
that never reach the policy), read here, so the C test's copy of that table
is checked against the document too."""

import os
import re
import unittest

import kap

HERE = os.path.dirname(os.path.abspath(__file__))


def _spec_path():
    conf = os.environ.get("KAP_CONFORMANCE_DIR")
    candidates = []
    if conf:
        candidates.append(os.path.join(conf, "..", "spec", "requestinfo.md"))
    candidates.append(os.path.join(HERE, "..", "..", "..", "..", "shared", "spec", "requestinfo.md"))
    for c in candidates:
        if os.path.exists(c):
            return c
    return None


def _cell(c):
    c = c.strip()
    if c.startswith("`") and c.endswith("`"):
        return c[1:-1]
    if c in ("", "(empty)"):
        return ""
    raise ValueError(f"unexpected cell {c!r}")


def _spec_rows():
    """(number, method, url, expected dict) of section 15, and (method, url, status) of its refusals."""
    path = _spec_path()
    if not path:
        return None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = lines.index("## 15. Worked examples")
    examples, refusals = [], []
    for line in lines[start:]:
        if line.startswith("## Appendix"):
            break
        m = re.match(r"^\| (\d+) \| `([^`]*)` \|(.*)$", line)
        if m:
            method, url = m.group(2).split(" ", 1)
            rest = m.group(3).split("|")
            verb, ns, group, version, resource, sub, name = (_cell(c) for c in rest[1:8])
            path_ = url.split("?", 1)[0] if rest[8].strip() == "=" else _cell(rest[8])
            examples.append((int(m.group(1)), method, url, {
                "user": None, "groups": [], "verb": verb, "namespace": ns, "apiGroup": group,
                "apiVersion": version, "resource": resource, "subresource": sub, "name": name,
                "resourceRequest": rest[0].strip() == "yes", "path": path_}))
            continue
        m = re.match(r"^\| `(\S+) ([^`]*)` \| (\d+)", line)
        if m:
            refusals.append((m.group(1), m.group(2), int(m.group(3))))
    return examples, refusals


POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/log"]
- level: Metadata
  omitManagedFields: true
"""


class RequestInfoTest(unittest.TestCase):
    def test_worked_examples_of_the_spec(self):
        examples, refusals = _spec_rows()
        if examples is None:
            self.skipTest("../shared/spec/requestinfo.md is not there")
        self.assertEqual(len(examples), 96)
        self.assertEqual(len(refusals), 12)
        for num, method, url, want in examples:
            with self.subTest(example=num):
                self.assertEqual(kap.request_info(method, url), want)
        for method, url, status in refusals:
            with self.subTest(request=f"{method} {url}"):
                with self.assertRaises(kap.NoAuditEvent) as cm:
                    kap.request_info(method, url)
                self.assertEqual(cm.exception.http_status, status)
                self.assertIn(str(status), str(cm.exception))

    def test_user_groups_and_forms(self):
        d = kap.request_info("GET", "/api/v1/namespaces/default/pods/web/log", user="alice", groups=["dev"])
        self.assertEqual(d["user"], "alice")
        self.assertEqual(d["groups"], ["dev"])
        self.assertEqual(d["subresource"], "log")
        # bytes in, str out; an absolute URL is its path and query
        d = kap.request_info(b"DELETE", b"https://h:6443/apis/batch/v1/namespaces/ci/jobs?x=1")
        self.assertEqual((d["verb"], d["apiGroup"], d["namespace"], d["path"]),
                         ("deletecollection", "batch", "ci", "/apis/batch/v1/namespaces/ci/jobs"))
        # a value that is not UTF-8 stays bytes, a NUL stays inside
        d = kap.request_info("GET", "/api/v1/namespaces/a%00b/pods/%FF")
        self.assertEqual(d["namespace"], "a\0b")
        self.assertEqual(d["name"], b"\xff")
        self.assertEqual(d["path"], b"/api/v1/namespaces/a\0b/pods/\xff")
        with self.assertRaises(TypeError):
            kap.request_info(None, "/")
        with self.assertRaises(TypeError):
            kap.request_info("GET", "/", groups="dev")
        with self.assertRaises(kap.NoAuditEvent) as cm:
            kap.request_info("GET", "/x/%zz")
        self.assertEqual(cm.exception.http_status, 400)
        self.assertIsInstance(cm.exception, ValueError)


class ExplainTest(unittest.TestCase):
    def setUp(self):
        self.policy = kap.Policy.from_string(POLICY, name="p.yaml")

    def tearDown(self):
        self.policy.close()

    def test_reasons_lines_and_decision(self):
        e = self.policy.explain(method="GET", url="/api/v1/namespaces/default/configmaps", user="alice",
                                groups=["dev"])
        self.assertEqual([r.rule for r in e.rules], [0, 1, 2])
        r0, r1, r2 = e.rules
        self.assertEqual((r0.check, r0.field, r0.line, r0.matched), ("users", "rules[0].users", 6, False))
        self.assertEqual(r0.reason, "users [system:kube-proxy] does not include alice")
        self.assertEqual((r1.check, r1.field, r1.line), ("resources", "rules[1].resources[0].resources", 11))
        self.assertEqual(r1.reason, 'resources [pods/log] of group "" does not include configmaps')
        self.assertEqual((r2.check, r2.matched, r2.line, r2.reason), ("none", True, 12, "matches"))
        self.assertEqual(e.decision.rule, 2)
        self.assertEqual(e.decision.level, kap.Level.METADATA)
        self.assertTrue(e.decision.omit_managed_fields)
        self.assertEqual(e.request["verb"], "list")
        self.assertEqual(e.request["user"], "alice")
        self.assertIn("decision: Metadata by rule 2", str(e))

    def test_every_form_gives_the_decision_match_gives(self):
        reqs = [
            {"user": "system:kube-proxy", "verb": "watch", "resource": "pods", "resourceRequest": True},
            {"verb": "get", "resource": "pods", "subresource": "log", "resourceRequest": True},
            {"verb": "get", "path": "/healthz"},
            {"user": None, "groups": None, "verb": None, "api_group": "", "resource_request": None},
        ]
        for r in reqs:
            with self.subTest(request=r):
                e = self.policy.explain(r)
                self.assertEqual(e.decision, self.policy.match_many([r])[0])
                self.assertEqual(len(e.rules), (e.decision.rule + 1) if e.decision.rule is not None else 3)
        # keywords, as match() takes them (a resource makes a resource request)
        e = self.policy.explain(user="system:kube-proxy", verb="watch", resource="endpoints")
        self.assertEqual(e.decision, self.policy.match(user="system:kube-proxy", verb="watch", resource="endpoints"))
        self.assertEqual(e.decision.rule, 0)
        e = self.policy.explain(verb="get", path="/x", resource_request=False)
        self.assertEqual(e.rules[1].check, "resourceScope")
        # no rule decides: every rule examined
        p = kap.Policy.from_string("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: [x]\n")
        e = p.explain(verb="y")
        self.assertIsNone(e.decision.rule)
        self.assertEqual(len(e.rules), 1)
        self.assertEqual(e.as_json()["rule"], -1)
        self.assertIn("(no rule matches)", str(e))
        p.close()

    def test_as_json_is_the_command_form(self):
        e = self.policy.explain(method="GET", url="/api/v1/namespaces/default/pods/web/log", user="alice",
                                groups=["dev"])
        self.assertEqual(e.as_json(), {
            "rule": 1, "level": "RequestResponse", "omitStages": ["RequestReceived"], "omitManagedFields": False,
            "request": {"user": "alice", "groups": ["dev"], "verb": "get", "namespace": "default", "apiGroup": "",
                        "apiVersion": "v1", "resource": "pods", "subresource": "log", "name": "web",
                        "resourceRequest": True, "path": "/api/v1/namespaces/default/pods/web/log"},
            "rules": [{"rule": 0, "line": 6, "matched": False,
                       "reason": "users [system:kube-proxy] does not include alice"},
                      {"rule": 1, "line": 8, "matched": True, "reason": "matches"}]})
        self.assertEqual(list(e.as_json()), ["rule", "level", "omitStages", "omitManagedFields", "request", "rules"])
        e = self.policy.explain(method="GET", url="/%FF")
        self.assertEqual(e.request["path"], b"/\xff")
        self.assertEqual(e.as_json()["request"]["path"], "/\ufffd")

    def test_nul_and_bytes(self):
        p = kap.Policy.from_string('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n'
                                   '  users: ["a\\0b"]\n- level: Metadata\n')
        self.assertEqual(p.explain(user="a\0b").decision.rule, 0)
        e = p.explain(user=b"a")
        self.assertEqual(e.decision.rule, 1)
        self.assertEqual(e.rules[0].reason, 'users ["a\\x00b"] does not include a')
        p.close()

    def test_errors(self):
        with self.assertRaises(kap.NoAuditEvent):
            self.policy.explain(method="GET", url="/api/v1/watch")
        with self.assertRaises(TypeError):
            self.policy.explain(method="GET")
        with self.assertRaises(TypeError):
            self.policy.explain({"verb": "get"}, verb="get")
        with self.assertRaises(TypeError):
            self.policy.explain({"verb": "get"}, user="x")
        with self.assertRaises(TypeError):
            self.policy.explain(method="GET", url="/", verb="get")
        with self.assertRaises(TypeError):
            self.policy.explain(colour="red")
        with self.assertRaises(TypeError):
            self.policy.explain(verb=1)
        with self.assertRaises(TypeError):
            self.policy.explain(groups="dev")
        with self.assertRaises(TypeError):
            self.policy.explain(groups=[None])
        with self.assertRaises(TypeError):
            self.policy.explain(["not", "a", "dict"])
        with self.assertRaises(TypeError):
            self.policy.explain(verb="get", resource_request="yes")
        self.policy.close()
        with self.assertRaises(ValueError):
            self.policy.explain(verb="get")


if __name__ == "__main__":
    unittest.main()
