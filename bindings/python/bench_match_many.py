#!/usr/bin/env python3
"""match_many() against a match() loop on the same requests.

usage: KAP_LIBRARY=build/libkap.so python3 bindings/python/bench_match_many.py [POLICY] [REQUESTS] [N]
Defaults: GKE's policy and the audit-log requests in bench/data, 100,000 requests.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kap  # noqa: E402

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
policy = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "bench/data/gce-configure-helper.yaml")
reqfile = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "bench/data/audit-log-requests.jsonl")
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000

with open(reqfile, encoding="utf-8") as f:
    lines = [line for line in f if line.strip()]
# every request its own dict, as when reading n lines of an audit log
reqs = [json.loads(lines[i % len(lines)]) for i in range(n)]
kwargs = [
    dict(user=r.get("user"), groups=r.get("groups") or (), verb=r.get("verb", ""),
         namespace=r.get("namespace", ""), api_group=r.get("apiGroup", ""), resource=r.get("resource", ""),
         subresource=r.get("subresource", ""), name=r.get("name", ""), path=r.get("path", ""),
         resource_request=bool(r.get("resourceRequest")))
    for r in reqs
]

with kap.Policy.load(policy) as p:
    best_loop = best_many = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        one = [p.match(**k) for k in kwargs]
        best_loop = min(best_loop, time.perf_counter() - t)
        t = time.perf_counter()
        many = p.match_many(reqs)
        best_many = min(best_many, time.perf_counter() - t)
    assert one == many
    print(f"{n} requests, {os.path.basename(policy)}")
    print(f"match() loop : {best_loop * 1e9 / n:8.0f} ns/request")
    print(f"match_many() : {best_many * 1e9 / n:8.0f} ns/request")
    print(f"speedup      : {best_loop / best_many:8.1f}x")
    shared = [reqs[i % len(lines)] for i in range(n)]  # the same dict objects again and again
    best_shared = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        p.match_many(shared)
        best_shared = min(best_shared, time.perf_counter() - t)
    print(f"match_many() on {len(lines)} distinct dicts repeated: {best_shared * 1e9 / n:.0f} ns/request "
          f"({best_loop / best_shared:.1f}x)")
    text = "[" + ",".join(lines[i % len(lines)].strip() for i in range(n)) + "]"
    best_text = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        p.match_many(text)
        best_text = min(best_text, time.perf_counter() - t)
    print(f"match_many() on the JSON text: {best_text * 1e9 / n:.0f} ns/request ({best_loop / best_text:.1f}x)")
