"""Replay of kube-apiserver audit logs through a policy (libkap-replay).

    import kap
    policy = kap.Policy.load("candidate.yaml")
    summary = kap.replay_files(policy, ["audit.log", "audit.log.1.gz"])
    print(summary.table())
    counts = summary.counts()            # events, requests, levels, bytes ...

Pieces of a log replayed apart (other processes, other machines) merge
exactly, in order, into the summary of the whole:

    r = kap.Replay(policy)
    a = r.replay_file("audit.log", offset=0, length=1 << 30, stream_start=True)
    b = r.replay_file("audit.log", offset=1 << 30)          # cut anywhere
    whole = r.merge(a, b)                                    # a, then b
    data = whole.to_bytes(); again = kap.Summary.from_bytes(data)

Summaries pickle as their bytes. The C library is libkap-replay, found
through $KAP_REPLAY_LIBRARY, a copy bundled in this package, the folder of
the libkap in use, or ctypes.util.find_library("kap-replay").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from typing import Any, BinaryIO, Dict, Iterable, List, Optional, Union

from . import Policy, _lib

_OK, _EINVALID, _EIO, _ENOMEM, _ELIMIT, _EARG, _EPARSE = 0, -1, -2, -3, -4, -5, -6
_SOURCE_START, _STREAM_START, _SOURCE_END = 1, 2, 4
_LEVELS = ["None", "Metadata", "Request", "RequestResponse"]

__all__ = ["Replay", "ReplayError", "Summary", "replay_files"]


class ReplayError(Exception):
    """A replay could not be done (not bad input, which is counted: a misuse,
    summaries that do not follow each other, an output that failed)."""


class _Options(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("compare", ctypes.c_void_p), ("window", ctypes.c_uint64),
                ("max_line", ctypes.c_size_t)]


class _Counts(ctypes.Structure):
    _fields_ = [("events", ctypes.c_uint64), ("requests", ctypes.c_uint64), ("bad_lines", ctypes.c_uint64),
                ("bytes_in", ctypes.c_uint64), ("bytes_out", ctypes.c_uint64), ("levels", ctypes.c_uint64 * 4),
                ("recorded", ctypes.c_uint64 * 4), ("under_recorded", ctypes.c_uint64),
                ("open_requests", ctypes.c_uint64), ("events_kept", ctypes.c_uint64)]


_WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)

_rlib = None
_rlib_lock = threading.Lock()


def _candidates() -> List[str]:
    out = []
    env = os.environ.get("KAP_REPLAY_LIBRARY")
    if env:
        out.append(env)
    here = os.path.dirname(os.path.abspath(__file__))
    out += [os.path.join(here, n) for n in sorted(os.listdir(here)) if n.startswith("libkap-replay.so")]
    beside = os.path.dirname(os.path.realpath(_lib._name)) if _lib._name and os.sep in _lib._name else None
    if beside:
        out += [os.path.join(beside, n) for n in ("libkap-replay.so", "libkap-replay.so.0")]
    found = ctypes.util.find_library("kap-replay")
    if found:
        out.append(found)
    return out


def _library() -> ctypes.CDLL:
    global _rlib
    with _rlib_lock:
        if _rlib is not None:
            return _rlib
        errors = []
        for path in _candidates():
            try:
                lib = ctypes.CDLL(path)
                break
            except OSError as e:
                errors.append(f"  {path}: {e}")
        else:
            raise ImportError("kap: cannot load libkap-replay (the replay library). Tried:\n" +
                              ("\n".join(errors) or "  nothing found") +
                              "\nSet KAP_REPLAY_LIBRARY to build/libkap-replay.so, or install libkap.")
        vp, sz, u64 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint64
        sigs = {
            "kap_replay_options_init": (None, [ctypes.POINTER(_Options)]),
            "kap_replay_new": (ctypes.c_int, [ctypes.POINTER(vp), vp, ctypes.POINTER(_Options)]),
            "kap_replay_free": (None, [vp]),
            "kap_replay_set_output": (None, [vp, _WRITE_FN, vp]),
            "kap_replay_begin": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_uint]),
            "kap_replay_feed": (ctypes.c_int, [vp, ctypes.c_char_p, sz]),
            "kap_replay_end": (ctypes.c_int, [vp, ctypes.c_uint]),
            "kap_replay_report": (ctypes.c_int, [vp, ctypes.c_char_p]),
            "kap_replay_file": (ctypes.c_int, [vp, ctypes.c_char_p, u64, u64, ctypes.c_uint]),
            "kap_replay_take_summary": (ctypes.c_int, [vp, ctypes.POINTER(vp)]),
            "kap_replay_merge": (ctypes.c_int, [vp, vp, vp]),
            "kap_replay_summary_free": (None, [vp]),
            "kap_replay_summary_save": (ctypes.c_int, [vp, ctypes.POINTER(vp), ctypes.POINTER(sz)]),
            "kap_replay_summary_load": (ctypes.c_int, [ctypes.POINTER(vp), ctypes.c_char_p, sz]),
            "kap_replay_bytes_free": (None, [vp]),
            "kap_replay_summary_format": (ctypes.c_int, [vp, ctypes.c_int, sz, ctypes.POINTER(vp),
                                                         ctypes.POINTER(sz)]),
            "kap_replay_summary_counts": (ctypes.c_int, [vp, ctypes.POINTER(_Counts)]),
            "kap_replay_files": (ctypes.c_int, [ctypes.POINTER(vp), vp, ctypes.POINTER(_Options),
                                                ctypes.POINTER(ctypes.c_char_p), sz, ctypes.c_uint, _WRITE_FN, vp,
                                                vp, vp]),
        }
        for name, (res, args) in sigs.items():
            fn = getattr(lib, name)
            fn.restype = res
            fn.argtypes = args
        _rlib = lib
        return lib


def _check(rc: int, what: str) -> None:
    if rc == _OK:
        return
    if rc == _ENOMEM:
        raise MemoryError(f"libkap-replay: out of memory in {what}")
    if rc == _EIO:
        raise ReplayError(f"{what}: writing the output failed")
    if rc == _EINVALID:
        raise ReplayError(f"{what}: the summaries are not from the same policies and options, or do not follow "
                          "each other")
    raise ReplayError(f"{what}: libkap-replay status {rc}")


def _options(compare: Optional[Policy], window: Optional[int], max_line: Optional[int]):
    lib = _library()
    o = _Options()
    lib.kap_replay_options_init(ctypes.byref(o))
    if compare is not None:
        o.compare = compare._enter()
    if window:
        o.window = int(window)
    if max_line:
        o.max_line = int(max_line)
    return o


def _writer(output: Optional[BinaryIO]):
    """A C callback that writes into output (a binary file), or a null one."""
    if output is None:
        return _WRITE_FN(), None
    failure: List[BaseException] = []

    def write(_ctx, data, n):
        try:
            output.write(ctypes.string_at(data, n))
            return 0
        except BaseException as e:  # noqa: B902 - handed back after the call
            failure.append(e)
            return 1
    return _WRITE_FN(write), failure


class Summary:
    """What a replay found: counts, per-rule figures, top lists, bad lines."""

    def __init__(self, handle: int):
        self._h = handle

    def __del__(self) -> None:
        h, self._h = getattr(self, "_h", None), None
        if h and _rlib is not None:
            _rlib.kap_replay_summary_free(h)

    def _format(self, fmt: int, top: int) -> bytes:
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        _check(_library().kap_replay_summary_format(self._h, fmt, top, ctypes.byref(out), ctypes.byref(n)), "format")
        try:
            return ctypes.string_at(out, n.value)
        finally:
            _rlib.kap_replay_bytes_free(out)

    def _text(self, fmt: int, top: int) -> str:
        return self._format(fmt, top).decode("utf-8", "replace")

    def json(self, top: int = 10) -> str:
        """The summary as `kap replay -o json` prints it (one line, keys in a fixed order)."""
        return self._text(0, top)

    def to_dict(self, top: int = 10) -> Dict[str, Any]:
        import json
        return json.loads(self.json(top))

    def table(self, top: int = 10) -> str:
        """The summary as `kap replay` prints it."""
        return self._text(1, top)

    def counts(self) -> Dict[str, Any]:
        c = _Counts()
        _check(_library().kap_replay_summary_counts(self._h, ctypes.byref(c)), "counts")
        out: Dict[str, Any] = {k: getattr(c, k) for k, _ in _Counts._fields_ if k not in ("levels", "recorded")}
        out["levels"] = dict(zip(_LEVELS, c.levels))
        out["recorded"] = dict(zip(_LEVELS, c.recorded))
        return out

    def to_bytes(self) -> bytes:
        """Canonical bytes: equal summaries give equal bytes."""
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        _check(_library().kap_replay_summary_save(self._h, ctypes.byref(out), ctypes.byref(n)), "save")
        try:
            return ctypes.string_at(out, n.value)
        finally:
            _rlib.kap_replay_bytes_free(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Summary":
        h = ctypes.c_void_p()
        rc = _library().kap_replay_summary_load(ctypes.byref(h), bytes(data), len(data))
        if rc == _EPARSE:
            raise ValueError("not the bytes of a replay summary (or from another version)")
        _check(rc, "load")
        return cls(h.value)

    def __reduce__(self):
        return (Summary.from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Summary) and self.to_bytes() == other.to_bytes()

    def __repr__(self) -> str:
        c = self.counts()
        return f"<kap.Summary {c['events']} events, {c['requests']} requests, {c['bad_lines']} bad lines>"


class Replay:
    """A replay through policy (and compare, decided beside it).

    One object is used by one thread at a time; several may share policies.
    output: a binary file that receives the log as the policy would have
    written it (for what goes through this object: files, feeds, merges)."""

    def __init__(self, policy: Policy, compare: Optional[Policy] = None, window: Optional[int] = None,
                 max_line: Optional[int] = None, output: Optional[BinaryIO] = None):
        lib = _library()
        self._policies = (policy, compare)
        h = ctypes.c_void_p()
        ph = policy._enter()
        try:
            opts = _options(compare, window, max_line)
            try:
                _check(lib.kap_replay_new(ctypes.byref(h), ph, ctypes.byref(opts)), "kap_replay_new")
            finally:
                if compare is not None:
                    compare._leave()
        finally:
            policy._leave()
        self._h = h.value
        self._fn, self._failure = _writer(output)
        lib.kap_replay_set_output(self._h, self._fn, None)

    def close(self) -> None:
        h, self._h = getattr(self, "_h", None), None
        if h:
            _rlib.kap_replay_free(h)

    __del__ = close

    def __enter__(self) -> "Replay":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, what: str, rc: int) -> None:
        if self._failure:
            e = self._failure.pop()
            raise ReplayError(f"{what}: writing the output failed: {e}") from e
        _check(rc, what)

    def begin(self, name: str, source_start: bool = True, stream_start: bool = False) -> None:
        flags = (_SOURCE_START if source_start else 0) | (_STREAM_START if stream_start else 0)
        self._call("begin", _rlib.kap_replay_begin(self._h, os.fsencode(name), flags))

    def feed(self, data: bytes) -> None:
        """Replays bytes of JSON lines (a line may span calls)."""
        b = bytes(data)
        self._call("feed", _rlib.kap_replay_feed(self._h, b, len(b)))

    def end(self, source_end: bool = True) -> None:
        self._call("end", _rlib.kap_replay_end(self._h, _SOURCE_END if source_end else 0))

    def report(self, message: str) -> None:
        """Counts a problem of the current source that is not a line (an unreadable file)."""
        self._call("report", _rlib.kap_replay_report(self._h, message.encode("utf-8", "replace")))

    def summary(self) -> Summary:
        """The summary of what went through since the last call."""
        h = ctypes.c_void_p()
        self._call("summary", _rlib.kap_replay_take_summary(self._h, ctypes.byref(h)))
        return Summary(h.value)

    def replay_file(self, path: Union[str, os.PathLike], offset: int = 0, length: int = 0,
                    stream_start: bool = False) -> Summary:
        """A file (plain, gzip or zstd; "-" is standard input), or the byte range
        [offset, offset + length) of a plain file (length 0: to its end), as one
        summary. Cut a plain file anywhere: the summaries of the pieces merge
        into the summary of the file."""
        self._call("replay_file", _rlib.kap_replay_file(self._h, os.fsencode(path), offset, length,
                                                        _STREAM_START if stream_start else 0))
        return self.summary()

    def replay_bytes(self, data: bytes, name: str = "<bytes>", source_start: bool = True,
                     source_end: bool = True, stream_start: bool = False) -> Summary:
        self.begin(name, source_start, stream_start)
        self.feed(data)
        self.end(source_end)
        return self.summary()

    def merge(self, first: Summary, *rest: Summary) -> Summary:
        """first, then each of rest (the bytes after it), merged into first,
        which is returned. A line cut between two pieces is replayed here."""
        for s in rest:
            self._call("merge", _rlib.kap_replay_merge(self._h, first._h, s._h))
        return first


def replay_files(policy: Policy, paths: Iterable[Union[str, os.PathLike]], threads: int = 0,
                 compare: Optional[Policy] = None, window: Optional[int] = None, max_line: Optional[int] = None,
                 output: Optional[BinaryIO] = None) -> Summary:
    """Files one after the other (as `kap replay`), with threads threads
    (0: one per core). The GIL is released while they run."""
    lib = _library()
    names = [os.fsencode(p) for p in paths]
    arr = (ctypes.c_char_p * max(1, len(names)))(*names)
    fn, failure = _writer(output)
    h = ctypes.c_void_p()
    ph = policy._enter()
    try:
        opts = _options(compare, window, max_line)
        try:
            rc = lib.kap_replay_files(ctypes.byref(h), ph, ctypes.byref(opts), arr, len(names), threads, fn, None,
                                      None, None)
        finally:
            if compare is not None:
                compare._leave()
    finally:
        policy._leave()
    if failure:
        raise ReplayError(f"writing the output failed: {failure[0]}") from failure[0]
    _check(rc, "replay_files")
    return Summary(h.value)
