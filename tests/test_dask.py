"""kap.dask (python3 -m kap.dask replay) on a LocalCluster of 2 worker
processes, checked against the kap binary: `kap replay -o json` over the
same files must give the same bytes, whatever the partitions (plain files
cut in many byte ranges, gzip and zstd copies whole, URLs read through
fsspec), with a worker killed in the middle of a run, and through the
command line.

    KAP=build/kap KAP_LIBRARY=build/libkap.so KAP_REPLAY_LIBRARY=build/libkap-replay.so \\
    PYTHONPATH=bindings/python /usr/bin/python3 tests/test_dask.py -v

Needs Dask distributed (Debian python3-distributed): without it the test
says so and exits 77 (skipped); with KAP_DASK_REQUIRED=1 its absence is a
failure.
"""

import gzip
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
KAP = os.environ.get("KAP", os.path.join(HERE, "..", "build", "kap"))
LOGS = os.path.join(HERE, "replay", "logs")
POLICIES = os.path.join(HERE, "replay", "policies")
BIG = os.path.join(LOGS, "immudb-log-audit-k8s.jsonl")  # 2.3 MB: the one cut most
POLICY = os.path.join(POLICIES, "kubespray-default.yaml")
OTHER = os.path.join(POLICIES, "gce-configure-helper.yaml")

try:
    import distributed
    MISSING = None
except ImportError as e:  # pragma: no cover - CI installs it
    MISSING = f"Dask distributed is not installed for {sys.executable} ({e}): apt-get install python3-distributed"
    if os.environ.get("KAP_DASK_REQUIRED") == "1":
        raise

import kap  # noqa: E402

if not MISSING:
    import kap.dask as kd


def log_paths():
    return [os.path.join(LOGS, f) for f in sorted(os.listdir(LOGS))]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def running(pid):
    """pid is a live process (not gone, not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kap_replay(*args):
    p = subprocess.run([KAP, "replay", "-q", *args], capture_output=True)
    if p.returncode != 0:
        raise AssertionError(f"kap replay {' '.join(args)}: exit {p.returncode}\n{p.stderr.decode()}")
    return p.stdout


def cli(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "kap.dask", *args], capture_output=True, env=e, timeout=120)


@unittest.skipIf(MISSING, MISSING or "")
class DaskReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import logging
        cls.cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.CRITICAL)
        cls.client = distributed.Client(cls.cluster)
        cls.tmp = tempfile.mkdtemp(prefix="kap-dask-test-")
        cls.policy = kap.Policy.load(POLICY)
        cls.other = kap.Policy.load(OTHER)
        # compressed copies: gzip (the big one as two members, as rotation
        # writes them) and zstd (the zstd tool)
        cls.gz, cls.zst = [], []
        for path in log_paths():
            base = os.path.join(cls.tmp, os.path.basename(path))
            data = read(path)
            with open(base + ".gz", "wb") as f:
                half = data.index(b"\n", len(data) // 2) + 1
                f.write(gzip.compress(data[:half]) + gzip.compress(data[half:]))
            cls.gz.append(base + ".gz")
            if shutil.which("zstd"):
                subprocess.run(["zstd", "-q", "-f", path, "-o", base + ".zst"], check=True)
                cls.zst.append(base + ".zst")

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def dask_json(self, paths, policy=None, blocksize=16 << 10, top=10, **kw):
        s = kd.replay(policy or self.policy, paths, client=self.client, blocksize=blocksize, **kw)
        return s._format(0, top)

    # ---- partitions

    def test_partitions_cut_at_line_ends(self):
        data = read(BIG)
        parts = kd.partitions([BIG], blocksize=64 << 10)
        self.assertGreater(len(parts), 30)
        self.assertEqual(parts[0].offset, 0)
        self.assertTrue(parts[0].first)
        self.assertFalse(any(p.first for p in parts[1:]))
        end = 0
        for p in parts:
            self.assertEqual(p.offset, end, "partitions follow each other")
            self.assertGreater(p.length, 0)
            if p.offset:
                self.assertEqual(data[p.offset - 1:p.offset], b"\n", f"cut at {p.offset} is not at a line end")
            end = p.offset + p.length
        self.assertEqual(end, len(data))
        # compressed: whole, told by the first bytes (not the name)
        renamed = os.path.join(self.tmp, "rotated.log.1")
        shutil.copyfile(self.gz[0], renamed)
        parts = kd.partitions([self.gz[-1], renamed] + self.zst, blocksize=100)
        self.assertTrue(all(p.offset == 0 and p.length == 0 for p in parts))
        self.assertEqual([p.first for p in parts], [True] + [False] * (len(parts) - 1))
        # a line longer than the block: no empty partition, still cut
        long_line = os.path.join(self.tmp, "long.jsonl")
        with open(long_line, "wb") as f:
            f.write(b"x" * 5000 + b"\n" + b"y" * 10 + b"\n")
        parts = kd.partitions([long_line], blocksize=1000)
        self.assertTrue(all(p.length > 0 for p in parts))
        self.assertEqual(sum(p.length for p in parts), 5012)

    def test_globs(self):
        got = kd.expand([os.path.join(LOGS, "falco-*.jsonl"), os.path.join(self.tmp, "nothing-*.log")])
        self.assertEqual(got, [os.path.join(LOGS, "falco-psp-trace-files.jsonl"),
                               os.path.join(LOGS, "falco-trace-files.jsonl"),
                               os.path.join(self.tmp, "nothing-*.log")])
        self.assertEqual(kd.expand(["file://" + BIG]), [BIG])
        with self.assertRaises(ValueError):
            kd.expand(["-"])

    def test_request_stages_across_a_cut(self):
        # the data must have a request whose stages fall in two partitions
        parts = kd.partitions([BIG], blocksize=16 << 10)
        owner = {}
        across = 0
        with open(BIG, "rb") as f:
            for i, p in enumerate(parts):
                f.seek(p.offset)
                for line in f.read(p.length).splitlines():
                    if line.strip():
                        aid = json.loads(line)["auditID"]
                        if owner.setdefault(aid, i) != i:
                            across += 1
        self.assertGreater(across, 0, "no request has stages in two partitions: the test checks nothing")
        self.assertEqual(self.dask_json([BIG]), kap_replay("-o", "json", POLICY, BIG))

    # ---- equal to kap replay

    def test_plain_in_many_partitions_every_policy(self):
        for name in sorted(os.listdir(POLICIES)):
            path = os.path.join(POLICIES, name)
            with self.subTest(policy=name):
                got = self.dask_json(log_paths(), policy=kap.Policy.load(path), blocksize=24 << 10)
                self.assertEqual(got, kap_replay("-o", "json", path, *log_paths()))

    def test_gzip_and_zstd(self):
        self.assertEqual(self.dask_json(self.gz), kap_replay("-o", "json", POLICY, *self.gz))
        if not self.zst:
            self.skipTest("no zstd tool")
        files = self.zst + self.gz[::-1]
        self.assertEqual(self.dask_json(files), kap_replay("-o", "json", POLICY, *files))

    def test_mixed_compare_top_and_table(self):
        files = [self.gz[0], BIG] + self.zst[-1:] + log_paths()[:3]
        want = kap_replay("-o", "json", "--compare", OTHER, "--top", "3", POLICY, *files)
        self.assertIn(b'"compare":', want)
        self.assertEqual(self.dask_json(files, compare=self.other, top=3), want)
        s = kd.replay(self.policy, files, client=self.client, blocksize=32 << 10)
        self.assertEqual(s._format(1, 10), kap_replay(POLICY, *files))

    def test_window(self):
        want = kap_replay("-o", "json", "--window", "40", POLICY, BIG)
        self.assertEqual(self.dask_json([BIG], window=40), want)
        self.assertNotEqual(want, kap_replay("-o", "json", POLICY, BIG), "the window changes nothing here")

    def test_unreadable_files_are_bad_input(self):
        files = [log_paths()[1], os.path.join(self.tmp, "absent.log"), self.tmp, BIG]
        got = self.dask_json(files)
        self.assertEqual(got, kap_replay("-o", "json", POLICY, *files))
        bad = json.loads(got)["bad"]
        self.assertEqual([b["source"] for b in bad], [files[1], files[2]])
        self.assertIn("cannot open", bad[0]["error"])

    def test_bad_lines_keep_their_line_numbers(self):
        # bad lines spread over a plain file cut in many partitions, a cut
        # gzip file: reported with the file's own line numbers, as kap replay does
        lines = read(BIG).splitlines(keepends=True)
        for i in range(7, len(lines), 97):
            lines[i] = b'{"kind":"Event","auditID":' + lines[i][:40] + b"\n"
        noisy = os.path.join(self.tmp, "noisy.jsonl")
        with open(noisy, "wb") as f:
            f.write(b"".join(lines))
        cut = os.path.join(self.tmp, "cut-local.gz")
        data = read(self.gz[-1])
        with open(cut, "wb") as f:
            f.write(data[:len(data) // 2])
        want = kap_replay("-o", "json", "--top", "3", POLICY, noisy, cut, log_paths()[0])
        self.assertGreater(json.loads(want)["bad_lines"], 20)
        self.assertEqual(self.dask_json([noisy, cut, log_paths()[0]], top=3, blocksize=10 << 10), want)

    def test_urls_through_fsspec(self):
        # read by fsspec on the workers (not by the library): the same summary
        files = [BIG, self.gz[0]]
        urls = ["simplecache::file://" + p for p in files]
        self.assertEqual(self.dask_json(urls, blocksize=100 << 10), kap_replay("-o", "json", POLICY, *files))
        # a truncated gzip file through fsspec: reported as the library reports it
        cut = os.path.join(self.tmp, "cut.gz")
        data = read(self.gz[1])
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 2 // 3])
        want = json.loads(kap_replay("-o", "json", POLICY, cut))
        got = json.loads(self.dask_json(["simplecache::file://" + cut]))
        for b in got["bad"]:
            b["source"] = cut
        self.assertEqual(got, want)
        self.assertTrue(any("truncated" in b["error"] for b in got["bad"]))

    def test_merge_leaves_its_inputs_alone(self):
        # Dask hands a stored result again to a task it runs again (after a
        # worker died): a merge that changed its left input would count it twice
        setup = kd._Setup(self.policy, None, None, None)
        r = kap.Replay(self.policy)
        size = os.path.getsize(BIG)
        a = r.replay_file(BIG, 0, size // 2, stream_start=True)
        b = r.replay_file(BIG, size // 2)
        before = a.to_bytes(), b.to_bytes()
        once = kd._merge(setup, a, b).to_bytes()
        self.assertEqual((a.to_bytes(), b.to_bytes()), before)
        self.assertEqual(kd._merge(setup, a, b).to_bytes(), once)
        self.assertNotEqual(once, before[0])

    # ---- the policy travels to the workers

    def test_policy_pickles_as_loaded(self):
        path = os.path.join(self.tmp, "policy.yaml")
        shutil.copyfile(POLICY, path)
        p = kap.Policy.load(path)
        with open(path, "w") as f:
            f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n")
        req = dict(user="system:kube-proxy", verb="watch", resource="endpoints")
        want = p.match(**req)
        self.assertEqual(self.client.submit(lambda q: (len(q), q.match(**req), q.source), p).result(),
                         (len(p), want, path))
        self.assertEqual(len(pickle.loads(pickle.dumps(p))), len(p))

    # ---- a worker killed in the middle of a run

    def test_worker_killed_mid_run(self):
        # The last partition is a named pipe: its task waits on it, so the run
        # cannot end before the test writes into it. The worker it is on is
        # killed while it waits (and after the others finished on the two
        # workers, some of their results held by it); the pipe is written
        # once that worker is dead. Dask runs again what was lost, the nanny
        # starts a new worker, and the result is exact.
        fifo = os.path.join(self.tmp, "pipe.jsonl")
        os.mkfifo(fifo)
        source = log_paths()[1]
        files = [BIG, self.gz[2], fifo]
        future = kd.submit(self.policy, files, client=self.client, blocksize=16 << 10)
        last = len(kd.partitions(files, 16 << 10)) - 1
        deadline = time.time() + 60
        victim = None
        while victim is None and time.time() < deadline:
            for worker, keys in self.client.processing().items():
                if any(k.startswith(f"kap-partition-{last}-") for k in keys):
                    victim = worker
            time.sleep(0.05)
        self.assertIsNotNone(victim, "the pipe's task never started")
        time.sleep(0.3)  # let the other partitions finish
        self.assertFalse(future.done())
        pid = self.client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        # Until it is dead, its open() of the pipe counts as a reader: a
        # writer coming then would write into a pipe about to lose its data.
        deadline = time.time() + 60
        while time.time() < deadline and (running(pid) or victim in self.client.scheduler_info()["workers"]):
            time.sleep(0.05)
        self.assertFalse(running(pid))

        def feed():
            with open(fifo, "wb") as f:  # waits for the task run again to open it
                f.write(read(source))
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            got = future.result(timeout=90)._format(0, 10)
        except distributed.TimeoutError:
            def states(dask_scheduler):
                return {k: (ts.state, ts.processing_on and ts.processing_on.address, ts.suspicious)
                        for k, ts in dask_scheduler.tasks.items() if ts.state != "memory"}
            self.fail(f"no result: writer alive {writer.is_alive()}, victim {victim}, workers "
                      f"{list(self.client.scheduler_info()['workers'])}, tasks {self.client.run_on_scheduler(states)}")
        writer.join(5)
        self.assertEqual(got, kap_replay("-o", "json", POLICY, BIG, self.gz[2], source))
        self.client.wait_for_workers(2, timeout=60)
        self.assertNotIn(victim, self.client.scheduler_info()["workers"])

    # ---- the command line

    def test_cli_equal_bytes_through_a_scheduler(self):
        files = [BIG, self.gz[0]] + log_paths()[:2]
        addr = self.cluster.scheduler_address
        p = cli("replay", "-o", "json", "--blocksize", "20k", "--progress", "always", "--scheduler", addr, POLICY,
                *files)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(p.stdout, kap_replay("-o", "json", POLICY, *files))
        self.assertNotIn(b"local cluster", p.stderr)
        self.assertIn(b"100% Completed", p.stderr)  # Dask's bar, on standard error
        # $DASK_SCHEDULER_ADDRESS, and the table
        p = cli("replay", "--top", "4", POLICY, *files, env={"DASK_SCHEDULER_ADDRESS": addr})
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(p.stdout, kap_replay("--top", "4", POLICY, *files))
        # every option shared with kap replay reaches the workers
        opts = ["--compare", OTHER, "--window", "30", "--max-line", "1000", "--kube-version", "1.30", "--top", "2"]
        p = cli("replay", "-o", "json", "--scheduler", addr, *opts, POLICY, *files)
        want = kap_replay("-o", "json", *opts, POLICY, *files)
        self.assertEqual(p.stdout, want)
        self.assertGreater(json.loads(want)["bad_lines"], 0, "--max-line cut nothing")
        # globs given to it, unexpanded
        p = cli("replay", "-o", "json", "--scheduler", addr, POLICY, os.path.join(LOGS, "*.jsonl"))
        self.assertEqual(p.stdout, kap_replay("-o", "json", POLICY, *log_paths()))

    def test_cli_local_cluster(self):
        files = [BIG, os.path.join(self.tmp, "absent.log")]
        p = cli("replay", "-o", "json", "--workers", "2", "--blocksize", "256k", POLICY, *files)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(p.stdout, kap_replay("-o", "json", POLICY, *files))
        err = p.stderr.decode()
        self.assertIn("local cluster of 2 workers at tcp://", err)
        self.assertRegex(err, r"dashboard http://[^ ]+/status")
        self.assertIn('1 bad lines (see "bad")', err)

    def test_cli_bad_policy_stops_before_scheduling(self):
        broken = os.path.join(self.tmp, "broken.yaml")
        with open(broken, "w") as f:
            f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n")
        for policy in (broken, os.path.join(self.tmp, "absent.yaml")):
            k = subprocess.run([KAP, "replay", policy, BIG], capture_output=True)
            self.assertEqual(k.returncode, 1)
            loader_error = k.stderr.decode().split(": ", 1)[1]  # after "kap replay: "
            # an unreachable scheduler: it must fail on the policy, not on that
            p = cli("replay", "--scheduler", "tcp://127.0.0.1:9", policy, BIG)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr.decode(), "kap.dask replay: " + loader_error)
            self.assertEqual(p.stdout, b"")
        p = cli("replay", "--scheduler", "tcp://127.0.0.1:9", "--compare", broken, POLICY, BIG)
        self.assertEqual(p.returncode, 1)
        self.assertIn("broken.yaml", p.stderr.decode())

    def test_cli_usage(self):
        for args in (["replay", POLICY], ["replay", POLICY, "-"], ["replay", "--top", "0", POLICY, BIG],
                     ["replay", "--blocksize", "0", POLICY, BIG], ["replay", "-o", "yaml", POLICY, BIG],
                     ["replay", "--kube-version", "2.0", POLICY, BIG], ["frobnicate"]):
            with self.subTest(args=args):
                p = cli(*args)
                self.assertEqual(p.returncode, 2, p.stderr.decode())
                self.assertNotEqual(p.stderr, b"")
        p = cli("replay", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"--scheduler", p.stdout)


if __name__ == "__main__":
    if MISSING:
        print(f"test_dask: skipped: {MISSING}", file=sys.stderr)
        sys.exit(77)
    unittest.main()
