"""kube-apiserver's static pod checked and fixed (``kap check-manifest``)
for the binding: :func:`kap.check_manifest` and :func:`kap.fix_manifest`.

The checks and the fix run in libkap (``kap_manifest_check_file``,
``kap_manifest_fix_new``); this module passes the options and reads the
results back. docs/check-manifest.md lists the checks and their IDs.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from . import _EARG, _EINVALID, _EIO, _ELIMIT, _ENOMEM, _OK, Diagnostic, _lib, _options, _read_diags, _vp

_STATUS = {0: "PASS", 1: "WARN", 2: "FAIL"}
_STATUS_NAMES = {
    _OK: "KAP_OK", _EINVALID: "KAP_EINVALID", _EIO: "KAP_EIO", _ENOMEM: "KAP_ENOMEM", _ELIMIT: "KAP_ELIMIT",
    _EARG: "KAP_EARG",
}


class _Check(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_char_p),
        ("status", ctypes.c_int),
        ("message", ctypes.c_char_p),
        ("fix", ctypes.c_char_p),
        ("line", ctypes.c_uint),
        ("column", ctypes.c_uint),
    ]


class _MOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("root", ctypes.c_char_p),
        ("kubelet_config", ctypes.c_char_p),
        ("kube_minor", ctypes.c_uint),
        ("max_file_size", ctypes.c_size_t),
    ]


class _FOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("policy_file", ctypes.c_char_p),
        ("log_path", ctypes.c_char_p),
        ("log_maxage", ctypes.c_longlong),
        ("log_maxbackup", ctypes.c_longlong),
        ("log_maxsize", ctypes.c_longlong),
    ]


def _sig(name, restype, *argtypes):
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_PM = ctypes.POINTER(_MOptions)
_opts_init = _sig("kap_manifest_options_init", None, _PM)
_check_file = _sig("kap_manifest_check_file", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p, _PM)
_check_buffer = _sig("kap_manifest_check_buffer", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p,
                     ctypes.c_char_p, ctypes.c_size_t, _PM)
_report_free = _sig("kap_manifest_report_free", None, _vp)
_count = _sig("kap_manifest_report_count", ctypes.c_size_t, _vp)
_get = _sig("kap_manifest_report_get", ctypes.POINTER(_Check), _vp, ctypes.c_size_t)
_worst = _sig("kap_manifest_report_worst", ctypes.c_int, _vp)
_error = _sig("kap_manifest_report_error", ctypes.c_char_p, _vp)
_manifest = _sig("kap_manifest_report_manifest", ctypes.c_char_p, _vp)
_policy_file = _sig("kap_manifest_report_policy_file", ctypes.c_char_p, _vp)
_policy_diags = _sig("kap_manifest_report_policy_diagnostics", _vp, _vp)
_kube_minor = _sig("kap_manifest_report_kube_minor", ctypes.c_uint, _vp)
_fopts_init = _sig("kap_manifest_fix_options_init", None, ctypes.POINTER(_FOptions))
_fix_new = _sig("kap_manifest_fix_new", ctypes.c_int, ctypes.POINTER(_vp), ctypes.c_char_p, _PM,
                ctypes.POINTER(_FOptions))
_fix_free = _sig("kap_manifest_fix_free", None, _vp)
_fix_error = _sig("kap_manifest_fix_error", ctypes.c_char_p, _vp)
_fix_original = _sig("kap_manifest_fix_original", ctypes.c_void_p, _vp, ctypes.POINTER(ctypes.c_size_t))
_fix_result = _sig("kap_manifest_fix_result", ctypes.c_void_p, _vp, ctypes.POINTER(ctypes.c_size_t))
_fix_changed = _sig("kap_manifest_fix_changed", ctypes.c_int, _vp)
_fix_count = _sig("kap_manifest_fix_count", ctypes.c_size_t, _vp)
_fix_change = _sig("kap_manifest_fix_change", ctypes.c_char_p, _vp, ctypes.c_size_t)
_fix_write = _sig("kap_manifest_fix_write", ctypes.c_int, _vp, ctypes.c_char_p)
_fix_backup = _sig("kap_manifest_fix_backup", ctypes.c_char_p, _vp)
_fix_refusal = _sig("kap_manifest_fix_refusal", ctypes.c_int, _vp, _PM, ctypes.POINTER(ctypes.c_char_p))

PathLike = Union[str, "os.PathLike[str]"]


def _text(b: Optional[bytes]) -> str:
    return (b or b"").decode("utf-8", "replace")


def _path(value: Optional[PathLike], name: str) -> Optional[bytes]:
    if value is None:
        return None
    value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a path as a string, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError(f"{name} holds a NUL character")
    return value.encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class ManifestCheck:
    """One check of the manifest (docs/check-manifest.md lists the IDs).

    id: the check's stable ID ("policy-mount", ...); status: "PASS", "WARN"
    or "FAIL"; message: what was checked and found; fix: for WARN and FAIL,
    what to change ("" for PASS); line, column: 1-based place in the
    manifest, 0 when the check is not about one place.
    """

    id: str
    status: str
    message: str
    fix: str
    line: int
    column: int

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.status} {self.id} {self.message}{where}"


@dataclass(frozen=True)
class ManifestReport:
    """What :func:`check_manifest` found.

    manifest: the manifest's path as given; checks: every check in the order
    it ran; worst: the worst status ("PASS" when there are none);
    kube_version: the release the policy was loaded as ("1.31");
    policy_file: the policy file loaded (root included), None when the
    checks did not reach it; policy_diagnostics: its load errors and
    warnings, as :class:`kap.Diagnostic`.
    """

    manifest: str
    checks: Tuple[ManifestCheck, ...]
    worst: str
    kube_version: str
    policy_file: Optional[str]
    policy_diagnostics: Tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        """No check failed (warnings allowed): kube-apiserver will start with
        the audit set-up this manifest describes."""
        return self.worst != "FAIL"

    def failed(self) -> List[ManifestCheck]:
        """The checks that are not PASS, in order."""
        return [c for c in self.checks if c.status != "PASS"]


class ManifestError(Exception):
    """The manifest could not be checked or fixed at all (unreadable, not
    YAML or JSON, too large, a path outside the root). str() says what and
    where (file:line:column where there is one); status is the libkap
    status name ("KAP_EIO", "KAP_EINVALID", "KAP_ELIMIT", "KAP_EARG")."""

    def __init__(self, message: str, status: str):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


def _moptions(root, kubelet_config, kube_version, keep: list, max_file_size=None):
    o = _MOptions()
    _opts_init(ctypes.byref(o))
    o.root = _path(root, "root")
    o.kubelet_config = _path(kubelet_config, "kubelet_config")
    keep.extend([o.root, o.kubelet_config])
    if kube_version is not None:
        # the same validation as Policy's kube_version
        o.kube_minor = _options(kube_version)._obj.kube_minor
    if max_file_size is not None:
        if isinstance(max_file_size, bool) or not isinstance(max_file_size, int):
            raise TypeError("max_file_size: an int")
        if not 1 <= max_file_size <= ctypes.c_size_t(-1).value:
            raise ValueError("max_file_size: 1 byte or more")
        o.max_file_size = max_file_size
    return o


def _report(handle) -> ManifestReport:
    checks = []
    for i in range(_count(handle)):
        c = _get(handle, i).contents
        checks.append(ManifestCheck(id=_text(c.id), status=_STATUS.get(c.status, "FAIL"), message=_text(c.message),
                                    fix=_text(c.fix), line=c.line, column=c.column))
    diags = _policy_diags(handle)
    pf = _policy_file(handle)
    return ManifestReport(
        manifest=_text(_manifest(handle)),
        checks=tuple(checks),
        worst=_STATUS.get(_worst(handle), "FAIL"),
        kube_version=f"1.{_kube_minor(handle)}",
        policy_file=_text(pf) if pf else None,
        policy_diagnostics=tuple(_read_diags(diags)[0]) if diags else (),
    )


def check_manifest(path: Optional[PathLike] = None, *, root: Optional[PathLike] = None,
                   kubelet_config: Optional[PathLike] = None, kube_version: Optional[str] = None,
                   text: Union[str, bytes, None] = None, max_file_size: Optional[int] = None) -> ManifestReport:
    """Checks kube-apiserver's static pod manifest as ``kap check-manifest``
    does, and returns every check's result.

    path: the manifest (default /etc/kubernetes/manifests/kube-apiserver.yaml);
    an absolute path is looked up under root. root: the node's file system
    (default "/"), for checking a copy or an image of a node. kubelet_config:
    kubelet's config file (default /var/lib/kubelet/config.yaml).
    kube_version: the release to load the policy as ("1.30"); default from
    the image's tag. text: check these bytes as the manifest at path (its
    directory, the root and kubelet's config are still looked at), e.g. an
    edit before it is written. max_file_size: the largest manifest or
    kubelet file read, in bytes (default 8 MiB; ``--max-file-size``).

    Raises :class:`ManifestError` when the manifest cannot be checked at
    all, MemoryError when libkap runs out of memory.
    """
    keep: list = []
    o = _moptions(root, kubelet_config, kube_version, keep, max_file_size)
    p = _path(path, "path")
    handle = _vp()
    if text is None:
        rc = _check_file(ctypes.byref(handle), p, ctypes.byref(o))
    else:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        rc = _check_buffer(ctypes.byref(handle), p, data, len(data), ctypes.byref(o))
    if not handle.value:
        raise MemoryError("libkap: out of memory while checking the manifest")
    try:
        if rc != _OK:
            raise ManifestError(_text(_error(handle)) or _STATUS_NAMES.get(rc, str(rc)), _STATUS_NAMES.get(rc, str(rc)))
        return _report(handle)
    finally:
        _report_free(handle)


class ManifestFix:
    """The manifest's text as ``kap check-manifest --fix`` would write it:
    from :func:`fix_manifest`. Use it as a context manager or call close().

    original, result: the manifest's bytes as read and as fixed; changed:
    whether they differ; changes: each change, for people
    ("--audit-log-maxage=30 added"); backup: the backup's path (under the
    root) after :meth:`write`, else None.
    """

    def __init__(self, handle: _vp, path: Optional[bytes], options, keep: list, check_args: dict):
        self._handle = handle
        self._path = path
        self._options = options  # the kap_manifest_options the fix was made with
        self._keep = keep  # the bytes its pointers hold
        self._check_args = check_args
        n = ctypes.c_size_t()
        ptr = _fix_original(handle, ctypes.byref(n))
        self.original: bytes = ctypes.string_at(ptr, n.value) if ptr else b""
        ptr = _fix_result(handle, ctypes.byref(n))
        self.result: bytes = ctypes.string_at(ptr, n.value) if ptr else self.original
        self.changed: bool = bool(_fix_changed(handle))
        self.changes: List[str] = [_text(_fix_change(handle, i)) for i in range(_fix_count(handle))]
        self.backup: Optional[str] = None

    def check(self) -> ManifestReport:
        """The checks on the fixed text, as they will run once it is written."""
        self._live()
        return check_manifest(None if self._path is None else _text(self._path), text=self.result,
                              **self._check_args)

    def refusal(self) -> Optional[str]:
        """Why the result must not be written, as ``kap check-manifest
        --fix`` decides before writing, or None: a check that --fix is about
        fails on the result (the policy missing on the host or not loading,
        a field of the wrong type), or a check fails on it that passes on the
        manifest as it is (the fix would make things worse). The checks run
        now, on the files as they are now."""
        self._live()
        why = ctypes.c_char_p()
        rc = _fix_refusal(self._handle, ctypes.byref(self._options), ctypes.byref(why))
        if rc == _ENOMEM:
            raise MemoryError("libkap: out of memory while checking the fixed manifest")
        if rc != _OK:  # pragma: no cover - only for NULL arguments
            raise ManifestError(_STATUS_NAMES.get(rc, str(rc)), _STATUS_NAMES.get(rc, str(rc)))
        return None if why.value is None else _text(why.value)

    def write(self, backup_dir: Optional[PathLike] = None, *, force: bool = False) -> str:
        """Writes the result over the manifest, whole or not at all, after
        copying the original to a new file in backup_dir (a path under the
        root; default /etc/kubernetes/manifest-backups). Returns the backup's
        path. First asks :meth:`refusal`, as the command does, and raises
        :class:`ManifestError` ("not written: ...", status "KAP_EINVALID")
        when it refuses; force=True writes without asking. Raises
        :class:`ManifestError` when nothing could be written (the manifest
        changed since it was read, a read-only file system...), and
        :class:`MemoryError` when memory ran out: the manifest is then as it
        was."""
        self._live()
        if not force:
            why = self.refusal()
            if why is not None:
                raise ManifestError("not written: " + why, "KAP_EINVALID")
        rc = _fix_write(self._handle, _path(backup_dir, "backup_dir"))
        if rc == _ENOMEM:
            raise MemoryError("libkap: out of memory; nothing written")
        if rc != _OK:
            raise ManifestError(_text(_fix_error(self._handle)), _STATUS_NAMES.get(rc, str(rc)))
        self.backup = _text(_fix_backup(self._handle))
        return self.backup

    def _live(self) -> None:
        if not self._handle:
            raise ValueError("kap.ManifestFix is closed")

    def close(self) -> None:
        if self._handle:
            _fix_free(self._handle)
            self._handle = None

    def __enter__(self) -> "ManifestFix":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def fix_manifest(path: Optional[PathLike] = None, *, root: Optional[PathLike] = None,
                 kubelet_config: Optional[PathLike] = None, kube_version: Optional[str] = None,
                 policy_file: Optional[str] = None, log_path: Optional[str] = None,
                 log_maxage: Optional[int] = None, log_maxbackup: Optional[int] = None,
                 log_maxsize: Optional[int] = None, max_file_size: Optional[int] = None) -> ManifestFix:
    """Computes the fixed manifest (``kap check-manifest --fix``) without
    writing it: the audit flags added or corrected, a read-only hostPath
    mount for the policy and a writable one for the log directory where none
    covers them, every other byte kept. path and root as for
    :func:`check_manifest` (path must be absolute: a node path under root).
    policy_file, log_path: the paths to use (default: the manifest's flags,
    else /etc/kubernetes/audit-policy.yaml and
    /var/log/kubernetes/audit/audit.log). log_maxage, log_maxbackup,
    log_maxsize: values to set (default: raised to the CIS minimums 30, 10,
    100 where missing or lower). max_file_size as for :func:`check_manifest`.

    Raises :class:`ManifestError` when the manifest cannot be read or
    cannot be fixed (not YAML, no kube-apiserver container, ...).
    """
    keep: list = []
    o = _moptions(root, kubelet_config, kube_version, keep, max_file_size)
    f = _FOptions()
    _fopts_init(ctypes.byref(f))
    f.policy_file = _path(policy_file, "policy_file")
    f.log_path = _path(log_path, "log_path")
    keep.extend([f.policy_file, f.log_path])
    for name, value in (("log_maxage", log_maxage), ("log_maxbackup", log_maxbackup),
                        ("log_maxsize", log_maxsize)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
            setattr(f, name, value)
    p = _path(path, "path")
    handle = _vp()
    rc = _fix_new(ctypes.byref(handle), p, ctypes.byref(o), ctypes.byref(f))
    if not handle.value:
        raise MemoryError("libkap: out of memory while fixing the manifest")
    if rc != _OK:
        msg = _text(_fix_error(handle)) or _STATUS_NAMES.get(rc, str(rc))
        _fix_free(handle)
        raise ManifestError(msg, _STATUS_NAMES.get(rc, str(rc)))
    return ManifestFix(handle, p, o, keep, {"root": root, "kubelet_config": kubelet_config,
                                            "kube_version": kube_version, "max_file_size": max_file_size})
