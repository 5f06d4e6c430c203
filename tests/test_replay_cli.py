"""kap replay from the command line, checked against what is derived here
independently: the requests of the real logs (tests/replay/logs) decided by
`kap eval`, the written log read back with Python's json module, compressed
inputs made with Python's gzip module and the zstd tool, bad input, and a
long stream through standard input with its peak memory.

    KAP=build/kap python3 -m unittest tests/test_replay_cli.py
"""

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import unittest
from collections import Counter
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
KAP = os.environ.get("KAP", os.path.join(HERE, "..", "build", "kap"))
LOGS = os.path.join(HERE, "replay", "logs")
POLICIES = os.path.join(HERE, "replay", "policies")
GOLDEN = os.path.join(HERE, "replay", "golden")
LEVELS = ["None", "Metadata", "Request", "RequestResponse"]
FINAL = ("ResponseComplete", "Panic")


def log_paths():
    return [os.path.join(LOGS, f) for f in sorted(os.listdir(LOGS))]


def policy_paths():
    return [os.path.join(POLICIES, f) for f in sorted(os.listdir(POLICIES))]


def run(*args, stdin=None, check=True):
    p = subprocess.run([KAP, *args], input=stdin, capture_output=True)
    if check and p.returncode != 0:
        raise AssertionError(f"kap {' '.join(args)}: exit {p.returncode}\n{p.stderr.decode()}")
    return p


def events_of(paths):
    """Every event, in order (EventList items one by one)."""
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                if not line.strip():
                    continue
                obj = json.loads(line)
                for ev in obj["items"] if "items" in obj else [obj]:
                    yield ev


def as_request(ev):
    """The attributes kube-apiserver's policy evaluator saw (formats.md)."""
    user = ev.get("user") or {}
    ref = ev.get("objectRef")
    uri = ev.get("requestURI") or ""
    req = {"verb": ev.get("verb") or "", "path": unquote(uri.split("?", 1)[0]), "resourceRequest": ref is not None}
    if user.get("username") is not None:
        req["user"] = user["username"]
        req["groups"] = user.get("groups") or []
    if ref is not None:
        for k in ("namespace", "apiGroup", "apiVersion", "resource", "subresource", "name"):
            req[k] = ref.get(k) or ""
    return req


def first_events(paths):
    """The first event of each request: a request starts with its first
    event or a RequestReceived event, and ends with ResponseComplete or Panic."""
    open_ids = set()
    for ev in events_of(paths):
        aid, stage = ev["auditID"], ev["stage"]
        new = aid not in open_ids or stage == "RequestReceived"
        if stage in FINAL:
            open_ids.discard(aid)
        else:
            open_ids.add(aid)
        if new:
            yield ev


def decide(policy, requests):
    text = "".join(json.dumps(r) + "\n" for r in requests).encode()
    out = run("eval", policy, stdin=text).stdout.decode().splitlines()
    return [json.loads(line) for line in out]


class Requests(unittest.TestCase):
    """Per-level and per-rule counts against kap eval on the same requests."""

    def test_levels_against_eval(self):
        firsts = list(first_events(log_paths()))
        recorded = Counter(ev["level"] for ev in firsts)
        for policy in policy_paths():
            with self.subTest(policy=os.path.basename(policy)):
                decisions = decide(policy, [as_request(ev) for ev in firsts])
                got = json.loads(run("replay", "-o", "json", "-j", "2", policy, *log_paths()).stdout)
                self.assertEqual(got["requests"], len(firsts))
                self.assertEqual(got["levels"], {lv: sum(d["level"] == lv for d in decisions) for lv in LEVELS})
                self.assertEqual(got["recorded_levels"], {lv: recorded[lv] for lv in LEVELS})
                per_rule = Counter(d["rule"] for d in decisions)
                self.assertEqual({r["rule"]: r["requests"] for r in got["rules"] if r["requests"]}, dict(per_rule))
                under = sum(LEVELS.index(d["level"]) > LEVELS.index(ev["level"]) for d, ev in zip(decisions, firsts))
                self.assertEqual(got["under_recorded"], under)
                self.assertEqual(got["events"], sum(1 for _ in events_of(log_paths())))
                self.assertEqual(got["bad_lines"], 0)

    def test_golden(self):
        # the summaries as they were when the counts above were checked
        for policy in policy_paths():
            name = os.path.splitext(os.path.basename(policy))[0]
            with self.subTest(policy=name):
                got = run("replay", "-o", "json", policy, *log_paths()).stdout.decode()
                with open(os.path.join(GOLDEN, name + ".json"), encoding="utf-8") as f:
                    want = f.read()
                # the golden files name the logs relative to the project
                self.assertEqual(got.replace(LOGS + "/", "tests/replay/logs/"), want)

    def test_compare(self):
        p, q = os.path.join(POLICIES, "gce-configure-helper.yaml"), os.path.join(POLICIES, "openshift-default.yaml")
        firsts = list(first_events(log_paths()))
        reqs = [as_request(ev) for ev in firsts]
        da, db = decide(p, reqs), decide(q, reqs)
        key = lambda d: (d["level"], d["omitStages"], d["omitManagedFields"])
        differ = [(ev, r, a, b) for ev, r, a, b in zip(firsts, reqs, da, db) if key(a) != key(b)]
        got = json.loads(run("replay", "-o", "json", "--top", "100000", "--compare", q, p, *log_paths()).stdout)
        cmp = got["compare"]
        self.assertEqual(cmp["differences"], len(differ))
        self.assertEqual(cmp["levels"], {lv: sum(d["level"] == lv for d in db) for lv in LEVELS})
        groups = Counter()
        examples = {}
        for ev, r, a, b in differ:
            if r["resourceRequest"]:
                what = "/".join(x for x in (r["apiGroup"], r["resource"], r["subresource"]) if x)
            else:
                what = r["path"]
            k = (r.get("user"), r["verb"], what, a["level"], b["level"])
            groups[k] += 1
            examples.setdefault(k, set()).add(ev["auditID"])
        self.assertEqual(cmp["groups"], len(groups))
        seen = Counter()
        for g in cmp["differing"]:
            k = (g["user"], g["verb"], g["resource"], g["policy"]["level"], g["other"]["level"])
            seen[k] += g["requests"]
            self.assertEqual(g["examples"], sorted(examples[k])[:3])
        self.assertEqual(seen, groups)
        counts = [g["requests"] for g in cmp["differing"]]
        self.assertEqual(counts, sorted(counts, reverse=True))

    def test_threads_same_bytes(self):
        p = os.path.join(POLICIES, "kubespray-default.yaml")
        q = os.path.join(POLICIES, "k8s-website-example.yaml")
        outs = {run("replay", "-o", "json", "--compare", q, "-j", str(j), p, *log_paths()).stdout for j in (1, 2, 3, 4)}
        self.assertEqual(len(outs), 1)


def stripped(ev, decision):
    """An event as the policy writes it, from formats.md's decision."""
    rec = LEVELS.index(ev["level"])
    level = min(LEVELS.index(decision["level"]), rec)
    out = dict(ev)
    out["level"] = LEVELS[level]
    if level <= 1:
        out.pop("requestObject", None)
    if level <= 2:
        out.pop("responseObject", None)
    if decision["omitManagedFields"]:
        for body in ("requestObject", "responseObject"):
            obj = out.get(body)
            if isinstance(obj, dict):
                obj = json.loads(json.dumps(obj))
                for o in [obj] + [i for i in obj.get("items") or [] if isinstance(i, dict)] + \
                        [r.get("object") for r in obj.get("rows") or [] if isinstance(r, dict)]:
                    if isinstance(o, dict) and isinstance(o.get("metadata"), dict):
                        o["metadata"].pop("managedFields", None)
                out[body] = obj
    return out


class Write(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_write_round_trip(self):
        for policy in policy_paths():
            with self.subTest(policy=os.path.basename(policy)):
                out = os.path.join(self.dir, "w.jsonl")
                first = json.loads(run("replay", "-o", "json", "--write", out, policy, *log_paths()).stdout)
                size = os.path.getsize(out)
                self.assertEqual(first["bytes_out"], size)
                # what was written, event by event, from the decisions of kap eval
                evs = [ev for ev in events_of(log_paths())]
                decisions = decide(policy, [as_request(ev) for ev in evs])
                want = [stripped(ev, d) for ev, d in zip(evs, decisions)
                        if d["level"] != "None" and ev["stage"] not in d["omitStages"]]
                got = list(events_of([out]))
                self.assertEqual(got, want)
                # replaying the written log changes nothing
                again = os.path.join(self.dir, "w2.jsonl")
                second = json.loads(run("replay", "-o", "json", "--write", again, policy, out).stdout)
                self.assertEqual(second["bytes_in"], size)
                self.assertEqual(second["bytes_out"], size)
                with open(out, "rb") as a, open(again, "rb") as b:
                    self.assertEqual(a.read(), b.read())
                kept = {lv: n for lv, n in first["levels"].items() if lv != "None"}
                self.assertEqual({lv: n for lv, n in second["levels"].items() if lv != "None"}, kept)

    def test_write_whole_or_nothing(self):
        out = os.path.join(self.dir, "keep.jsonl")
        with open(out, "w") as f:
            f.write("old\n")
        # a policy that does not load: the file is left alone, nothing else made
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("rules: []\n")
        p = run("replay", "--write", out, bad, *log_paths(), check=False)
        self.assertEqual(p.returncode, 1)
        with open(out) as f:
            self.assertEqual(f.read(), "old\n")
        self.assertEqual(os.listdir(self.dir), ["bad.yaml", "keep.jsonl"] if os.listdir(self.dir)[0] == "bad.yaml"
                         else ["keep.jsonl", "bad.yaml"])
        # a directory that cannot hold it
        p = run("replay", "--write", "/nonexistent/dir/x.jsonl", os.path.join(POLICIES, "gce-configure-helper.yaml"),
                log_paths()[0], check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"--write /nonexistent/dir/x.jsonl", p.stderr)


class Inputs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.policy = os.path.join(POLICIES, "gce-configure-helper.yaml")
        self.plain = os.path.join(LOGS, "immudb-log-audit-k8s.jsonl")
        with open(self.plain, "rb") as f:
            self.data = f.read()
        self.want = json.loads(run("replay", "-o", "json", self.policy, self.plain).stdout)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def same_counts(self, got):
        for k in ("events", "requests", "bytes_in", "bytes_out", "levels", "rules", "bad_lines"):
            self.assertEqual(got[k], self.want[k], k)

    def test_gzip_members(self):
        # rotation appends members: three, cut inside lines
        path = os.path.join(self.dir, "audit.log.1.gz")
        a, b = len(self.data) // 3, 2 * len(self.data) // 3 + 17
        with open(path, "wb") as f:
            for part in (self.data[:a], self.data[a:b], self.data[b:]):
                f.write(gzip.compress(part))
        for j in ("1", "2"):
            self.same_counts(json.loads(run("replay", "-o", "json", "-j", j, self.policy, path).stdout))

    def test_gzip_truncated(self):
        path = os.path.join(self.dir, "cut.gz")
        blob = gzip.compress(self.data)
        with open(path, "wb") as f:
            f.write(blob[: len(blob) // 2])
        for j in ("1", "2"):
            got = json.loads(run("replay", "-o", "json", "-j", j, self.policy, path).stdout)
            self.assertGreater(got["events"], 100)
            self.assertLess(got["events"], self.want["events"])
            errors = [b["error"] for b in got["bad"]]
            self.assertIn("gzip: unexpected end of data (truncated file)", errors)
            self.assertTrue(all(b["source"] == path for b in got["bad"]))

    @unittest.skipUnless(shutil.which("zstd"), "zstd tool not installed")
    def test_zstd(self):
        path = os.path.join(self.dir, "audit.log.zst")
        subprocess.run(["zstd", "-q", "-o", path, self.plain], check=True)
        self.same_counts(json.loads(run("replay", "-o", "json", self.policy, path).stdout))

    def test_stdin_and_names(self):
        got = json.loads(run("replay", "-o", "json", self.policy, "-", stdin=self.data).stdout)
        self.same_counts(got)
        # by content, not by name: plain bytes in a file called .gz
        path = os.path.join(self.dir, "plain.gz")
        with open(path, "wb") as f:
            f.write(self.data)
        self.same_counts(json.loads(run("replay", "-o", "json", self.policy, path).stdout))

    def test_bad_lines_reported(self):
        path = os.path.join(self.dir, "mixed.log")
        with open(path, "wb") as f:
            f.write(self.data[:2000].rsplit(b"\n", 1)[0] + b"\n{\"auditID\":\n\xff\xfe\n" + self.data[2000:])
        p = run("replay", self.policy, path)
        text = p.stdout.decode()
        self.assertIn(f"{path}:4: column 12: unexpected end of JSON input", text)
        self.assertIn(f"{path}:5: column 1: invalid character looking for beginning of value", text)
        self.assertEqual(p.returncode, 0)

    def test_usage(self):
        self.assertEqual(run("replay", check=False).returncode, 2)
        self.assertEqual(run("replay", self.policy, check=False).returncode, 2)
        self.assertEqual(run("replay", "-j", "0", self.policy, self.plain, check=False).returncode, 2)
        self.assertEqual(run("replay", "-o", "xml", self.policy, self.plain, check=False).returncode, 2)
        self.assertEqual(run("replay", "--bogus", self.policy, self.plain, check=False).returncode, 2)
        p = run("replay", "--help")
        self.assertIn(b"usage: kap replay", p.stdout)
        p = run("replay", "/nonexistent.yaml", self.plain, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b'failed to read file path "/nonexistent.yaml"', p.stderr)

    def test_progress(self):
        p = run("replay", "--progress", "always", self.policy, self.plain)
        self.assertIn(b"\r[", p.stderr)
        self.assertIn(b"100%", p.stderr)
        p = run("replay", self.policy, self.plain)  # not a terminal: silent
        self.assertEqual(p.stderr, b"")
        p = run("replay", "-q", "--progress", "always", self.policy, self.plain)
        self.assertEqual(p.stderr, b"")


class Stream(unittest.TestCase):
    """A long log through standard input: memory stays flat. The README has
    the 10 GB run; here KAP_REPLAY_STREAM_MB (default 200) MB."""

    def test_long_stdin(self):
        mb = int(os.environ.get("KAP_REPLAY_STREAM_MB", "200"))
        with open(os.path.join(LOGS, "immudb-log-audit-k8s.jsonl"), "rb") as f:
            lines = f.read().splitlines(keepends=True)
        policy = os.path.join(POLICIES, "gce-configure-helper.yaml")
        proc = subprocess.Popen([KAP, "replay", "-o", "json", policy, "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        sent = copies = 0
        while sent < mb * 1000000:
            tag = b"%08x" % copies
            # the same events, each copy with its own auditIDs
            block = b"".join(l.replace(b'"auditID":"', b'"auditID":"' + tag) for l in lines)
            proc.stdin.write(block)
            sent += len(block)
            copies += 1
        proc.stdin.close()
        got = json.loads(proc.stdout.read())
        proc.stdout.close()
        self.assertEqual(proc.wait(), 0)
        self.assertEqual(got["bytes_in"], sent)
        self.assertEqual(got["events"], copies * len(lines))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        sys.stderr.write(f"\n{sent / 1e6:.0f} MB through standard input: peak RSS {peak_mb:.1f} MB\n")
        limit = int(os.environ.get("KAP_REPLAY_RSS_LIMIT_MB", "100"))
        if limit:
            self.assertLess(peak_mb, limit)


if __name__ == "__main__":
    unittest.main()
