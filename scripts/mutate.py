#!/usr/bin/env python3
"""Mutation testing for libkap (standard library only).

Applies one classic mutation at a time to the chosen source files, rebuilds
and runs the fast tests; a mutant is *killed* when a test fails (or hangs),
*survives* when every test passes, and is *invalid* when it does not compile.
The score is killed / (killed + survived).

Mutations (on code only: comments, strings, characters and preprocessor
lines are left alone):
  rel    <  <=  >  >=  ==  !=   each to its neighbour (< to <=, == to != ...)
  log    && to ||, || to &&
  const  an integer constant n to n+1, and to n-1 when n > 0 (not
         "return 1;" to "return 2;": the functions returning 1 are booleans)
  del    a one-line expression statement (a call, an assignment, ++/--)
         replaced by an empty statement (not a call of a *free* function:
         that leak is the sanitizer and valgrind steps' to catch)
  neg    an if's condition negated: if (c) to if (!(c)), which swaps its
         branches

The work is done on a copy of the tree (in a temporary directory, with
../shared linked beside it), so the checkout is never touched.

  python3 scripts/mutate.py                         every mutant of the default files
  python3 scripts/mutate.py --sample 40 --seed REV  40 of them, chosen by REV
  python3 scripts/mutate.py --budget 900            stop after 900 s
  python3 scripts/mutate.py --list src/match.c      print the mutants, run nothing
  python3 scripts/mutate.py src/read_yaml.c --lines 1446-1760   those lines only

Mutants known to be equivalent (no test can tell them from the original) are
listed with a reason in scripts/mutate-equivalent.txt and not run.
Exit status: 0, or 1 with --min-score when the score is below it.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FILES = ["src/match.c", "src/compile.c", "src/decode.c", "src/validate.c", "src/read_yaml.c", "src/util.c"]
# the fast tests (about 10 s): unit, decoder, conformance, request info, the CLI,
# hardening, the analysis unit and allocation-failure tests, the tests written against mutants, the
# arena's, the one-pass and streamed reading against the two-pass one
# (yaml_passes), the decoder's and YAML reader's coverage tests (cov_decode,
# cov_yaml), and the fuzz corpora replayed
DEFAULT_TESTS = ("^(unit|decode_more|conformance|requestinfo|versions|cli|hardening|analyze|analyze_alloc|mutants|mutants_work|arena|hashed|"
                 "yaml_passes|random|cov_decode|cov_yaml|fuzz_(load|match|request)_replay)$")
# what those tests need built (a mutant rebuilds only these)
DEFAULT_TARGETS = ("test_unit test_decode_more test_conformance test_requestinfo test_versions test_hardening "
                   "test_analyze test_analyze_alloc test_mutants test_mutants_work test_arena test_yaml_passes test_random test_hashed "
                   "test_cov_decode test_cov_yaml kap_cli "
                   "fuzz_load_replay fuzz_match_replay fuzz_request_replay")
# check-manifest's code is sampled apart (CI: its own, smaller sample), with
# its own tests (about 25 s): the checker's, --fix's, their coverage tests,
# the CLI's and the manifest and kubelet fuzz corpora replayed
MANIFEST_FILES = ["src/manifest.c", "src/manifest_fix.c", "src/kubelet_cmdline.c", "src/exec_format.c"]
MANIFEST_TESTS = "^(manifest|manifest_fix|cov_manifest|cov_fix|check_manifest_cli|fuzz_(manifest|kubelet)_replay)$"
MANIFEST_TARGETS = ("test_manifest test_manifest_fix test_cov_manifest test_cov_fix kap_cli "
                    "fuzz_manifest_replay fuzz_kubelet_replay")
EQUIVALENT = os.path.join(ROOT, "scripts", "mutate-equivalent.txt")

REL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
LOG = {"&&": "||", "||": "&&"}
DECL_START = re.compile(
    r"^\s*(return|break|continue|goto|case|default|typedef|static|const|struct|enum|union|"
    r"unsigned|signed|int|char|short|long|float|double|void|size_t|ssize_t|uint\d+_t|int\d+_t|"
    r"uintptr_t|va_list|KAP_\w+|else|do)\b")


def mask(src):
    """The text with comments, string and character literals and preprocessor
    lines replaced by spaces (newlines kept), so offsets stay the same."""
    out = list(src)
    i, n = 0, len(src)
    line_start = True
    while i < n:
        c = src[i]
        if line_start and c == "#":
            # a preprocessor line, with its continuations
            while i < n and not (src[i] == "\n" and src[i - 1] != "\\"):
                out[i] = " "
                i += 1
            continue
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c not in " \t":
            line_start = False
        if src.startswith("//", i):
            while i < n and src[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if src[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = " "
            i = j + 1
            continue
        i += 1
    return "".join(out)


def line_of(src, pos):
    return src.count("\n", 0, pos) + 1


def mutants(path, src):
    """Every mutant of one file: dicts with the edit (pos, old, new) and where."""
    m = mask(src)
    res = []
    # depth of braces, to mutate only inside function bodies (depth >= 1)
    depth = [0] * (len(m) + 1)
    d = 0
    for i, c in enumerate(m):
        if c == "{":
            d += 1
        elif c == "}":
            d -= 1
        depth[i] = d

    def add(pos, old, new, op):
        ln = line_of(src, pos)
        text = src.splitlines()[ln - 1].strip()
        if "KAP_ANALYZER_ASSUME" in text:
            return
        res.append({"file": path, "line": ln, "pos": pos, "old": old, "new": new, "op": op, "text": text})

    for mt in re.finditer(r"<=|>=|==|!=|<<=?|>>=?|->|<|>", m):
        tok = mt.group(0)
        if tok in REL and depth[mt.start()] >= 1:
            add(mt.start(), tok, REL[tok], "rel")
    for mt in re.finditer(r"&&|\|\|", m):
        if depth[mt.start()] >= 1:
            add(mt.start(), mt.group(0), LOG[mt.group(0)], "log")
    for mt in re.finditer(r"(?<![\w.])(0[xX][0-9a-fA-F]+|\d+)([uU]?[lL]{0,2}|[lL]{0,2}[uU]?)(?![\w.])", m):
        if depth[mt.start()] < 1:
            continue
        # array sizes in declarations: a larger array changes nothing
        ls = m.rfind("\n", 0, mt.start()) + 1
        before = m[ls:mt.start()]
        if re.search(r"^\s*[A-Za-z_][\w\s\*]*\s\**\w+\s*\[\s*$", before):
            continue
        lit = mt.group(1)
        v = int(lit, 16) if lit[:2] in ("0x", "0X") else int(lit)
        fmt = (lambda x: hex(x)) if lit[:2] in ("0x", "0X") else str
        # "return 1;" to "return 2;" is still true in every caller here
        if not (v == 1 and re.match(r"\s*return\s+1\s*;", m[mt.start() - 7:mt.end() + 1].rjust(1))):
            add(mt.start(), lit, fmt(v + 1), "const")
        if v > 0:
            add(mt.start(), lit, fmt(v - 1), "const")
    # one-line expression statements
    pos = 0
    for raw in m.split("\n"):
        s = raw.strip()
        start = pos + (len(raw) - len(raw.lstrip()))
        pos += len(raw) + 1
        if (not s.endswith(";") or s.count(";") != 1 or depth[start] < 1 or DECL_START.match(s)
                or s.count("(") != s.count(")") or "{" in s or "}" in s):
            continue
        if not ("(" in s or "++" in s or "--" in s or re.search(r"[^=!<>]=[^=]", s)):
            continue
        # a declaration with an initialiser: type name = ...
        if re.match(r"^[A-Za-z_]\w*(\s+|\s*\*+\s*)\**[A-Za-z_]\w*\s*(=|\[|;|,)", s):
            continue
        # a freeing call removed is a leak: the ASan and valgrind steps catch
        # those, the fast tests cannot
        if re.match(r"^\w*free\w*\s*\(", s):
            continue
        if s.startswith("if") or s.startswith("for") or s.startswith("while") or s.startswith("switch"):
            continue
        add(start, src[start:start + len(s)], ";", "del")
    # negated if conditions
    for mt in re.finditer(r"\bif\s*\(", m):
        if depth[mt.start()] < 1:
            continue
        open_ = mt.end() - 1
        lvl, j = 0, open_
        while j < len(m):
            if m[j] == "(":
                lvl += 1
            elif m[j] == ")":
                lvl -= 1
                if lvl == 0:
                    break
            j += 1
        cond = src[open_ + 1:j]
        add(open_ + 1, cond, "!(" + cond + ")", "neg")
    return res


def describe(mu):
    old = mu["old"] if len(mu["old"]) <= 40 else mu["old"][:37] + "..."
    new = mu["new"] if len(mu["new"]) <= 40 else mu["new"][:37] + "..."
    op = mu["op"] + ("@%d" % mu["occ"] if mu.get("nocc", 1) > 1 else "")
    return "%s:%d: %s '%s' -> '%s'" % (mu["file"], mu["line"], op, old, new)


def number(muts):
    """Mutants of one file with the same key (same kind, edit and line text:
    a line written twice, or a token twice on a line) are told apart by
    their occurrence, 1, 2, ... in file order: mu["occ"] of mu["nocc"]."""
    seen = {}
    for mu in sorted(muts, key=lambda mu: mu["pos"]):
        seen.setdefault(key(mu), []).append(mu)
    for same in seen.values():
        for i, mu in enumerate(same):
            mu["occ"], mu["nocc"] = i + 1, len(same)
    return muts


def load_equivalent():
    """file<TAB>op<TAB>old<TAB>new<TAB>the line's text<TAB>reason; op may be
    op@N: only the Nth of the mutants with that key (see number())"""
    eq = {}
    if os.path.exists(EQUIVALENT):
        for ln in open(EQUIVALENT, encoding="utf-8"):
            if ln.startswith("#") or not ln.strip():
                continue
            f = ln.rstrip("\n").split("\t")
            if len(f) >= 6:
                eq[tuple(f[:5])] = f[5]
    return eq


def key(mu):
    return (mu["file"], mu["op"], mu["old"], mu["new"], mu["text"])


def is_equivalent(mu, eq):
    k = key(mu)
    return k in eq or (mu["file"], "%s@%d" % (mu["op"], mu["occ"])) + k[2:] in eq


def run(cmd, cwd, timeout):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
        return p.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", help="files to mutate (default: %s)" % " ".join(DEFAULT_FILES))
    ap.add_argument("--tests", help="ctest -R regex of the tests run on each mutant (default: the fast tests, "
                    "or check-manifest's for its files, or both)")
    ap.add_argument("--targets", help="cmake targets those tests need (default: as --tests)")
    ap.add_argument("--sample", type=int, default=0, help="run only N mutants, chosen by --seed")
    ap.add_argument("--seed", default="", help="the sample's seed (CI: the commit id)")
    ap.add_argument("--budget", type=float, default=0, help="stop after this many seconds")
    ap.add_argument("--ops", default="rel,log,const,del,neg", help="mutation kinds to apply")
    ap.add_argument("--jobs", type=int, default=2, help="build jobs")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--min-score", type=float, default=0, help="fail below this score (percent)")
    ap.add_argument("--lines", help="only mutants on lines A-B of the files (e.g. 1446-1760)")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    a = ap.parse_args()
    files = a.files or DEFAULT_FILES
    # the tests by the files: check-manifest's for its files, the fast
    # tests for the others, both for a mix
    manifest = [f for f in files if os.path.normpath(f) in MANIFEST_FILES]
    tests, targets = [], []
    if manifest:
        tests.append(MANIFEST_TESTS)
        targets.append(MANIFEST_TARGETS)
    if len(manifest) < len(files):
        tests.append(DEFAULT_TESTS)
        targets.append(DEFAULT_TARGETS)
    a.tests = a.tests or "|".join(tests)
    a.targets = a.targets or " ".join(targets)
    ops = set(a.ops.split(","))
    eq = load_equivalent()

    allm = []
    for f in files:
        src = open(os.path.join(ROOT, f), encoding="utf-8").read()
        allm += [mu for mu in number(mutants(f, src)) if mu["op"] in ops]
    if a.lines:
        m = re.fullmatch(r"(\d+)-(\d+)", a.lines)
        if not m:
            sys.exit("mutate: --lines wants A-B, got %r" % a.lines)
        lo, hi = int(m.group(1)), int(m.group(2))
        allm = [mu for mu in allm if lo <= mu["line"] <= hi]
    equivalent = [mu for mu in allm if is_equivalent(mu, eq)]
    todo = [mu for mu in allm if not is_equivalent(mu, eq)]
    if a.list:
        for mu in todo:
            print(describe(mu))
        print("%d mutants (%d more listed as equivalent)" % (len(todo), len(equivalent)))
        return 0
    if a.sample and a.sample < len(todo):
        todo = random.Random(a.seed).sample(todo, a.sample)
    todo.sort(key=lambda mu: (mu["file"], mu["pos"]))

    tmp = tempfile.mkdtemp(prefix="kap-mutate-")
    try:
        tree = os.path.join(tmp, "kap")
        shutil.copytree(ROOT, tree, symlinks=True, ignore=shutil.ignore_patterns("build*", ".git", "__pycache__"))
        shared = os.path.realpath(os.path.join(ROOT, "..", "shared"))
        if os.path.isdir(shared):
            os.symlink(shared, os.path.join(tmp, "shared"))
        build = os.path.join(tree, "build")
        t0 = time.time()
        # uninitialised locals get a pattern, not whatever the stack held:
        # a mutant that leaves one unwritten (t[0] = r to t[1] = r) must not
        # pass because an earlier call left the right byte there (-O0)
        if run(["cmake", "-S", tree, "-B", build, "-DCMAKE_BUILD_TYPE=Debug",
                "-DCMAKE_C_FLAGS=-ftrivial-auto-var-init=pattern"], tree, 600) != 0:
            sys.exit("mutate: cmake failed")
        if run(["cmake", "--build", build, "-j", str(a.jobs), "--target"] + a.targets.split(), tree, 1800) != 0:
            sys.exit("mutate: the unmutated tree does not build")
        t1 = time.time()
        if run(["ctest", "-R", a.tests], build, 1800) != 0:
            sys.exit("mutate: the tests fail on the unmutated tree")
        base = time.time() - t1
        timeout = max(30.0, 3 * base + 10)
        print("mutate: %d mutants to run of %d (%d equivalent, not run); build %.0fs, tests %.0fs"
              % (len(todo), len(allm) - len(equivalent), len(equivalent), t1 - t0, base), flush=True)

        results = []
        start = time.time()
        for i, mu in enumerate(todo):
            if a.budget and time.time() - start > a.budget:
                print("mutate: time budget spent after %d mutants" % i, flush=True)
                break
            path = os.path.join(tree, mu["file"])
            orig = open(path, encoding="utf-8").read()
            assert orig[mu["pos"]:mu["pos"] + len(mu["old"])] == mu["old"]
            try:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(orig[:mu["pos"]] + mu["new"] + orig[mu["pos"] + len(mu["old"]):])
                rc = run(["cmake", "--build", build, "-j", str(a.jobs), "--target"] + a.targets.split(), tree, 600)
                if rc != 0:
                    status = "invalid"
                else:
                    rc = run(["ctest", "-R", a.tests, "--stop-on-failure", "--timeout", str(int(timeout))],
                             build, timeout * 2)
                    status = "survived" if rc == 0 else "killed"
            finally:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(orig)
            mu = dict(mu, status=status)
            results.append(mu)
            if status == "survived":
                print("SURVIVED " + describe(mu), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n%-20s %7s %7s %9s %8s %7s" % ("file", "killed", "survived", "invalid", "equiv", "score"))
    tk = ts = 0
    per = {}
    for f in files:
        r = [mu for mu in results if mu["file"] == f]
        k = sum(mu["status"] == "killed" for mu in r)
        s = sum(mu["status"] == "survived" for mu in r)
        inv = sum(mu["status"] == "invalid" for mu in r)
        e = sum(mu["file"] == f for mu in equivalent)
        tk, ts = tk + k, ts + s
        score = 100.0 * k / (k + s) if k + s else float("nan")
        per[f] = {"killed": k, "survived": s, "invalid": inv, "equivalent": e, "score": score}
        print("%-20s %7d %7d %9d %8d %6.1f%%" % (f, k, s, inv, e, score))
    total = 100.0 * tk / (tk + ts) if tk + ts else float("nan")
    print("mutation score: %.1f%% (%d killed, %d survived, %d run, %.0fs)"
          % (total, tk, ts, len(results), time.time() - start))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"score": total, "files": per, "mutants": results}, fh, indent=1)
    if a.min_score and tk + ts and total < a.min_score:
        print("mutate: score below %.1f%%" % a.min_score)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
