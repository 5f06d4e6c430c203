#!/usr/bin/env python3
"""Turns kube-apiserver audit events (JSON lines) into libkap requests
(formats.md), one per audit ID, in order. The policy sees the authenticated
user (not the impersonated one); a request is a resource request when the
event has an objectRef; the path is requestURI without its query.

usage: events_to_requests.py EVENTS.jsonl... > requests.jsonl
"""
import json
import sys


def convert(event):
    user = event.get("user") or {}
    ref = event.get("objectRef")
    uri = event.get("requestURI") or ""
    req = {
        "user": user.get("username"),
        "groups": user.get("groups") or [],
        "verb": event.get("verb") or "",
        "path": uri.split("?", 1)[0],
        "resourceRequest": ref is not None,
    }
    if ref is not None:
        req.update({
            "namespace": ref.get("namespace") or "",
            "apiGroup": ref.get("apiGroup") or "",
            "apiVersion": ref.get("apiVersion") or "",
            "resource": ref.get("resource") or "",
            "subresource": ref.get("subresource") or "",
            "name": ref.get("name") or "",
        })
    return req


def main(paths):
    seen = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                event = json.loads(line)
                key = event.get("auditID")
                if key and key in seen:
                    continue
                if key:
                    seen.add(key)
                print(json.dumps(convert(event), separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1:])
