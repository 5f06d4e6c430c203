"""Tests of kap.Replay and kap.Summary (unittest; run by ctest).

Needs KAP_LIBRARY and KAP_REPLAY_LIBRARY (or installed libraries) and
KAP_REPLAY_DATA pointing at the project's tests/replay."""

import io
import json
import os
import pickle
import random
import tempfile
import threading
import unittest

import kap

DATA = os.environ.get("KAP_REPLAY_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "replay"))
LOGS = os.path.join(DATA, "logs")
POLICY = os.path.join(DATA, "policies", "gce-configure-helper.yaml")
OTHER = os.path.join(DATA, "policies", "openshift-default.yaml")
HDR = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"


def logs():
    return [os.path.join(LOGS, f) for f in sorted(os.listdir(LOGS))]


class Replaying(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.policy = kap.Policy.load(POLICY)
        cls.other = kap.Policy.load(OTHER)

    def test_files_counts_and_text(self):
        s = kap.replay_files(self.policy, logs(), threads=2)
        c = s.counts()
        d = s.to_dict()
        self.assertEqual(c["events"], d["events"])
        self.assertEqual(c["requests"], sum(c["levels"].values()))
        self.assertEqual(c["requests"], sum(c["recorded"].values()))
        self.assertEqual(c["levels"], d["levels"])
        self.assertEqual(c["bytes_in"], sum(os.path.getsize(p) for p in logs()))
        self.assertIn("rules that decided nothing", s.table())
        self.assertEqual(s.json(), kap.replay_files(self.policy, logs(), threads=1).json())
        self.assertIn("events", repr(s))

    def test_pieces_merge_exactly(self):
        # a file cut anywhere, pieces replayed apart, merged through bytes and pickle
        path = os.path.join(LOGS, "immudb-log-audit-k8s.jsonl")
        size = os.path.getsize(path)
        rng = random.Random(14)
        r = kap.Replay(self.policy, compare=self.other, window=500)
        whole = r.replay_file(path, stream_start=True)
        for _ in range(5):
            cuts = sorted(rng.randrange(1, size) for _ in range(rng.randrange(1, 6)))
            bounds = [0] + cuts + [size]
            parts = []
            for a, b in zip(bounds, bounds[1:]):
                s = r.replay_file(path, offset=a, length=b - a, stream_start=a == 0)
                parts.append(pickle.loads(pickle.dumps(s)))
            merged = r.merge(parts[0], *parts[1:])
            self.assertEqual(merged, whole)
            self.assertEqual(merged.to_bytes(), whole.to_bytes())

    def test_feed_and_output(self):
        with open(os.path.join(LOGS, "audit2rbac-demo.jsonl"), "rb") as f:
            data = f.read()
        out = io.BytesIO()
        policy = kap.Policy.from_string(HDR + "rules:\n- level: Metadata\n")
        r = kap.Replay(policy, output=out)
        r.begin("demo", stream_start=True)
        for i in range(0, len(data), 1000):
            r.feed(data[i:i + 1000])
        r.end()
        s = r.summary()
        self.assertEqual(s.counts()["bytes_out"], len(out.getvalue()))
        for line in out.getvalue().splitlines():
            ev = json.loads(line)
            self.assertEqual(ev["level"], "Metadata")
            self.assertNotIn("requestObject", ev)
            self.assertNotIn("responseObject", ev)
        r.close()

    def test_output_failure_and_errors(self):
        class Broken(io.RawIOBase):
            def write(self, b):
                raise OSError("disk full")
        r = kap.Replay(self.policy, output=Broken())
        with self.assertRaises(kap.ReplayError):
            r.replay_file(os.path.join(LOGS, "audit2rbac-demo.jsonl"))
        with self.assertRaises(kap.ReplayError):
            kap.replay_files(self.policy, logs()[:1], output=Broken())
        r = kap.Replay(self.policy)
        with self.assertRaises(kap.ReplayError):
            r.feed(b"{}")  # no begin
        with self.assertRaises(ValueError):
            kap.Summary.from_bytes(b"not a summary")
        a = kap.Replay(self.other).replay_bytes(b"", name="x")
        with self.assertRaises(kap.ReplayError):
            r.merge(r.replay_bytes(b"", name="x"), a)  # another policy

    def test_bad_input_counted(self):
        s = kap.Replay(self.policy).replay_bytes(b'{"auditID":1}\nnot json\n', name="bad.log")
        d = s.to_dict()
        self.assertEqual(d["bad_lines"], 2)
        self.assertEqual([(b["source"], b["line"]) for b in d["bad"]], [("bad.log", 1), ("bad.log", 2)])
        s = kap.replay_files(self.policy, ["/nonexistent.log"])
        self.assertEqual(s.to_dict()["bad"][0]["error"], "cannot open: No such file or directory")

    def test_threads_share_a_policy(self):
        results = []

        def go():
            results.append(kap.replay_files(self.policy, logs(), threads=1).to_bytes())
        ts = [threading.Thread(target=go) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(len(set(results)), 1)


if __name__ == "__main__":
    unittest.main()
