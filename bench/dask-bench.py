#!/usr/bin/python3
"""kap.dask's speed beside kap replay's, measured in one run, interleaved.

    /usr/bin/python3 bench/dask-bench.py [--build build] [--mb 2048] [--files 32] [--runs 3]

An archive of gzip files is generated (kap-bench --replay-gen: the real
events of tests/replay/logs repeated, each copy with its own auditIDs; cut
into --files files of equal size, each compressed with gzip -1), and the
same log as 4 plain files (cut by kap.dask into 64 MiB ranges). Each round
runs every case once on both, in turn: kap replay -j 1, kap replay -j 2,
kap.dask on a LocalCluster of 1 worker and of 2 workers (the clusters are
started once, before the rounds: their start-up is reported apart). Every
run's JSON is checked equal to kap replay's. Figures: the median of the
rounds in events per second of wall-clock time, and the CPU seconds the
work took (kap's own; for Dask, its worker processes' plus this client's).
Then Dask's overhead (1 worker against kap -j 1: the same one core), where
a worker's CPU goes (partitions, merges of 2, 4 or 8 summaries; in this
process), and the projection of a 1 TB archive on 100 workers.

Needs Dask distributed for /usr/bin/python3 (Debian python3-distributed) and
a build of kap, libkap and kap-bench in --build.
"""

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="the build folder (kap, kap-bench, libraries)")
    ap.add_argument("--mb", type=int, default=2048, help="MB of log, uncompressed (default 2048)")
    ap.add_argument("--files", type=int, default=32, help=".gz files in the archive (default 32)")
    ap.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--policy", default=os.path.join(ROOT, "tests", "replay", "policies", "gce-configure-helper.yaml"))
    ap.add_argument("--dir", help="keep the archive here (default: a temporary folder, removed)")
    return ap.parse_args()


def generate(build, mb, files, folder):
    """The archive: kap-bench --replay-gen's log cut at line ends into files
    parts, each piped through gzip -1."""
    paths = [os.path.join(folder, f"audit-{i:03d}.log.gz") for i in range(files)]
    if all(os.path.exists(p) for p in paths):
        return paths
    gen = subprocess.Popen([os.path.join(build, "kap-bench"), "--replay-gen", str(mb)], stdout=subprocess.PIPE)
    per = mb * 1000000 // files
    rest = b""
    for i, path in enumerate(paths):
        last = i == files - 1
        with open(path + ".tmp", "wb") as out:
            gz = subprocess.Popen(["gzip", "-1"], stdin=subprocess.PIPE, stdout=out)
            done = 0
            while True:
                block, rest = rest or gen.stdout.read(1 << 20), b""
                if not block:
                    break
                if not last and done + len(block) >= per:
                    j = block.find(b"\n", max(0, per - done - 1))
                    if j >= 0:
                        block, rest = block[:j + 1], block[j + 1:]
                        gz.stdin.write(block)
                        break
                gz.stdin.write(block)
                done += len(block)
            gz.stdin.close()
            if gz.wait():
                sys.exit("gzip failed")
        os.rename(path + ".tmp", path)
    gen.stdout.close()
    gen.wait()
    return paths


def plain_copies(gz, folder, n):
    """The same log as n plain files (each the concatenation of a run of
    the .gz files, decompressed): a plain file is cut in byte ranges."""
    paths = [os.path.join(folder, f"audit-{i}.log") for i in range(n)]
    if all(os.path.exists(p) for p in paths):
        return paths
    per = -(-len(gz) // n)
    for i, path in enumerate(paths):
        with open(path + ".tmp", "wb") as out:
            for g in gz[i * per:(i + 1) * per]:
                subprocess.run(["gzip", "-dc", g], stdout=out, check=True)
        os.rename(path + ".tmp", path)
    return paths


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    args = parse()
    os.environ.setdefault("KAP_LIBRARY", os.path.join(args.build, "libkap.so"))
    os.environ.setdefault("KAP_REPLAY_LIBRARY", os.path.join(args.build, "libkap-replay.so"))
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.join(ROOT, "bindings", "python"),
                                                             os.environ.get("PYTHONPATH")]))
    import distributed
    import kap
    import kap.dask as kd

    kap_bin = os.path.join(args.build, "kap")
    folder = args.dir or tempfile.mkdtemp(prefix="kap-dask-bench-")
    os.makedirs(folder, exist_ok=True)
    t = time.time()
    gz = generate(args.build, args.mb, args.files, folder)
    gz_bytes = sum(os.path.getsize(p) for p in gz)
    plain = plain_copies(gz, folder, 4)
    print(f"archive: {len(gz)} .gz files, {gz_bytes / 1e6:.0f} MB compressed, from {args.mb} MB of log; the same "
          f"log as {len(plain)} plain files ({time.time() - t:.0f} s to make), in {folder}")
    policy = kap.Policy.load(args.policy)

    clusters = {}
    for n in (1, 2):
        t = time.time()
        c = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                     silence_logs=logging.CRITICAL)
        clusters[n] = (c, distributed.Client(c), time.time() - t)
        print(f"LocalCluster of {n} worker{'s' if n > 1 else ''} started in {clusters[n][2]:.1f} s")

    def worker_cpu(client):
        return sum(client.run(cpu_self).values())

    def run_kap(paths, j):
        c0, t0 = cpu_children(), time.perf_counter()
        out = subprocess.run([kap_bin, "replay", "-q", "-j", str(j), "-o", "json", args.policy, *paths],
                             capture_output=True, check=True).stdout
        return time.perf_counter() - t0, cpu_children() - c0, out

    def run_dask(paths, n):
        client = clusters[n][1]
        w0, s0, t0 = worker_cpu(client), cpu_self(), time.perf_counter()
        out = kd.replay(policy, paths, client=client)._format(0, 10)
        wall = time.perf_counter() - t0
        return wall, worker_cpu(client) - w0 + cpu_self() - s0, out

    cases = []
    for shape, paths in (("gz", gz), ("plain", plain)):
        cases += [(f"{shape}: kap replay -j 1", lambda p=paths: run_kap(p, 1)),
                  (f"{shape}: kap replay -j 2", lambda p=paths: run_kap(p, 2)),
                  (f"{shape}: kap.dask, 1 worker", lambda p=paths: run_dask(p, 1)),
                  (f"{shape}: kap.dask, 2 workers", lambda p=paths: run_dask(p, 2))]
    times = {name: [] for name, _ in cases}
    cpus = {name: [] for name, _ in cases}
    want = None
    load0 = os.getloadavg()[0]
    for r in range(args.runs):
        for name, fn in cases:
            wall, cpu, out = fn()
            want = want or out
            if out != want:
                sys.exit(f"{name}: the summary differs from kap replay's")
            times[name].append(wall)
            cpus[name].append(cpu)
        print(f"round {r + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f} s" for n, _ in cases), flush=True)
    events = json.loads(want)["events"]
    print(f"\n{events:,} events, {args.mb} MB of log; medians of {args.runs} rounds; load average "
          f"{load0:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores shared)\n")
    print(f"{'case':30} {'events/s':>10} {'wall s':>8} {'CPU s':>8} {'events/CPU s':>13}")
    med = {}
    for name, _ in cases:
        w, c = statistics.median(times[name]), statistics.median(cpus[name])
        med[name] = (w, c)
        print(f"{name:30} {events / w:>10,.0f} {w:>8.2f} {c:>8.2f} {events / c:>13,.0f}")
    print()
    for shape in ("gz", "plain"):
        k1, d1, d2 = (med[f"{shape}: {c}"] for c in ("kap replay -j 1", "kap.dask, 1 worker", "kap.dask, 2 workers"))
        print(f"{shape}: Dask's overhead (1 worker against kap -j 1, the same work on one core): "
              f"wall x{d1[0] / k1[0]:.2f}, CPU x{d1[1] / k1[1]:.2f}; 1 -> 2 workers: x{d1[0] / d2[0]:.2f} in "
              f"wall-clock time, CPU x{d2[1] / d1[1]:.2f}")

    # Where a worker's CPU goes, in this process without Dask: the partitions,
    # then the merge tree with 2, 4 and 8 summaries a merge.
    setup = kd._Setup(policy, None, None, None)
    c0 = cpu_self()
    sums = [kd._replay_partition(setup, part) for part in kd.partitions(gz)]
    line = f"\nin one process, the {len(sums)} .gz partitions: {cpu_self() - c0:.2f} CPU s; the merges:"
    for fanin in (2, 4, 8):
        c0, level = cpu_self(), list(sums)
        while len(level) > 1:
            level = [level[i] if i + 1 == min(i + fanin, len(level)) else kd._merge(setup, *level[i:i + fanin])
                     for i in range(0, len(level), fanin)]
        line += f" {fanin} a merge {cpu_self() - c0:.2f} s,"
    print(line.rstrip(",") + f" (kap.dask merges {kd.FANIN})")

    # The projection: a worker is one core; each of 100 goes at the rate one
    # worker showed here per CPU second on the .gz archive (the shared cores
    # make wall-clock rates lower than what a worker with a core of its own
    # does), less the CPU that working on 2 workers instead of 1 added
    # (transfers, merges), applied to all 100.
    d1, d2 = med["gz: kap.dask, 1 worker"], med["gz: kap.dask, 2 workers"]
    per_worker = args.mb * 1e6 / d1[1]  # uncompressed log bytes per CPU second, with Dask's costs
    eff = min(1.0, d1[1] / d2[1])
    ratio = args.mb * 1e6 / gz_bytes
    for label, log_bytes in (("1 TB of log (uncompressed)", 1e12),
                             (f"1 TB of .gz (x{ratio:.1f} compression, as here)", 1e12 * ratio)):
        secs = log_bytes / (per_worker * 100 * eff)
        print(f"projection, {label} on 100 workers: {secs / 60:.1f} min "
              f"({per_worker / 1e6:.0f} MB of log per worker CPU second, efficiency {eff:.2f})")
    for c, client, _ in clusters.values():
        client.close()
        c.close()
    if not args.dir:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
