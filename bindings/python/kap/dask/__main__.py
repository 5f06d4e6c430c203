"""python3 -m kap.dask replay POLICY PATH...: kap replay on Dask distributed.

The same summary as `kap replay` (the table, or -o json byte for byte),
computed by the workers of a Dask cluster: a local one started here (one
worker process per core, or --workers N), or an existing one
(--scheduler tcp://HOST:PORT, or $DASK_SCHEDULER_ADDRESS). See docs/dask.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import re
import sys
from typing import List, Optional

PROG = "python3 -m kap.dask"
NAME = "kap.dask replay"

_SIZE = re.compile(r"^([0-9]+)([kKmMgG]?)(i?B)?$")


def _size(text: str) -> int:
    m = _SIZE.match(text)
    if not m or int(m.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"takes a number of bytes (with k, M or G), not '{text}'")
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]


def _ranged(lo: int, hi: int, what: str):
    def parse(text: str) -> int:
        if not text.isdigit() or not lo <= int(text) <= hi:
            raise argparse.ArgumentTypeError(f"takes {what}, not '{text}'")
        return int(text)
    return parse


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description="libkap on Dask distributed.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser(
        "replay", prog=f"{PROG} replay", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="kap replay over a Dask cluster",
        description="Replays kube-apiserver audit logs through POLICY on a Dask cluster, with the\n"
                    "summary of `kap replay` (the same table; -o json byte for byte). PATHs are\n"
                    "files, globs or fsspec URLs; a .gz or .zst file is one partition, a plain\n"
                    "file is cut at line ends into partitions of --blocksize bytes.",
        epilog="Without --scheduler (or $DASK_SCHEDULER_ADDRESS) a local cluster of --workers\n"
               "processes is started. Exit status: 0 when the logs were replayed (bad lines and\n"
               "unreadable files included, counted in the summary), 1 when a policy does not\n"
               "load or the cluster failed, 2 for a usage error.")
    p.add_argument("-o", "--output", choices=["table", "json"], default="table",
                   help="table (default) or json (the bytes of kap replay -o json)")
    p.add_argument("--compare", metavar="POLICY", help="a second policy decided beside the first")
    p.add_argument("--top", type=_ranged(1, 100000, "1 to 100000"), default=10, metavar="N",
                   help="entries in each top list (default 10)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no warnings, no cluster address")
    p.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                   help="Dask's progress bar on standard error: auto (on a terminal), always or never")
    p.add_argument("--kube-version", metavar="1.N", help="load the policies as this kube-apiserver version")
    p.add_argument("--window", type=_ranged(1, 1 << 62, "a number of events"), metavar="EVENTS",
                   help="a request still open gets no more events after this many events (default 1000000)")
    p.add_argument("--max-line", type=_ranged(1, 1 << 40, "a number of bytes"), metavar="BYTES",
                   help="longer lines are bad input (default 16 MiB)")
    p.add_argument("--workers", type=_ranged(1, 4096, "1 to 4096"), metavar="N",
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="an existing cluster's scheduler, tcp://HOST:PORT (default: $DASK_SCHEDULER_ADDRESS, "
                        "else a local cluster)")
    p.add_argument("--blocksize", type=_size, default=None, metavar="BYTES",
                   help="partition size for plain files (default 64M)")
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("paths", metavar="PATH", nargs="+")
    return top


def _warn(quiet: bool, text: str) -> None:
    if not quiet:
        print(f"{NAME}: {text}", file=sys.stderr, flush=True)


def _load(path: str, kube_version: Optional[str], quiet: bool):
    import kap
    try:
        policy = kap.Policy.load(path, kube_version=kube_version)
    except kap.PolicyError as e:
        print(f"{NAME}: {path}: {e}", file=sys.stderr)
        return None
    if policy.warning_text:
        _warn(quiet, f"{path}: warning: {policy.warning_text}")
    return policy


def _cluster(args):
    """A client of the cluster asked for, and the local cluster when one was
    started here (to close), or an error text."""
    import distributed
    address = args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        try:
            return distributed.Client(address, timeout="30s"), None
        except (OSError, TimeoutError) as e:
            raise RuntimeError(f"cannot reach the scheduler at {address}: {e}") from None
    n = args.workers or os.cpu_count() or 1
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=":8787", silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    if "dashboard" in (cluster.scheduler_info.get("services") or {}):
        dashboard = f"dashboard {cluster.dashboard_link}"
        if importlib.util.find_spec("bokeh") is None:
            dashboard += " (its plots need bokeh: Debian python3-bokeh)"
    else:
        dashboard = "no dashboard"
    _warn(args.quiet, f"local cluster of {n} worker{'s' if n != 1 else ''} at {cluster.scheduler_address}; "
                      f"{dashboard}")
    return client, cluster


def replay(argv: List[str]) -> int:
    args = _parser().parse_args(["replay", *argv])
    if args.kube_version is not None and not re.match(r"^1\.[0-9]+$", args.kube_version):
        print(f"{NAME}: --kube-version takes 1.N, not '{args.kube_version}'", file=sys.stderr)
        return 2
    try:
        import distributed  # noqa: F401
    except ImportError:
        print(f"{NAME}: Dask distributed is not installed (Debian python3-distributed, or pip install "
              "'kap[dask]')", file=sys.stderr)
        return 1
    import kap
    import kap.dask as kd

    # the policies first: one that does not load stops everything, before a
    # cluster is started or a task scheduled
    try:
        policy = _load(args.policy, args.kube_version, args.quiet)
        compare = _load(args.compare, args.kube_version, args.quiet) if args.compare else None
    except ValueError as e:  # --kube-version out of range
        print(f"{NAME}: --kube-version: {e}", file=sys.stderr)
        return 2
    if policy is None or (args.compare and compare is None):
        return 1
    try:
        kd.expand(args.paths)
    except ValueError as e:
        print(f"{NAME}: {e}", file=sys.stderr)
        return 2

    show = not args.quiet and args.progress != "never" and (args.progress == "always" or sys.stderr.isatty())
    client = cluster = None
    try:
        client, cluster = _cluster(args)
        summary = kd.replay(policy, args.paths, client=client, compare=compare, window=args.window,
                            max_line=args.max_line, blocksize=args.blocksize or kd.DEFAULT_BLOCKSIZE, progress=show)
    except KeyboardInterrupt:
        print(f"{NAME}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - a failed run says why and exits 1
        text = str(e) or type(e).__name__
        if isinstance(e, ModuleNotFoundError) or "No module named 'kap'" in text:
            text += " (the workers need the kap package and libkap: see docs/dask.md)"
        print(f"{NAME}: {type(e).__name__}: {text}", file=sys.stderr)
        return 1
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    out = summary._format(0 if args.output == "json" else 1, args.top)
    try:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    except OSError as e:
        print(f"{NAME}: standard output: {e.strerror or e}", file=sys.stderr)
        return 1
    bad = summary.counts()["bad_lines"]
    if bad and args.output == "json":
        _warn(args.quiet, f"{bad} bad lines (see \"bad\")")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        _parser().print_help()
        return 0 if argv else 2
    if argv[0] != "replay":
        print(f"{PROG}: unknown command '{argv[0]}' (there is: replay)", file=sys.stderr)
        return 2
    return replay(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
