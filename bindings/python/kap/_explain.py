"""Request-info and explain: a request's attributes from its HTTP method and
URL as kube-apiserver derives them, and why a policy gives a request its
decision (libkap's kap_requestinfo_* and kap_policy_explain_n)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import (
    _ENOMEM,
    _EPARSE,
    _OK,
    _REQUEST_VERSION,
    Decision,
    _Decision,
    _RequestN,
    _decision,
    _sig,
    _str,
    _Str,
    _text,
    _vp,
)

__all__ = ["Explanation", "NoAuditEvent", "RuleExplanation", "request_info"]


class _StrOut(ctypes.Structure):
    """kap_str as the library fills it: read with its length (a NUL may be inside)."""

    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _RequestNOut(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("user", _StrOut),
        ("groups", ctypes.c_void_p),
        ("n_groups", ctypes.c_size_t),
        ("verb", _StrOut),
        ("ns", _StrOut),
        ("api_group", _StrOut),
        ("api_version", _StrOut),
        ("resource", _StrOut),
        ("subresource", _StrOut),
        ("name", _StrOut),
        ("path", _StrOut),
        ("resource_request", ctypes.c_int),
    ]


class _Step(ctypes.Structure):
    _fields_ = [
        ("rule", ctypes.c_size_t),
        ("matched", ctypes.c_int),
        ("check", ctypes.c_int),
        ("field", ctypes.c_char_p),
        ("line", ctypes.c_uint),
        ("column", ctypes.c_uint),
        ("reason", ctypes.c_char_p),
    ]


_ri_new = _sig("kap_requestinfo_new", ctypes.c_int, ctypes.POINTER(_vp))
_ri_free = _sig("kap_requestinfo_free", None, _vp)
_ri_parse_n = _sig("kap_requestinfo_parse_n", ctypes.c_int, _vp, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                   ctypes.c_size_t, ctypes.POINTER(_RequestNOut))
_ri_error = _sig("kap_requestinfo_error", ctypes.c_char_p, _vp)
_ri_status = _sig("kap_requestinfo_http_status", ctypes.c_int, _vp)
_explain_n = _sig("kap_policy_explain_n", ctypes.c_int, ctypes.POINTER(_vp), _vp, ctypes.POINTER(_RequestN))
_ex_free = _sig("kap_explanation_free", None, _vp)
_ex_decision = _sig("kap_explanation_decision", ctypes.POINTER(_Decision), _vp)
_ex_count = _sig("kap_explanation_count", ctypes.c_size_t, _vp)
_ex_get = _sig("kap_explanation_get", ctypes.POINTER(_Step), _vp, ctypes.c_size_t)
_check_name = _sig("kap_check_name", ctypes.c_char_p, ctypes.c_int)


class NoAuditEvent(ValueError):
    """kube-apiserver records no audit event for this request line: Go's HTTP
    server answers 400 (a bad escape, no leading '/', ...) or kube-apiserver's
    request-info step fails with 500 (GET /api/v1/watch). str() says why."""

    def __init__(self, reason: str, http_status: int):
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


_Text = Union[str, bytes]


def _value(s: _StrOut) -> _Text:
    """A string the library derived: str when it is UTF-8, else the bytes."""
    b = ctypes.string_at(s.ptr, s.len) if s.ptr else b""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def request_info(method: _Text, url: _Text, user: Optional[_Text] = None,
                 groups: Sequence[_Text] = ()) -> Dict[str, Any]:
    """The request "METHOD URL" as the audit policy sees it, derived exactly as
    kube-apiserver's request-info code does: a dict with the keys of the
    JSON request form (formats.md), which match_many() and explain() take:

        >>> kap.request_info("GET", "/api/v1/namespaces/default/pods/web/log", user="alice")
        {'user': 'alice', 'groups': [], 'verb': 'get', 'namespace': 'default', 'apiGroup': '',
         'apiVersion': 'v1', 'resource': 'pods', 'subresource': 'log', 'name': 'web',
         'resourceRequest': True, 'path': '/api/v1/namespaces/default/pods/web/log'}

    method is case-sensitive (GET, not get). A URL may also be absolute
    (https://host:6443/api/...?limit=500), as kubectl -v=8 prints it. A value
    that is not UTF-8 (from an escape such as %FF) comes back as bytes.
    Raises NoAuditEvent when kube-apiserver records no event for the request.
    """
    m = _text(method, "method")
    u = _text(url, "url")
    if m is None or u is None:
        raise TypeError("method and url must be strings, not None")
    if isinstance(groups, (str, bytes)):
        raise TypeError("groups must be a sequence of strings, not a string")
    ri = _vp()
    if _ri_new(ctypes.byref(ri)) != _OK:
        raise MemoryError("libkap: out of memory")
    try:
        out = _RequestNOut()
        rc = _ri_parse_n(ri, m, len(m), u, len(u), ctypes.byref(out))
        if rc == _EPARSE:
            raise NoAuditEvent(_ri_error(ri).decode("utf-8", "replace"), _ri_status(ri))
        if rc == _ENOMEM:
            raise MemoryError("libkap: out of memory")
        if rc != _OK:
            raise ValueError(f"libkap: kap_requestinfo_parse_n failed with status {rc}")
        return {
            "user": user,
            "groups": list(groups),
            "verb": _value(out.verb),
            "namespace": _value(out.ns),
            "apiGroup": _value(out.api_group),
            "apiVersion": _value(out.api_version),
            "resource": _value(out.resource),
            "subresource": _value(out.subresource),
            "name": _value(out.name),
            "resourceRequest": bool(out.resource_request),
            "path": _value(out.path),
        }
    finally:
        _ri_free(ri)


@dataclass(frozen=True)
class RuleExplanation:
    """One rule examined. check is the first check that rejected the request
    ("users", "userGroups", "verbs", "resourceScope", "namespaces", "resources",
    "urlScope", "nonResourceURLs"), or "none" for the deciding rule; field is
    its path ("rules[2].verbs"); line and column are where that field is in
    the file (of the rule itself when it matched)."""

    rule: int
    matched: bool
    check: str
    field: str
    line: int
    column: int
    reason: str


@dataclass(frozen=True)
class Explanation:
    """Why a request gets its decision: the decision (as match() gives it), the
    request as explained, and every rule examined, in order, up to the
    deciding one (all of them when none decides)."""

    decision: Decision
    request: Dict[str, Any]
    rules: Tuple[RuleExplanation, ...]

    def as_json(self) -> Dict[str, Any]:
        """The object "kap explain -o json" prints."""
        d = self.decision
        stages = sorted(d.omit_stages)
        req = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in self.request.items()}
        req["groups"] = [g.decode("utf-8", "replace") if isinstance(g, bytes) else g for g in req["groups"]]
        return {
            "rule": -1 if d.rule is None else d.rule,
            "level": str(d.level),
            "omitStages": stages,
            "omitManagedFields": d.omit_managed_fields,
            "request": req,
            "rules": [{"rule": r.rule, "line": r.line, "matched": r.matched, "reason": r.reason} for r in self.rules],
        }

    def __str__(self) -> str:
        lines = [f"rule {r.rule}, line {r.line}: {r.reason}" for r in self.rules]
        d = self.decision
        lines.append(f"decision: {d.level}" + (f" by rule {d.rule}" if d.rule is not None else " (no rule matches)"))
        return "\n".join(lines)


_ATTRS = ("verb", "namespace", "api_group", "api_version", "resource", "subresource", "name", "path",
          "resource_request")
_FORMAT_KEYS = {"api_group": "apiGroup", "api_version": "apiVersion", "resource_request": "resourceRequest"}


def _from_mapping(policy_cls: Any, request: Mapping[str, Any]) -> Dict[str, Any]:
    """A request dict (formats.md keys or match()'s keyword names) as match()'s keywords."""
    if not isinstance(request, Mapping):
        raise TypeError(f"request must be a dict, not {type(request).__name__}")
    kw: Dict[str, Any] = {"resource_request": False}
    for key, value in request.items():
        name = policy_cls._KEYWORDS.get(key) if isinstance(key, str) else None
        if name is None:
            continue
        if name == "groups":
            value = () if value is None else value
        elif name == "resource_request":
            value = bool(value) if value is not None else False
        elif name != "user" and value is None:
            value = ""
        kw[name] = value
    return kw


def explain(policy: Any, request: Optional[Mapping[str, Any]] = None, *, method: Optional[_Text] = None,
            url: Optional[_Text] = None, user: Optional[_Text] = None, groups: Sequence[_Text] = (),
            **attrs: Any) -> Explanation:
    """Policy.explain: see its docstring."""
    unknown = set(attrs) - set(_ATTRS)
    if unknown:
        raise TypeError(f"explain() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    forms = (request is not None) + (method is not None or url is not None)
    if forms > 1 or (forms and attrs) or (request is not None and (user is not None or groups)):
        raise TypeError("give the request one way: a dict, method and url (with user and groups), or keywords")
    if method is not None or url is not None:
        if method is None or url is None:
            raise TypeError("method and url go together")
        kw = _from_mapping(type(policy), request_info(method, url, user, groups))
    elif request is not None:
        kw = _from_mapping(type(policy), request)
    else:
        kw = dict(attrs, user=user, groups=groups)
        if kw.get("resource_request") is None:
            kw["resource_request"] = bool(kw.get("resource"))
    return _run(policy, kw)


def _run(policy: Any, kw: Dict[str, Any]) -> Explanation:
    groups = kw.get("groups", ())
    if isinstance(groups, (str, bytes)):
        raise TypeError("groups must be a sequence of strings, not a string")
    if not isinstance(kw.get("resource_request", False), bool):
        raise TypeError("resource_request must be a bool or None")
    user_b = _text(kw.get("user"), "user")
    gs = [_text(g, "groups[]") for g in groups]
    if any(g is None for g in gs):
        raise TypeError("groups must hold strings, not None")
    req = _RequestN()
    req.version = _REQUEST_VERSION
    req.user = _str(user_b)
    req.groups = (_Str * len(gs))(*map(_str, gs)) if gs else None
    req.n_groups = len(gs)
    values = {}
    for key, slot in (("verb", "verb"), ("namespace", "ns"), ("api_group", "api_group"),
                      ("api_version", "api_version"), ("resource", "resource"), ("subresource", "subresource"),
                      ("name", "name"), ("path", "path")):
        v = _text(kw.get(key, ""), key)
        values[key] = v if v is not None else b""
        setattr(req, slot, _str(values[key]))
    req.resource_request = 1 if kw.get("resource_request") else 0
    e = _vp()
    h = policy._enter()
    try:
        rc = _explain_n(ctypes.byref(e), h, ctypes.byref(req))
    finally:
        policy._leave()
    if rc == _ENOMEM:
        raise MemoryError("libkap: out of memory")
    if rc != _OK:
        raise ValueError(f"libkap: kap_policy_explain_n failed with status {rc}")
    try:
        d = _ex_decision(e).contents
        decision = _decision(d.level, d.omit_stages, d.omit_managed_fields, d.rule)
        steps: List[RuleExplanation] = []
        for i in range(_ex_count(e)):
            s = _ex_get(e, i).contents
            steps.append(RuleExplanation(rule=s.rule, matched=bool(s.matched),
                                         check=_check_name(s.check).decode(), field=s.field.decode(),
                                         line=s.line, column=s.column,
                                         reason=s.reason.decode("utf-8", "replace")))
    finally:
        _ex_free(e)

    def shown(b: bytes) -> _Text:
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b

    request = {"user": None if user_b is None else shown(user_b), "groups": [shown(g) for g in gs]}
    for key in ("verb", "namespace", "api_group", "api_version", "resource", "subresource", "name"):
        request[_FORMAT_KEYS.get(key, key)] = shown(values[key])
    request["resourceRequest"] = bool(req.resource_request)
    request["path"] = shown(values["path"])
    return Explanation(decision=decision, request=request, rules=tuple(steps))
