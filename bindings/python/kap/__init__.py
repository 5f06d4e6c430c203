"""Kubernetes audit policies, loaded and decided exactly as kube-apiserver does.

A pure-Python binding to libkap over ctypes::

    import kap
    with kap.Policy.load("/etc/kubernetes/audit-policy.yaml") as policy:
        d = policy.match(user="alice", verb="get", namespace="default", resource="pods")
        print(d.level, d.rule, sorted(d.omit_stages))

The shared library is found through, in order: the ``KAP_LIBRARY``
environment variable, a copy bundled inside this package, and
``ctypes.util.find_library("kap")``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import json
import marshal
import os
import pickle
import sys
import threading
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

__version__ = "0.1.0"
__all__ = [
    "Decision",
    "Diagnostic",
    "Explanation",
    "Finding",
    "Level",
    "ManifestCheck",
    "ManifestError",
    "ManifestFix",
    "ManifestReport",
    "NoAuditEvent",
    "Policy",
    "PolicyError",
    "RuleExplanation",
    "library_version",
    "request_info",
    "check_manifest",
    "fix_manifest",
    "__version__",
]

# The library versions this package supports: same major, at least this minor.
_SUPPORTED_MAJOR = 0
_MIN_MINOR = 1

_OK, _EINVALID, _EIO, _ENOMEM, _ELIMIT, _EARG, _EPARSE = 0, -1, -2, -3, -4, -5, -6
_REQUEST_VERSION = 1
_OPTIONS_VERSION = 1
_MAX_POLICY_FILE = 64 << 20  # KAP_DEFAULT_MAX_FILE_SIZE


# ---- finding and checking the library ---------------------------------------------


def _candidates() -> List[Tuple[str, str]]:
    tried = []
    env = os.environ.get("KAP_LIBRARY")
    if env:
        tried.append(("KAP_LIBRARY", env))
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.startswith("libkap.so") or name.startswith("libkap.") and name.endswith(".dylib"):
            tried.append(("bundled", os.path.join(here, name)))
    found = ctypes.util.find_library("kap")
    tried.append(("find_library", found or "kap (not found by ctypes.util.find_library)"))
    return tried


def _load_library() -> ctypes.CDLL:
    errors = []
    for how, path in _candidates():
        if how == "find_library" and not ctypes.util.find_library("kap"):
            errors.append(f"  {how}: libkap is not installed where the system linker looks")
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"  {how}: {path}: {e}")
    raise ImportError(
        "kap: cannot load the libkap shared library. Tried:\n"
        + "\n".join(errors)
        + "\nSet KAP_LIBRARY to the path of libkap.so (for example build/libkap.so after "
        "'cmake --build build'), or install libkap (cmake --install build)."
    )


_lib = _load_library()


class _Request(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("user", ctypes.c_char_p),
        ("groups", ctypes.POINTER(ctypes.c_char_p)),
        ("n_groups", ctypes.c_size_t),
        ("verb", ctypes.c_char_p),
        ("ns", ctypes.c_char_p),
        ("api_group", ctypes.c_char_p),
        ("api_version", ctypes.c_char_p),
        ("resource", ctypes.c_char_p),
        ("subresource", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("path", ctypes.c_char_p),
        ("resource_request", ctypes.c_int),
    ]


class _Str(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class _RequestN(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("user", _Str),
        ("groups", ctypes.POINTER(_Str)),
        ("n_groups", ctypes.c_size_t),
        ("verb", _Str),
        ("ns", _Str),
        ("api_group", _Str),
        ("api_version", _Str),
        ("resource", _Str),
        ("subresource", _Str),
        ("name", _Str),
        ("path", _Str),
        ("resource_request", ctypes.c_int),
    ]


def _str(b):
    """A kap_str for bytes (NUL kept) or None (absent)."""
    return _Str(None, 0) if b is None else _Str(b, len(b))


class _Decision(ctypes.Structure):
    _fields_ = [
        ("level", ctypes.c_int),
        ("omit_stages", ctypes.c_uint),
        ("omit_managed_fields", ctypes.c_int),
        ("rule", ctypes.c_int),
    ]


class _Diag(ctypes.Structure):
    _fields_ = [
        ("severity", ctypes.c_int),
        ("message", ctypes.c_char_p),
        ("field", ctypes.c_char_p),
        ("line", ctypes.c_uint),
        ("column", ctypes.c_uint),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("kube_minor", ctypes.c_uint),
        ("max_file_size", ctypes.c_size_t),
        ("max_depth", ctypes.c_size_t),
        ("max_alias_nodes", ctypes.c_size_t),
        ("max_rules", ctypes.c_size_t),
        ("max_string_length", ctypes.c_size_t),
    ]


def _sig(name, restype, *argtypes):
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_vp = ctypes.c_void_p
_version = _sig("kap_version", ctypes.c_char_p)
_version_number = _sig("kap_version_number", ctypes.c_uint)
_options_init = _sig("kap_options_init", None, ctypes.POINTER(_Options))
_load = _sig("kap_policy_load", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.POINTER(_Options),
             ctypes.POINTER(_vp))
_load_buffer = _sig("kap_policy_load_buffer", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.c_size_t,
                    ctypes.c_char_p, ctypes.POINTER(_Options), ctypes.POINTER(_vp))
_free = _sig("kap_policy_free", None, _vp)
_rule_count = _sig("kap_policy_rule_count", ctypes.c_size_t, _vp)
_match = _sig("kap_policy_match", ctypes.c_int, _vp, ctypes.POINTER(_Request), ctypes.POINTER(_Decision))
_match_n = _sig("kap_policy_match_n", ctypes.c_int, _vp, ctypes.POINTER(_RequestN), ctypes.POINTER(_Decision))
_match_json = _sig("kap_policy_match_json", ctypes.c_int, _vp, ctypes.c_char_p, ctypes.c_size_t,
                   ctypes.POINTER(_Decision), ctypes.POINTER(ctypes.c_int), ctypes.c_size_t,
                   ctypes.POINTER(ctypes.c_size_t))
_match_marshal = _sig("kap_policy_match_marshal", ctypes.c_int, _vp, ctypes.c_char_p, ctypes.c_size_t,
                      ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int), ctypes.c_size_t,
                      ctypes.POINTER(ctypes.c_size_t))
_reader_new = _sig("kap_request_reader_new", ctypes.c_int, ctypes.POINTER(_vp))
_reader_free = _sig("kap_request_reader_free", None, _vp)
_reader_parse_n = _sig("kap_request_reader_parse_n", ctypes.c_int, _vp, ctypes.c_char_p, ctypes.c_size_t,
                       ctypes.POINTER(_RequestN))
_reader_error = _sig("kap_request_reader_error", ctypes.c_char_p, _vp)
_rule_decision = _sig("kap_policy_rule_decision", ctypes.c_int, _vp, ctypes.c_size_t, ctypes.POINTER(_Decision))
_diags_count = _sig("kap_diagnostics_count", ctypes.c_size_t, _vp)
_diags_get = _sig("kap_diagnostics_get", ctypes.POINTER(_Diag), _vp, ctypes.c_size_t)
_diags_error = _sig("kap_diagnostics_error_text", ctypes.c_char_p, _vp)
_diags_warning = _sig("kap_diagnostics_warning_text", ctypes.c_char_p, _vp)
_diags_free = _sig("kap_diagnostics_free", None, _vp)


class _PyApi(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("type_offset", ctypes.c_size_t),
        ("str_type", ctypes.c_void_p),
        ("dict_type", ctypes.c_void_p),
        ("list_type", ctypes.c_void_p),
        ("tuple_type", ctypes.c_void_p),
        ("none_obj", ctypes.c_void_p),
        ("true_obj", ctypes.c_void_p),
        ("false_obj", ctypes.c_void_p),
        ("dict_next", ctypes.c_void_p),
        ("as_utf8", ctypes.c_void_p),
        ("err_clear", ctypes.c_void_p),
        ("list_size", ctypes.c_void_p),
        ("list_get", ctypes.c_void_p),
        ("tuple_size", ctypes.c_void_p),
        ("tuple_get", ctypes.c_void_p),
    ]


def _make_pyapi():
    """CPython's functions and objects for kap_policy_match_pyobjects, or None
    where the object layout cannot be trusted (then match_many uses marshal)."""
    if sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount") or \
            getattr(sys, "_is_gil_enabled", lambda: True)() is False:
        return None, None
    try:
        fn = getattr(ctypes.PyDLL(_lib._name), "kap_policy_match_pyobjects")
    except (OSError, AttributeError):
        return None, None
    off = ctypes.sizeof(ctypes.c_ssize_t)
    # the layout check: ob_type sits right after the reference count
    for sample in ("x", {}, [], (1,), None, True):
        if ctypes.c_void_p.from_address(id(sample) + off).value != id(type(sample)):
            return None, None
    api = _PyApi()
    api.version = 1
    api.type_offset = off
    api.str_type, api.dict_type, api.list_type, api.tuple_type = id(str), id(dict), id(list), id(tuple)
    api.none_obj, api.true_obj, api.false_obj = id(None), id(True), id(False)
    papi = ctypes.pythonapi
    for field, name in (("dict_next", "PyDict_Next"), ("as_utf8", "PyUnicode_AsUTF8AndSize"),
                        ("err_clear", "PyErr_Clear"), ("list_size", "PyList_Size"),
                        ("list_get", "PyList_GetItem"), ("tuple_size", "PyTuple_Size"),
                        ("tuple_get", "PyTuple_GetItem")):
        setattr(api, field, ctypes.cast(getattr(papi, name), ctypes.c_void_p).value)
    fn.restype = ctypes.c_int
    fn.argtypes = [_vp, ctypes.POINTER(_PyApi), ctypes.py_object, ctypes.POINTER(ctypes.c_int32),
                   ctypes.POINTER(ctypes.c_int), ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
    return fn, api


def library_version() -> str:
    """The version of the libkap shared library in use, e.g. "0.1.0"."""
    return _version().decode()


def _check_version() -> None:
    n = _version_number()
    major, minor = n >> 16, (n >> 8) & 0xFF
    if major != _SUPPORTED_MAJOR or minor < _MIN_MINOR:
        raise ImportError(
            f"kap {__version__} needs libkap {_SUPPORTED_MAJOR}.x with x >= {_MIN_MINOR}, "
            f"but loaded libkap {library_version()} from {_lib._name}"
        )


_check_version()
_match_pyobjects, _PYAPI = _make_pyapi()


# ---- results ------------------------------------------------------------------------


class Level(str, enum.Enum):
    """An audit level. The value is kube-apiserver's spelling."""

    NONE = "None"
    METADATA = "Metadata"
    REQUEST = "Request"
    REQUEST_RESPONSE = "RequestResponse"

    def __str__(self) -> str:
        return self.value


_LEVELS = [Level.NONE, Level.METADATA, Level.REQUEST, Level.REQUEST_RESPONSE]
_STAGE_BITS = [(1, "RequestReceived"), (2, "ResponseStarted"), (4, "ResponseComplete"), (8, "Panic")]
_STAGE_SETS = [frozenset(name for bit, name in _STAGE_BITS if mask & bit) for mask in range(16)]


@dataclass(frozen=True)
class Decision:
    """What kube-apiserver records for a request.

    level: the audit level; omit_stages: the stages not recorded;
    omit_managed_fields: whether managedFields are dropped from bodies;
    rule: the 0-based index of the deciding rule, or None when none did.
    """

    level: Level
    omit_stages: FrozenSet[str]
    omit_managed_fields: bool
    rule: Optional[int]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found while loading a policy (line and column are 1-based, 0 if unknown)."""

    severity: str
    field: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return self.message


class PolicyError(Exception):
    """The policy does not load. str() is kube-apiserver's error text."""

    def __init__(self, message: str, diagnostics: List[Diagnostic], status: int):
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics
        self.status = status

    def __str__(self) -> str:
        return self.message


def _read_diags(d) -> Tuple[List[Diagnostic], Optional[str], Optional[str]]:
    out = []
    for i in range(_diags_count(d)):
        g = _diags_get(d, i).contents
        out.append(
            Diagnostic(
                severity="error" if g.severity == 0 else "warning",
                field=(g.field or b"").decode("utf-8", "replace"),
                line=g.line,
                column=g.column,
                message=(g.message or b"").decode("utf-8", "replace"),
            )
        )
    err = _diags_error(d)
    warn = _diags_warning(d)
    return (out, err.decode("utf-8", "replace") if err else None, warn.decode("utf-8", "replace") if warn else None)


def _options(kube_version: Optional[str]):
    if kube_version is None:
        return None
    if not isinstance(kube_version, str):
        raise TypeError("kube_version must be a string such as '1.30'")
    minor = kube_version[2:] if kube_version.startswith("1.") else kube_version
    if not minor.isdigit() or not 24 <= int(minor) <= 36:
        raise ValueError(f"kube_version must be 1.24 to 1.36, not {kube_version!r}")
    o = _Options()
    _options_init(ctypes.byref(o))
    o.kube_minor = int(minor)
    return ctypes.byref(o)


def _text(value: Any, name: str) -> Optional[bytes]:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return value
    raise TypeError(f"{name} must be a string, not {type(value).__name__}")


_RESULT_CACHE: Dict[Tuple[int, int, int, int], Decision] = {}


def _marshal_version(reqs: list) -> int:
    """marshal format 4 writes each object other references also point to
    once and refers back to it, which costs a hash lookup per such object;
    format 2 writes everything out. When the requests' strings are shared with
    other objects (say, keyword dicts built from them), 2 is faster."""
    shared = total = 0
    step = max(1, len(reqs) // 8)
    for i in range(0, min(len(reqs), 8 * step), step):
        r = reqs[i]  # held by the list and by r: a count above 3 means elsewhere too
        if type(r) is dict and sys.getrefcount(r) > 3:
            return 4  # the same dicts recur: format 4 writes each once
        if type(r) is dict:
            for v in r.values():
                if type(v) is str and len(v) > 1:
                    total += 1
                    shared += sys.getrefcount(v) > 3
    return 2 if total and shared * 2 > total else 4


def _decision(level: int, stages: int, omf: int, rule: int) -> Decision:
    key = (level, stages, omf, rule)
    d = _RESULT_CACHE.get(key)
    if d is None:
        d = Decision(_LEVELS[level], _STAGE_SETS[stages & 15], bool(omf), None if rule < 0 else rule)
        if len(_RESULT_CACHE) < 65536:
            _RESULT_CACHE[key] = d
    return d


# ---- policies -------------------------------------------------------------------------


def _read_policy_file(path: str) -> Optional[bytes]:
    """The bytes of a policy file, or None when the library should read it
    (it cannot be read here, or it is larger than the library accepts: the
    library's error says which)."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_POLICY_FILE + 1)
    except OSError:
        return None
    return data if len(data) <= _MAX_POLICY_FILE else None


def _unpickle_policy(data: bytes, name: str, kube_version: Optional[str], version: str) -> "Policy":
    """A pickled policy, loaded again from its source bytes. The library here
    must be the one it was loaded with: another version may decide otherwise."""
    here = library_version()
    if version != here:
        raise PolicyError(f"{name}: the policy was loaded with libkap {version}, this process has libkap {here}: "
                          "install the same version everywhere", [], _EINVALID)
    policy = Policy.from_string(data, kube_version=kube_version, name=name)
    return policy


class Policy:
    """A loaded, validated, compiled audit policy. Immutable; may be shared by threads."""

    def __init__(self, handle: int, warnings: List[Diagnostic], warning_text: Optional[str], source: str):
        self._handle = handle
        self._lock = threading.Lock()
        self._users = 0  # calls in progress, so close() waits for them
        self._idle = threading.Condition(self._lock)
        self.warnings = warnings
        self.warning_text = warning_text
        self.source = source
        # each rule always gives the same decision: index = rule, and -1
        # (the last entry) is the decision when no rule matches
        n = _rule_count(handle)
        table = []
        for i in range(n + 1):
            d = _Decision()
            _rule_decision(handle, i, ctypes.byref(d))
            table.append(_decision(d.level, d.omit_stages, d.omit_managed_fields, d.rule))
        self._by_rule = table

    @classmethod
    def _finish(cls, rc: int, handle: _vp, diags: _vp, source: str) -> "Policy":
        try:
            items, err, warn = _read_diags(diags) if diags.value else ([], None, None)
        finally:
            _diags_free(diags)
        if rc != _OK:
            if rc == _ENOMEM:
                raise MemoryError("libkap: out of memory while loading the policy")
            raise PolicyError(err or f"libkap status {rc}", items, rc)
        return cls(handle.value, [d for d in items if d.severity == "warning"], warn, source)

    @classmethod
    def load(cls, path: Union[str, os.PathLike], kube_version: Optional[str] = None) -> "Policy":
        """Loads the policy file at path, as kube-apiserver's --audit-policy-file would.

        Raises PolicyError (with .diagnostics) when kube-apiserver would refuse it,
        including when the file cannot be read.
        """
        p = os.fspath(path)
        if not isinstance(p, str):
            raise TypeError("path must be a str or os.PathLike")
        opts = _options(kube_version)
        handle, diags = _vp(), _vp()
        # The bytes are read here and kept, so that the policy pickles as what
        # was loaded (the file may change later); the library reads the file
        # itself when it cannot be read here or is too large, for its error.
        data = _read_policy_file(p)
        if data is None:
            rc = _load(ctypes.byref(handle), p.encode(), opts, ctypes.byref(diags))
        else:
            rc = _load_buffer(ctypes.byref(handle), data, len(data), p.encode(), opts, ctypes.byref(diags))
        policy = cls._finish(rc, handle, diags, p)
        policy._origin = ("file", p, kube_version, p)  # for lint() and witnesses()
        policy._pickled = (data, p, kube_version)
        return policy

    @classmethod
    def from_string(cls, text: Union[str, bytes], kube_version: Optional[str] = None,
                    name: str = "<string>") -> "Policy":
        """Loads a policy from its text (YAML or JSON)."""
        data = _text(text, "text")
        if data is None:
            raise TypeError("text must be a string, not None")
        opts = _options(kube_version)
        handle, diags = _vp(), _vp()
        rc = _load_buffer(ctypes.byref(handle), data, len(data), name.encode(), opts, ctypes.byref(diags))
        policy = cls._finish(rc, handle, diags, name)
        policy._origin = ("text", data, kube_version, name)  # for lint() and witnesses()
        policy._pickled = (data, name, kube_version)
        return policy

    # pickling: a policy travels as its source bytes, its name and its options,
    # and is loaded again where it lands (kap.dask's workers)

    def __reduce__(self):
        source = getattr(self, "_pickled", (None, None, None))
        if source[0] is None:
            raise pickle.PicklingError(f"kap.Policy {self.source!r}: its source bytes were not kept (the file "
                                       "could not be read again when it was loaded), so it cannot be pickled")
        if self.closed:
            raise pickle.PicklingError(f"kap.Policy {self.source!r} is closed")
        data, name, kube_version = source
        return (_unpickle_policy, (bytes(data), name, kube_version, library_version()))

    # analysis (kap/_lint.py)

    def lint(self) -> "List[Finding]":
        """What kube-apiserver does not tell about this policy: the findings of
        `kap lint` (docs/lint.md), in file order. A policy loaded from a file
        is read again."""
        from . import _lint
        self._enter()
        self._leave()
        return _lint.lint(self._origin)

    def witnesses(self) -> List[Dict[str, Any]]:
        """For every rule that decides some request, one request it decides:
        a dict in the formats.md request form plus "witness" (the rule's
        index), in rule order. Rules that never decide a request have none."""
        from . import _lint
        self._enter()
        self._leave()
        return _lint.witnesses(self._origin)

    # lifetime

    def _enter(self) -> int:
        with self._lock:
            if not self._handle:
                raise ValueError("the policy is closed")
            self._users += 1
            return self._handle

    def _leave(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._idle.notify_all()

    def close(self) -> None:
        """Frees the policy; later calls raise ValueError. Waits for calls in progress."""
        with self._lock:
            while self._users:
                self._idle.wait()
            h, self._handle = self._handle, 0
        if h:
            _free(h)

    def __enter__(self) -> "Policy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        h = getattr(self, "_handle", 0)
        if h:
            self._handle = 0
            _free(h)

    @property
    def closed(self) -> bool:
        return not self._handle

    def __len__(self) -> int:
        h = self._enter()
        try:
            return _rule_count(h)
        finally:
            self._leave()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self)} rules"
        return f"<kap.Policy {self.source!r} {state}>"

    # deciding

    def match(self, user: Optional[str] = None, groups: Sequence[str] = (), verb: str = "",
              namespace: str = "", api_group: str = "", api_version: str = "", resource: str = "",
              subresource: str = "", name: str = "", path: str = "",
              resource_request: Optional[bool] = None) -> Decision:
        """Decides one request. user=None means "no user" (authentication failed).

        resource_request defaults to True when a resource is given.
        """
        if isinstance(user, Mapping):
            raise TypeError("match() takes a request's fields as keywords (user=..., verb=..., resource=...); "
                            "for a request dict in the JSON-lines form use match_many([request])[0] "
                            "or explain(request)")
        if isinstance(groups, (str, bytes)):
            raise TypeError("groups must be a sequence of strings, not a string")
        if resource_request is None:
            resource_request = bool(resource)
        elif not isinstance(resource_request, bool):
            raise TypeError("resource_request must be a bool or None")
        user_b = _text(user, "user")
        gs = [_text(g, "groups[]") for g in groups]
        if any(g is None for g in gs):
            raise TypeError("groups must hold strings, not None")
        fields = (_text(verb, "verb"), _text(namespace, "namespace"), _text(api_group, "api_group"),
                  _text(api_version, "api_version"), _text(resource, "resource"),
                  _text(subresource, "subresource"), _text(name, "name"), _text(path, "path"))
        # C strings, unless one holds NUL: then strings with lengths
        if b"\0" in b"".join(filter(None, (user_b, *gs, *fields))):
            req, fn = _RequestN(), _match_n
            req.user = _str(user_b)
            req.groups = (_Str * len(gs))(*map(_str, gs)) if gs else None
            (req.verb, req.ns, req.api_group, req.api_version, req.resource, req.subresource, req.name,
             req.path) = map(_str, fields)
        else:
            req, fn = _Request(), _match
            req.user = user_b
            req.groups = (ctypes.c_char_p * len(gs))(*gs) if gs else None
            (req.verb, req.ns, req.api_group, req.api_version, req.resource, req.subresource, req.name,
             req.path) = fields
        req.version = _REQUEST_VERSION
        req.n_groups = len(gs)
        req.resource_request = 1 if resource_request else 0
        out = _Decision()
        h = self._enter()
        try:
            rc = fn(h, ctypes.byref(req), ctypes.byref(out))
        finally:
            self._leave()
        if rc != _OK:
            raise ValueError(f"libkap: kap_policy_match failed with status {rc}")
        return _decision(out.level, out.omit_stages, out.omit_managed_fields, out.rule)

    def match_many(self, requests: Union[str, bytes, Iterable[Mapping[str, Any]]]) -> List[Decision]:
        """Decides many requests in one call into C, in order.

        requests is a list (or any iterable) of request dicts, with the keys of the
        JSON-lines form in formats.md ({"user": ..., "groups": [...], "verb": ...,
        "namespace": ..., "apiGroup": ..., "resource": ..., "subresource": ...,
        "name": ..., "path": ..., "resourceRequest": ...}) or match()'s keyword
        names (api_group, api_version, resource_request); or a JSON array of
        request objects as text. A request that is not valid raises ValueError
        naming its index and, for JSON text, what is wrong in kap eval's words
        ('requests[2] is not a valid request (formats.md): "groups" must be a
        list of strings, not string').
        """
        if isinstance(requests, (str, bytes)):
            return self._match_json(requests)
        reqs = requests if type(requests) is list else list(requests)
        n = len(reqs)
        if n == 0:
            return []
        if _match_pyobjects is not None:
            rules = (ctypes.c_int32 * n)()
            status = (ctypes.c_int * n)()
            count = ctypes.c_size_t()
            h = self._enter()
            try:
                rc = _match_pyobjects(h, ctypes.byref(_PYAPI), reqs, rules, status, n, ctypes.byref(count))
            finally:
                self._leave()
            if rc != _OK:
                raise ValueError(f"libkap: kap_policy_match_pyobjects failed with status {rc}")
            result = list(map(self._by_rule.__getitem__, memoryview(rules).cast("B").cast("i").tolist()))
            if bytes(status).count(0) != 4 * n:
                # what the fast reader does not take (dict or str subclasses,
                # wrong types) goes through match(), which decides or says why not
                for k, st in enumerate(status):
                    if st:
                        result[k] = self._decide_one(reqs[k], k)
            return result
        try:
            data = marshal.dumps(reqs, _marshal_version(reqs))
        except ValueError:
            # subclasses marshal refuses: one request at a time
            return [self._decide_one(r, k) for k, r in enumerate(reqs)]
        rules = (ctypes.c_int32 * n)()
        status = (ctypes.c_int * n)()
        count = ctypes.c_size_t()
        h = self._enter()
        try:
            rc = _match_marshal(h, data, len(data), rules, status, n, ctypes.byref(count))
        finally:
            self._leave()
        if rc != _OK:
            raise ValueError(f"libkap: kap_policy_match_marshal failed with status {rc}")
        result = list(map(self._by_rule.__getitem__, memoryview(rules).cast("B").cast("i").tolist()))
        if bytes(status).count(0) != 4 * n:
            for k, st in enumerate(status):
                if st:
                    result[k] = self._decide_one(reqs[k], k)
        return result

    def explain(self, request: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> "Explanation":
        """Why the request gets its decision: which rule decides it and, for every
        earlier rule, the first check that rejected it, with the field's line.

        The request is a dict (match_many()'s form), or method= and url= (with
        user= and groups=; the attributes are derived as kube-apiserver does, see
        request_info()), or match()'s keywords. Returns an Explanation; raises
        NoAuditEvent when kube-apiserver records no event for method and url.
        """
        from ._explain import explain
        return explain(self, request, **kwargs)

    _KEYWORDS = {"user": "user", "groups": "groups", "verb": "verb", "namespace": "namespace",
                 "apiGroup": "api_group", "api_group": "api_group", "apiVersion": "api_version",
                 "api_version": "api_version", "resource": "resource", "subresource": "subresource",
                 "name": "name", "path": "path", "resourceRequest": "resource_request",
                 "resource_request": "resource_request"}

    def _decide_one(self, req: Any, k: int) -> Decision:
        if not isinstance(req, Mapping):
            raise TypeError(f"requests[{k}] must be a dict, not {type(req).__name__}")
        kw: Dict[str, Any] = {"resource_request": False}
        for key, value in req.items():
            name = self._KEYWORDS.get(key) if isinstance(key, str) else None
            if name is None:
                continue
            if name == "groups":
                if value is None:
                    value = ()
                elif not isinstance(value, (list, tuple)) or not all(isinstance(g, str) for g in value):
                    raise TypeError(f"requests[{k}]['groups'] must be a list of strings")
            elif name == "resource_request":
                if value is None:
                    value = False
                elif not isinstance(value, bool):
                    raise TypeError(f"requests[{k}][{key!r}] must be a bool")
            elif name != "user":
                if value is None:
                    value = ""
                elif not isinstance(value, str):
                    raise TypeError(f"requests[{k}][{key!r}] must be a string")
            elif value is not None and not isinstance(value, str):
                raise TypeError(f"requests[{k}]['user'] must be a string or None")
            kw[name] = value
        try:
            return self.match(**kw)
        except UnicodeEncodeError:
            raise ValueError(f"requests[{k}] holds a string that is not valid Unicode") from None

    def _match_json(self, requests: Union[str, bytes]) -> List[Decision]:
        data = requests.encode("utf-8", "surrogatepass") if isinstance(requests, str) else requests
        n = data.count(b",") + 1  # at least the elements (commas in strings count too)
        out = (_Decision * n)()
        status = (ctypes.c_int * n)()
        count = ctypes.c_size_t()
        h = self._enter()
        try:
            rc = _match_json(h, data, len(data), out, status, n, ctypes.byref(count))
        finally:
            self._leave()
        if rc == _EPARSE:
            raise ValueError("requests must be a JSON array of request objects" + _json_fault(data, None))
        if rc != _OK:
            raise ValueError(f"libkap: kap_policy_match_json failed with status {rc}")
        table = self._by_rule
        result = []
        for k in range(count.value):
            if status[k] != _OK:
                raise ValueError(f"requests[{k}] is not a valid request (formats.md)" + _json_fault(data, k))
            result.append(table[out[k].rule])
        return result


def _json_fault(data: bytes, k: Optional[int]) -> str:
    """": what is wrong", in the words of kap eval's reader: with the text
    read as one request (k None: an array or a syntax error says why the text
    is no array of requests), or with element k of the array (re-encoded by
    Python's json, which reads it alike but for bytes that are not UTF-8);
    "" where it cannot be told."""
    try:
        text = data if k is None else json.dumps(json.loads(data)[k]).encode()
    except (ValueError, IndexError, TypeError):
        return ""
    reader = _vp()
    if _reader_new(ctypes.byref(reader)) != _OK:
        return ""
    try:
        req = _RequestN()
        rc = _reader_parse_n(reader, text, len(text), ctypes.byref(req))
        if rc == _OK and k is None:
            return ", not one object"
        if rc != _EPARSE:
            return ""
        why = (_reader_error(reader) or b"").decode("utf-8", "replace")
        if k is None and why.startswith("a request must be a JSON object, not "):
            return ", not " + why[len("a request must be a JSON object, not "):]
        return ": " + why
    finally:
        _reader_free(reader)


from ._explain import Explanation, NoAuditEvent, RuleExplanation, request_info  # noqa: E402  (needs the names above)
from ._lint import Finding  # noqa: E402  (needs the library handle above)
from ._manifest import (  # noqa: E402  (needs the library handle above)
    ManifestCheck, ManifestError, ManifestFix, ManifestReport, check_manifest, fix_manifest,
)

# Replay of audit logs (libkap-replay, loaded at first use): kap/_replay.py.
from ._replay import Replay, ReplayError, Summary, replay_files  # noqa: E402

__all__ += ["Replay", "ReplayError", "Summary", "replay_files"]
