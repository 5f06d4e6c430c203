"""Policy analysis (``kap lint`` beyond kube-apiserver) for the binding:
:meth:`kap.Policy.lint` and :meth:`kap.Policy.witnesses` call into here.

The analysis runs in libkap (``kap_analyze``); this module only passes the
policy's source and reads the findings back.
"""

from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from . import _OK, _EARG, _ENOMEM, _Options, _lib, _options, _vp

_SEVERITIES = {0: "error", 1: "warning", 2: "info"}


class _Finding(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_char_p),
        ("severity", ctypes.c_int),
        ("rule", ctypes.c_int),
        ("line", ctypes.c_uint),
        ("column", ctypes.c_uint),
        ("field", ctypes.c_char_p),
        ("message", ctypes.c_char_p),
        ("hint", ctypes.c_char_p),
        ("related", ctypes.POINTER(ctypes.c_int)),
        ("n_related", ctypes.c_size_t),
    ]


def _sig(name, restype, *argtypes):
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_analyze = _sig("kap_analyze", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.POINTER(_Options), _vp)
_analyze_buffer = _sig("kap_analyze_buffer", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.c_size_t,
                       ctypes.c_char_p, ctypes.POINTER(_Options), _vp)
_free = _sig("kap_analysis_free", None, _vp)
_count = _sig("kap_analysis_count", ctypes.c_size_t, _vp)
_get = _sig("kap_analysis_get", ctypes.POINTER(_Finding), _vp, ctypes.c_size_t)
_suppressed = _sig("kap_analysis_suppressed", ctypes.c_size_t, _vp)
_policy = _sig("kap_analysis_policy", _vp, _vp)
_rule_count = _sig("kap_policy_rule_count", ctypes.c_size_t, _vp)
_witness_json = _sig("kap_analysis_witness_json", ctypes.c_size_t, _vp, ctypes.c_size_t, ctypes.c_char_p,
                     ctypes.c_size_t)


@dataclass(frozen=True)
class Finding:
    """One finding of the analysis (docs/lint.md lists the checks).

    id: the check's stable ID ("unreachable-rule", ...); severity: "error",
    "warning" or "info"; rule: the 0-based index of the rule concerned, None
    for the whole policy; line, column: 1-based position of the node
    concerned (0 when unknown); field: its path ("rules[2].namespaces[1]");
    message: what kube-apiserver does and its effect; hint: how to fix it;
    related: rules the finding names (the rules that take an unreachable
    rule's requests).
    """

    id: str
    severity: str
    rule: Optional[int]
    line: int
    column: int
    field: str
    message: str
    hint: str
    related: Tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.severity}: {self.message} [{self.id}]"


def _text(b: Optional[bytes]) -> str:
    return (b or b"").decode("utf-8", "replace")


class _Analysis:
    """An analysis handle, freed on exit."""

    def __init__(self, origin: Tuple[Any, ...]):
        kind, source, kube_version, name = origin
        opts = _options(kube_version)
        self.handle = _vp()
        if kind == "file":
            rc = _analyze(ctypes.byref(self.handle), source.encode(), opts, None)
        else:
            rc = _analyze_buffer(ctypes.byref(self.handle), source, len(source), name.encode(), opts, None)
        if rc == _ENOMEM or not self.handle.value:
            raise MemoryError("libkap: out of memory while analysing the policy")
        if rc == _EARG:
            raise ValueError("libkap: bad arguments to kap_analyze")
        self.status = rc

    def __enter__(self) -> "_Analysis":
        return self

    def __exit__(self, *exc) -> None:
        _free(self.handle)


def lint(origin: Tuple[Any, ...]) -> List[Finding]:
    """The findings for a policy's source, in file order."""
    with _Analysis(origin) as a:
        out = []
        for i in range(_count(a.handle)):
            f = _get(a.handle, i).contents
            out.append(Finding(
                id=_text(f.id),
                severity=_SEVERITIES.get(f.severity, "info"),
                rule=None if f.rule < 0 else f.rule,
                line=f.line,
                column=f.column,
                field=_text(f.field),
                message=_text(f.message),
                hint=_text(f.hint),
                related=tuple(f.related[k] for k in range(f.n_related)),
            ))
        return out


def witnesses(origin: Tuple[Any, ...]) -> List[Dict[str, Any]]:
    """For each rule that decides some request, one such request (the
    formats.md form, plus "witness": the rule's index), in rule order."""
    with _Analysis(origin) as a:
        if a.status != _OK:
            return []
        n = _rule_count(_policy(a.handle))
        out = []
        buf = ctypes.create_string_buffer(1024)
        for i in range(n):
            size = _witness_json(a.handle, i, buf, len(buf))
            if size == 0:
                continue
            if size >= len(buf):
                buf = ctypes.create_string_buffer(size + 1)
                _witness_json(a.handle, i, buf, len(buf))
            out.append(json.loads(buf.value.decode("utf-8", "surrogatepass")))
        return out
