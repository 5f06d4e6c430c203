"""Replay of audit-log archives on Dask distributed (``pip install kap[dask]``).

The files are cut into partitions (a ``.gz`` or ``.zst`` file whole, a plain
file in byte ranges cut at line ends), each partition is replayed by
libkap-replay on a Dask worker, and the partial summaries are merged by the
library's exact merge in a tree, in partition order: the result is the
summary ``kap replay`` gives for the same files, byte for byte::

    import distributed, kap, kap.dask
    client = distributed.Client("tcp://scheduler:8786")     # or a LocalCluster
    policy = kap.Policy.load("candidate.yaml")
    summary = kap.dask.replay(policy, ["/archive/2026-*/audit*.gz"], client=client)
    print(summary.table())

Paths are local paths (seen at the same place by the workers: a shared file
system), globs, or URLs that fsspec reads (``s3://...`` where s3fs is
installed). From a shell: ``python3 -m kap.dask replay POLICY PATH...``
(docs/dask.md).
"""

from __future__ import annotations

import glob as _glob
import hashlib
import os
import pickle
import re
import stat
import sys
import threading
import uuid
import zlib
from contextlib import redirect_stdout
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .. import Policy
from .._replay import Replay, Summary

__all__ = ["DEFAULT_BLOCKSIZE", "Partition", "expand", "partitions", "replay", "submit"]

DEFAULT_BLOCKSIZE = 64 << 20
_CUT_SCAN = 1 << 16       # bytes read at a time when looking for a line end
_GZIP, _ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"
_MAGIC = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Partition:
    """A piece of the input replayed by one task.

    path: the file as named in the summary's bad-line reports; offset and
    length: a byte range of a plain file, or 0 and 0 for the whole file;
    first: the first piece of the whole input (no request began before it);
    remote: read through fsspec rather than by libkap-replay itself."""

    path: str
    offset: int = 0
    length: int = 0
    first: bool = False
    remote: bool = False


# ---- paths and partitions (on the client) -------------------------------------------


def _is_url(path: str) -> bool:
    """A URL for fsspec (s3://..., chained ones such as simplecache::s3://...);
    file:// is a local path."""
    return "://" in path and not path.startswith("file://")


def _local(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def expand(paths: Iterable[Union[str, os.PathLike]]) -> List[str]:
    """The files named by paths, in order: a glob becomes its matches sorted
    by name (as a shell sorts them); a glob that matches nothing stays as it
    is, and is then reported as a file that cannot be read. Raises ValueError
    for "-" (standard input cannot be spread over workers)."""
    out: List[str] = []
    for p in paths:
        p = os.fspath(p)
        if not isinstance(p, str):
            p = os.fsdecode(p)
        if p == "-":
            raise ValueError("standard input cannot be spread over workers: give files, or use kap replay -")
        if _is_url(p):
            if _MAGIC.search(p.split("://", 1)[1]):
                fs, root = _fsspec_fs(p)
                prefix = p[:p.rindex("://") + 3]
                out += [prefix + m for m in sorted(fs.glob(root))] or [p]
            else:
                out.append(p)
            continue
        p = _local(p)
        if _MAGIC.search(p):
            out += sorted(_glob.glob(p)) or [p]
        else:
            out.append(p)
    return out


def _fsspec_fs(url: str):
    try:
        import fsspec.core
    except ImportError as e:  # pragma: no cover - fsspec comes with dask
        raise ValueError(f"{url}: URLs need fsspec (Debian python3-fsspec)") from e
    return fsspec.core.url_to_fs(url)


def _line_cut(f, at: int, size: int, limit: int) -> int:
    """The first line start at or after at (the byte after a newline found
    from at - 1 on), looking at most limit bytes ahead; at itself when no
    newline is that near (a very long line: the library joins the halves)."""
    f.seek(at - 1)
    seen = 0
    while seen < limit and at - 1 + seen < size:
        block = f.read(min(_CUT_SCAN, limit - seen))
        if not block:
            break
        i = block.find(b"\n")
        if i >= 0:
            return at - 1 + seen + i + 1
        seen += len(block)
    return at


def _plan_file(path: str, blocksize: int, first: bool) -> List[Partition]:
    remote = _is_url(path)
    whole = [Partition(path, 0, 0, first, remote)]
    try:
        if remote:
            fs, root = _fsspec_fs(path)
            size = int(fs.size(root) or 0)
            f = fs.open(root, "rb")
        else:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return whole  # a pipe, a device, a directory: read whole, or reported (never opened here)
            f = open(path, "rb")
            size = os.fstat(f.fileno()).st_size
    except (OSError, ValueError):
        return whole  # the task reports it, with the library's wording
    with f:
        head = f.read(4)
        if head[:2] == _GZIP or head[:4] == _ZSTD or size <= blocksize:
            return whole
        cuts = [0]
        for at in range(blocksize, size, blocksize):
            c = _line_cut(f, at, size, blocksize)
            if c > cuts[-1] and c < size:
                cuts.append(c)
    cuts.append(size)
    return [Partition(path, a, b - a, first and a == 0, remote) for a, b in zip(cuts, cuts[1:])]


def partitions(paths: Iterable[Union[str, os.PathLike]], blocksize: int = DEFAULT_BLOCKSIZE) -> List[Partition]:
    """The partitions of the files named by paths (see expand()), in order:
    a gzip or zstd file (told by its first bytes) whole, a plain file in
    byte ranges of about blocksize bytes cut at line ends."""
    if blocksize < 1:
        raise ValueError("blocksize must be at least 1")
    out: List[Partition] = []
    for path in expand(paths):
        out += _plan_file(path, blocksize, not out)
    return out


# ---- on the workers ---------------------------------------------------------------------


_LOADED: "dict[str, Tuple[Policy, Optional[Policy]]]" = {}
_LOADED_LOCK = threading.Lock()


class _Setup:
    """What every task needs to make a Replay: the policies (pickled: their
    source bytes, names and options, loaded once per worker process) and
    the replay options. Small, so it travels with each task."""

    def __init__(self, policy: Policy, compare: Optional[Policy], window: Optional[int], max_line: Optional[int]):
        self.policies = pickle.dumps((policy, compare))
        self.key = hashlib.sha256(self.policies).hexdigest()
        self.window = window
        self.max_line = max_line

    def replay(self) -> Replay:
        with _LOADED_LOCK:
            loaded = _LOADED.get(self.key)
            if loaded is None:
                loaded = pickle.loads(self.policies)
                if len(_LOADED) >= 8:
                    _LOADED.pop(next(iter(_LOADED)))
                _LOADED[self.key] = loaded
        policy, compare = loaded
        return Replay(policy, compare=compare, window=self.window, max_line=self.max_line)


def _replay_partition(setup: _Setup, part: Partition) -> Summary:
    with setup.replay() as r:
        if not part.remote:
            return r.replay_file(part.path, part.offset, part.length, stream_start=part.first)
        return _replay_remote(r, part)


def _merge(setup: _Setup, first: Summary, *rest: Summary) -> Summary:
    """first, then each of rest, merged: the summary of their bytes in order."""
    # Dask keeps its results and gives them again to a task it runs again
    # (after a worker died): the merge works on a copy, never on first itself.
    into = Summary.from_bytes(first.to_bytes())
    with setup.replay() as r:
        return r.merge(into, *rest)


# Files read through fsspec: the bytes are fed to the library here, so a
# compressed one is decompressed here (gzip members one after the other, as
# libkap-replay reads them; zstd with the zstandard module where installed).

_READ = 1 << 20


def _chunks(f, length: int) -> Iterator[bytes]:
    left = length if length else -1
    while left:
        block = f.read(_READ if left < 0 else min(_READ, left))
        if not block:
            return
        if left > 0:
            left -= len(block)
        yield block


def _gunzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    d = zlib.decompressobj(31)
    pending = False
    for c in chunks:
        while c:
            pending = True
            yield d.decompress(c)
            if not d.eof:
                break
            c, pending = d.unused_data, False
            d = zlib.decompressobj(31)
    if pending:
        raise _StreamError("gzip: unexpected end of data (truncated file)")


def _unzstd(chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        import zstandard
    except ImportError:
        raise _StreamError("zstd: reading a zstd file from a URL needs the Python module zstandard") from None
    d = zstandard.ZstdDecompressor().decompressobj()
    pending = False
    for c in chunks:
        while c:
            pending = True
            try:
                yield d.decompress(c)
            except zstandard.ZstdError as e:
                raise _StreamError(f"zstd: {e}") from None
            if not d.eof:
                break
            c, pending = d.unused_data, False
            d = zstandard.ZstdDecompressor().decompressobj()
    if pending:
        raise _StreamError("zstd: unexpected end of data (truncated file)")


class _StreamError(Exception):
    pass


def _replay_remote(r: Replay, part: Partition) -> Summary:
    fs, root = _fsspec_fs(part.path)
    r.begin(part.path, source_start=part.offset == 0, stream_start=part.first)
    try:
        f = fs.open(root, "rb")
    except (OSError, ValueError) as e:
        r.report(f"cannot open: {e}")
        r.end(True)
        return r.summary()
    with f:
        try:
            if part.length:
                f.seek(part.offset)
                size = int(fs.size(root) or 0)
                for block in _chunks(f, part.length):
                    r.feed(block)
                r.end(part.offset + part.length >= size)
                return r.summary()
            chunks = _chunks(f, 0)
            head = next(chunks, b"")
            rest = _prepend(head, chunks)
            if head[:2] == _GZIP:
                rest = _gunzip(rest)
            elif head[:4] == _ZSTD:
                rest = _unzstd(rest)
            for block in rest:
                r.feed(block)
        except (OSError, zlib.error, _StreamError) as e:
            r.report(str(e) if isinstance(e, _StreamError) else f"gzip: {e}" if isinstance(e, zlib.error)
                     else f"read: {e}")
    r.end(True)
    return r.summary()


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


# ---- the whole run -----------------------------------------------------------------------


FANIN = 8


def _tree(client: Any, setup: _Setup, level: Sequence[Any], token: str, fanin: int = FANIN) -> Any:
    """Neighbours merged fanin at a time, level after level: in order, in a
    tree of depth log_fanin(partitions). A summary that does not start the
    log carries the first events of its requests (what a merge takes back
    when they turn out to continue earlier ones), so wide merges, which copy
    and walk these once per level, cost less CPU than pairs."""
    level, depth = list(level), 0
    while len(level) > 1:
        depth += 1
        level = [level[i] if i + 1 == min(i + fanin, len(level)) else
                 client.submit(_merge, setup, *level[i:i + fanin], key=f"kap-merge-{depth}.{i // fanin}-{token}")
                 for i in range(0, len(level), fanin)]
    return level[0]


def submit(policy: Policy, paths: Iterable[Union[str, os.PathLike]], client: Any = None,
           compare: Optional[Policy] = None, window: Optional[int] = None, max_line: Optional[int] = None,
           blocksize: int = DEFAULT_BLOCKSIZE) -> Any:
    """As replay(), without waiting: the Dask future of the Summary. Its
    tasks are named kap-partition-I-TOKEN (partition I, in order) and
    kap-merge-DEPTH.I-TOKEN (the tree's merges), as the dashboard shows them."""
    setup = _Setup(policy, compare, window, max_line)  # pickles the policies: fails here, before any task
    parts = partitions(paths, blocksize)
    if not parts:
        raise ValueError("no file to replay")
    if client is None:
        import distributed
        client = distributed.get_client()
    token = uuid.uuid4().hex
    futures = [client.submit(_replay_partition, setup, p, key=f"kap-partition-{i}-{token}")
               for i, p in enumerate(parts)]
    return _tree(client, setup, futures, token)


def replay(policy: Policy, paths: Iterable[Union[str, os.PathLike]], client: Any = None,
           compare: Optional[Policy] = None, window: Optional[int] = None, max_line: Optional[int] = None,
           blocksize: int = DEFAULT_BLOCKSIZE, progress: bool = False) -> Summary:
    """The files named by paths replayed through policy on a Dask cluster
    (client: a distributed.Client; None: the current one), as one Summary
    equal to kap.replay_files() over the same files. progress: Dask's
    progress bar on standard error. Bad input is counted in the summary, a
    file that cannot be read included; a task that fails (a worker that
    died too often, a library error) raises its exception here."""
    root = submit(policy, paths, client, compare, window, max_line, blocksize)
    if progress:
        import distributed
        with redirect_stdout(sys.stderr):  # its bar is drawn on standard output
            distributed.progress(root, multi=False)
    return root.result()
