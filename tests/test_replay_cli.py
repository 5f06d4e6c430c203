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
import signal
import stat
import subprocess
import sys
import tempfile
import time
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


def in_effect(d):
    """A decision as it takes effect on what is written: at None nothing
    is (omitStages and omitManagedFields change nothing), at Metadata no
    body (omitManagedFields changes nothing)."""
    level = d["level"]
    return (level, [] if level == "None" else d["omitStages"],
            d["omitManagedFields"] and level in ("Request", "RequestResponse"))


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
        differ = [(ev, r, a, b) for ev, r, a, b in zip(firsts, reqs, da, db) if in_effect(a) != in_effect(b)]
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

    def test_compare_text_says_what_differs(self):
        """The text table names omitted stages and omitManagedFields where
        the two decisions differ in them in effect (same level on both sides
        was printed as 'Metadata -> Metadata'); decisions that differ only
        where nothing changes (omitManagedFields at Metadata, omitStages at
        None) are not differences; the list has a header line."""
        p, q = os.path.join(POLICIES, "kubespray-default.yaml"), os.path.join(POLICIES, "openshift-default.yaml")
        firsts = list(first_events(log_paths()))
        reqs = [as_request(ev) for ev in firsts]
        da, db = decide(p, reqs), decide(q, reqs)
        out = run("replay", "--top", "100000", "--compare", q, p, *log_paths()).stdout.decode()
        raw = sum((a["level"], a["omitStages"], a["omitManagedFields"]) !=
                  (b["level"], b["omitStages"], b["omitManagedFields"]) for a, b in zip(da, db))
        effect = sum(in_effect(a) != in_effect(b) for a, b in zip(da, db))
        self.assertLess(effect, raw)  # these policies differ where nothing changes, too
        self.assertIn("; %d requests decided differently\n" % effect, out)
        header = "\n  requests  this policy -> the other  user verb resource-or-path  e.g. auditID\n"
        self.assertEqual(out.count(header), 1)
        groups = out.split(header, 1)[1].splitlines()
        self.assertTrue(groups and all(line.startswith("  ") and " -> " in line for line in groups))
        self.assertNotIn("Metadata -> Metadata ", out)
        self.assertNotIn("Metadata (omitManagedFields", out)
        self.assertNotIn("None (omitManagedFields", out)

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

    def write_through(self, name, policy, log):
        """kap replay --write name, and the bytes it should write (the same
        replay written to a plain new file elsewhere)."""
        plain = os.path.join(tempfile.mkdtemp(dir=self.dir), "plain.jsonl")
        run("replay", "-q", "--write", plain, policy, log)
        with open(plain, "rb") as f:
            want = f.read()
        shutil.rmtree(os.path.dirname(plain))
        return run("replay", "-q", "--write", name, policy, log, check=False), want

    def test_write_symlink(self):
        # the link stays, the file it names is replaced (its mode kept) and
        # the temporary file is made beside that file, not beside the link
        policy, log = os.path.join(POLICIES, "gce-configure-helper.yaml"), log_paths()[0]
        os.mkdir(os.path.join(self.dir, "a"))
        os.mkdir(os.path.join(self.dir, "b"))
        target = os.path.join(self.dir, "b", "target.jsonl")
        with open(target, "w") as f:
            f.write("old\n")
        os.chmod(target, 0o604)
        link = os.path.join(self.dir, "a", "link.jsonl")
        os.symlink("../b/target.jsonl", link)
        p, want = self.write_through(link, policy, log)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.readlink(link), "../b/target.jsonl")
        with open(target, "rb") as f:
            self.assertEqual(f.read(), want)
        self.assertEqual(os.stat(target).st_mode & 0o7777, 0o604)
        self.assertEqual(os.listdir(os.path.join(self.dir, "a")), ["link.jsonl"])
        self.assertEqual(os.listdir(os.path.join(self.dir, "b")), ["target.jsonl"])

    def test_write_dangling_symlink(self):
        policy, log = os.path.join(POLICIES, "gce-configure-helper.yaml"), log_paths()[0]
        os.mkdir(os.path.join(self.dir, "a"))
        os.mkdir(os.path.join(self.dir, "b"))
        # its directory is there: the file it names is made
        link = os.path.join(self.dir, "a", "dangling")
        os.symlink("../b/new.jsonl", link)
        p, want = self.write_through(link, policy, log)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.readlink(link), "../b/new.jsonl")
        with open(os.path.join(self.dir, "b", "new.jsonl"), "rb") as f:
            self.assertEqual(f.read(), want)
        self.assertEqual(os.listdir(os.path.join(self.dir, "b")), ["new.jsonl"])
        # into no directory: refused, nothing made
        link = os.path.join(self.dir, "a", "nowhere")
        os.symlink("../nodir/x.jsonl", link)
        p = run("replay", "-q", "--write", link, policy, log, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, f"kap replay: --write {link}: a symlink to {self.dir}/a/../nodir/x.jsonl, "
                                   "whose directory does not exist\n".encode())
        self.assertEqual(sorted(os.listdir(self.dir)), ["a", "b"])
        self.assertEqual(sorted(os.listdir(os.path.join(self.dir, "a"))), ["dangling", "nowhere"])

    def test_write_not_a_regular_file(self):
        # refused before any input is read (standard input is never closed
        # here), and left as it was
        import socket
        policy = os.path.join(POLICIES, "gce-configure-helper.yaml")
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        sub = os.path.join(self.dir, "dir")
        os.mkdir(sub)
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(os.path.join(self.dir, "sock"))
        os.symlink("fifo", os.path.join(self.dir, "to-fifo"))
        try:
            for name, kind in (("fifo", "a FIFO"), ("dir", "a directory"), ("sock", "a socket"),
                               ("to-fifo", "a FIFO")):
                with self.subTest(name=name):
                    path = os.path.join(self.dir, name)
                    proc = subprocess.Popen([KAP, "replay", "-q", "--write", path, policy, "-"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    try:
                        rc = proc.wait(timeout=20)
                    finally:
                        proc.kill()
                        err = proc.communicate()[1]
                    self.assertEqual(rc, 1)
                    self.assertEqual(err, f"kap replay: --write {path}: not a regular file ({kind})\n".encode())
            self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
            self.assertTrue(stat.S_ISDIR(os.lstat(sub).st_mode))
            self.assertEqual(os.listdir(sub), [])
            self.assertTrue(stat.S_ISSOCK(os.lstat(os.path.join(self.dir, "sock")).st_mode))
            self.assertEqual(os.readlink(os.path.join(self.dir, "to-fifo")), "fifo")
            self.assertEqual(sorted(os.listdir(self.dir)), ["dir", "fifo", "sock", "to-fifo"])
        finally:
            sock.close()

    def test_write_mode(self):
        # an existing file keeps its mode; a new one is 0666 less the umask
        policy, log = os.path.join(POLICIES, "gce-configure-helper.yaml"), log_paths()[0]
        old = os.path.join(self.dir, "old.jsonl")
        with open(old, "w") as f:
            f.write("old\n")
        os.chmod(old, 0o604)
        new, new2 = os.path.join(self.dir, "new.jsonl"), os.path.join(self.dir, "new2.jsonl")
        sid = os.path.join(self.dir, "sid.jsonl")
        with open(sid, "w") as f:
            f.write("old\n")
        os.chmod(sid, 0o2644)
        # new again under another umask: its mode, not the umask's; a set-id bit is not carried
        for path, mask, mode in ((old, 0o022, 0o604), (new, 0o027, 0o640), (new2, 0o002, 0o664), (new, 0o002, 0o640),
                                 (sid, 0o022, 0o644)):
            with self.subTest(path=os.path.basename(path), umask=oct(mask)):
                p = subprocess.run([KAP, "replay", "-q", "--write", path, policy, log], capture_output=True,
                                   preexec_fn=lambda: os.umask(mask))
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(os.stat(path).st_mode & 0o7777, mode)
                self.assertGreater(os.path.getsize(path), 4)

    def test_write_signal(self):
        # killed while reading a slow standard input: FILE as it was, the
        # temporary file removed, and the signal still the cause of death
        policy = os.path.join(POLICIES, "gce-configure-helper.yaml")
        with open(os.path.join(LOGS, "immudb-log-audit-k8s.jsonl"), "rb") as f:
            block = f.read()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            with self.subTest(signal=sig.name):
                where = tempfile.mkdtemp(dir=self.dir)
                out = os.path.join(where, "out.jsonl")
                with open(out, "w") as f:
                    f.write("old\n")
                # SIGPIPE as a progress bar on a closed pipe gets it
                args = ["--progress", "always"] if sig == signal.SIGPIPE else ["-q"]
                proc = subprocess.Popen([KAP, "replay", *args, "--write", out, policy, "-"], stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                try:
                    deadline = time.monotonic() + 20
                    while len(os.listdir(where)) < 2 and time.monotonic() < deadline:
                        time.sleep(0.01)
                    self.assertEqual(len(os.listdir(where)), 2, "no temporary file made")
                    if sig == signal.SIGPIPE:
                        proc.stderr.close()
                    try:
                        for _ in range(5 if sig == signal.SIGPIPE else 1):
                            proc.stdin.write(block * 10)
                            proc.stdin.flush()
                            time.sleep(0.2)
                    except BrokenPipeError:
                        pass
                    if sig != signal.SIGPIPE:
                        proc.send_signal(sig)
                    rc = proc.wait(timeout=20)
                finally:
                    proc.kill()
                    proc.wait()
                    try:
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass
                    if proc.stderr:
                        proc.stderr.close()
                self.assertEqual(rc, -sig)
                self.assertEqual(os.listdir(where), ["out.jsonl"])
                with open(out) as f:
                    self.assertEqual(f.read(), "old\n")


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
        self.assertIn(f"{path}:5: column 1: invalid character '\u00ff' looking for beginning of value", text)
        self.assertEqual(p.returncode, 0)

    def test_not_audit_events_are_bad_lines(self):
        """A line of another kind or apiVersion is reported, not replayed."""
        path = os.path.join(self.dir, "kinds.log")
        evs = [{"kind": k, "apiVersion": v, "level": "Metadata", "auditID": str(i), "stage": "ResponseComplete"}
               for i, (k, v) in enumerate([("Event", "audit.k8s.io/v1"), ("Pod", "v1"), ("Event", "audit.k8s.io/v9")])]
        with open(path, "w") as f:
            f.write("".join(json.dumps(e) + "\n" for e in evs))
        text = run("replay", self.policy, path).stdout.decode()
        self.assertIn(f'{path}:2: "kind" must be "Event"', text)
        self.assertIn(f'{path}:3: "apiVersion" must be audit.k8s.io/v1 or audit.k8s.io/v1beta1', text)
        p = run("replay", "-o", "json", self.policy, path)
        got = json.loads(p.stdout)
        self.assertEqual((got["events"], got["bad_lines"]), (1, 2))
        self.assertIn(b"2 bad lines", p.stderr)

    def test_no_log_readable_fails(self):
        """Every log missing or a directory: the summary, and exit 1 with the
        reason; one readable log among them is a run with bad lines (0)."""
        missing = os.path.join(self.dir, "nonexistent.log")
        p = run("replay", "-q", self.policy, missing, self.dir, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"no log could be read", p.stderr)
        self.assertIn(b"cannot open", p.stdout)
        p = run("replay", "-q", self.policy, missing, self.plain, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        empty = os.path.join(self.dir, "empty.log")
        open(empty, "wb").close()
        self.assertEqual(run("replay", "-q", self.policy, empty, check=False).returncode, 0)

    def test_syntax_errors_in_go_words(self):
        """A line that is not JSON is reported as Go's decoder words it, the
        character found quoted as Go quotes it; kap eval's reader (checked
        against Go's texts in test_unit) is the oracle, line by line."""
        lines = [b"x", b'{"a":1}x', b'{"a":\x01}', b'{"a":"b\x01"}', b'{"a":1.x}', b'{"a":1e+}', b'{"a" 1}',
                 b'{"a":1 "b"}', b"[1 2]", b"{1}", b'{"a":-x}', b"\xff", b"\xc2\x85", b"\x85", b"\xa0", b"\xad",
                 b"\xa1", b"\x7f", b"'", b'{"a":\x0b}', b"\x07", b"\x1b[2J"]
        path = os.path.join(self.dir, "syntax.log")
        with open(path, "wb") as f:
            f.write(b"".join(line + b"\n" for line in lines))
        got = json.loads(run("replay", "-q", "-o", "json", self.policy, path).stdout)
        replayed = [b["error"].split(": ", 1)[1] for b in got["bad"]]
        with open(path, "rb") as f:
            ev = run("eval", self.policy, stdin=f.read(), check=False).stdout.decode()
        oracle = [json.loads(row)["error"].split(": ", 1)[1] for row in ev.splitlines()]
        self.assertEqual(len(oracle), len(lines))
        self.assertEqual(replayed, oracle)

    def test_text_escapes_controls(self):
        """Users, paths, verbs and auditIDs come from clients: the text output
        quotes those with control characters (the percent-decoded path too)
        as JSON strings; a plain UTF-8 name stands as it is."""
        pols = []
        for level in ("Metadata", "None"):
            pols.append(os.path.join(self.dir, level + ".yaml"))
            with open(pols[-1], "w") as f:
                f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: %s\n" % level)
        evs = [
            {"kind": "Event", "level": "Metadata", "auditID": "e\x1b1", "stage": "ResponseComplete",
             "requestURI": "/%1b]0;pwned%07%1b[2J", "verb": "get\nX", "user": {"username": "system:anonymous\x1b[31m"}},
            {"kind": "Event", "level": "Metadata", "auditID": "e2", "stage": "ResponseComplete",
             "requestURI": "/\u00e9t\u00e9", "verb": "get", "user": {"username": "\u00e9l\u00e8ve"}},
        ]
        log = "".join(json.dumps(e) + "\n" for e in evs).encode()
        out = run("replay", "-q", "--compare", pols[1], pols[0], "-", stdin=log).stdout.decode()
        self.assertNotIn("\x1b", out)
        self.assertNotIn("\x07", out)
        self.assertIn(' events  "system:anonymous\\u001b[31m"\n', out)
        self.assertIn(' events  "/\\u001b]0;pwned\\u0007\\u001b[2J"\n', out)
        self.assertIn(' events  "get\\nX"\n', out)
        self.assertIn(" events  \u00e9l\u00e8ve\n", out)
        self.assertIn(" events  /\u00e9t\u00e9\n", out)
        self.assertIn('  Metadata -> None  "system:anonymous\\u001b[31m" "get\\nX" '
                      '"/\\u001b]0;pwned\\u0007\\u001b[2J"  e.g. "e\\u001b1"\n', out)
        self.assertIn("  Metadata -> None  \u00e9l\u00e8ve get /\u00e9t\u00e9  e.g. e2\n", out)
        # JSON is escaped by its writer, as before
        got = json.loads(run("replay", "-q", "-o", "json", pols[0], "-", stdin=log).stdout)
        self.assertIn("system:anonymous\x1b[31m", [u["user"] for u in got["top_users"]])

    def test_json_is_utf8(self):
        """-o json is valid UTF-8 whatever the log holds: a path percent-decoded
        into bytes that are not UTF-8, a file name that is not, each such byte
        a U+FFFD, as Go's encoding/json writes it."""
        path = os.path.join(os.fsencode(self.dir), b"bad\xff.log")
        with open(path, "wb") as f:
            f.write(b'{"kind":"Event","level":"Metadata","auditID":"a","stage":"ResponseComplete",'
                    b'"requestURI":"/x%ff%C3y%c3%a9","verb":"get","user":{"username":"u\xfe"}}\nnot json\n')
        out = run("replay", "-q", "-o", "json", self.policy, os.fsdecode(path)).stdout
        got = json.loads(out.decode("utf-8"))  # strict: raises on bytes that are not UTF-8
        self.assertEqual([r["resource"] for r in got["top_resources"]], ["/x\ufffd\ufffdy\u00e9"])
        self.assertEqual([u["user"] for u in got["top_users"]], ["u\ufffd"])
        self.assertEqual([b["source"] for b in got["bad"]], [os.path.join(self.dir, "bad\ufffd.log")])

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
