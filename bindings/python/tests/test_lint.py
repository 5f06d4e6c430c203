"""Policy.lint() and Policy.witnesses(): the analysis through the binding."""

import os
import tempfile
import unittest

import kap

HDR = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

# the Datadog documentation's mistake: verbs inside a resources entry
MISPLACED = HDR + """omitStages: [RequestReceived]
rules:
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods"]
    verbs: ["create", "delete"]
- level: None
  verbs: ["get"]
- level: None
  verbs: ["get"]
- level: Metadata
"""


class Lint(unittest.TestCase):
    def test_findings(self):
        with kap.Policy.from_string(MISPLACED) as p:
            found = p.lint()
        ids = [f.id for f in found]
        self.assertEqual(ids, ["ignored-key", "unreachable-rule", "uri-leak"])
        f = found[0]
        self.assertIsInstance(f, kap.Finding)
        self.assertEqual((f.severity, f.rule, f.line, f.column), ("error", 0, 9, 5))
        self.assertEqual(f.field, "rules[0].resources[0].verbs")
        self.assertIn("so this rule matches every verb", f.message)
        self.assertTrue(f.hint.startswith("move verbs up to the rule"))
        u = found[1]
        # rule 0 takes get of pods, rule 1 every other get
        self.assertEqual((u.severity, u.rule, u.related), ("warning", 2, (0, 1)))
        self.assertEqual(str(u), "12:3: warning: " + u.message + " [unreachable-rule]")
        self.assertEqual(found[2].severity, "info")
        self.assertIsNone(kap.Policy.from_string(HDR + "rules:\n- level: None\n  users: [a]\n").lint()[0].rule)

    def test_from_a_file_and_a_release(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(HDR + "rules:\n- level: None\n  verb: [get]\n- level: Metadata\n")
            with kap.Policy.load(path, kube_version="1.25") as p:
                found = p.lint()
            self.assertIn("without a warning", found[0].message)
            self.assertEqual(found[0].line, 5)

    def test_suppression(self):
        text = HDR + "rules:\n- level: None\n# kap:ignore unreachable-rule\n- level: None\n  users: [a]\n"
        self.assertEqual([f.id for f in kap.Policy.from_string(text).lint()], [])

    def test_closed(self):
        p = kap.Policy.from_string(MISPLACED)
        p.close()
        with self.assertRaises(ValueError):
            p.lint()
        with self.assertRaises(ValueError):
            p.witnesses()


class Witnesses(unittest.TestCase):
    def test_replay(self):
        with kap.Policy.from_string(MISPLACED) as p:
            ws = p.witnesses()
            # rule 2 repeats rule 1: it has none
            self.assertEqual([w["witness"] for w in ws], [0, 1, 3])
            decided = p.match_many(ws)
            self.assertEqual([d.rule for d in decided], [0, 1, 3])
        self.assertEqual(ws[1]["verb"], "get")
        self.assertTrue(ws[0]["resourceRequest"])
        self.assertEqual(ws[0]["resource"], "pods")

    def test_a_nul_inside(self):
        with kap.Policy.from_string(HDR + 'rules:\n- level: None\n  users: ["a\\0b"]\n- level: Metadata\n') as p:
            ws = p.witnesses()
            self.assertEqual(ws[0]["user"], "a\0b")
            self.assertEqual([d.rule for d in p.match_many(ws)], [0, 1])


if __name__ == "__main__":
    unittest.main()
