#!/usr/bin/env python3
"""Checks that Package.swift declares exactly what each target imports: every module a target's sources import
is one of its dependencies, and every dependency is imported somewhere in it. Reads `swift package describe
--type json` on standard input; prints each mismatch and exits 1 when there is one. Also checks that the `zhiku`
command line does not link the HTTP server (only `zhiku-server` does)."""
import glob
import json
import os
import re
import sys

# Modules of the toolchain, not of the package graph.
TOOLCHAIN = {"Foundation", "FoundationNetworking", "FoundationXML", "Testing", "XCTest", "Dispatch", "Glibc", "Synchronization", "_Concurrency"}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@preconcurrency\s+|@_exported\s+|public\s+|package\s+|internal\s+)*import\s+"
                    r"(?:struct\s+|enum\s+|class\s+|func\s+|protocol\s+)?([A-Za-z_][A-Za-z0-9_]*)")

description = json.load(sys.stdin)
problems = []
for target in description["targets"]:
    files = glob.glob(os.path.join(target["path"], "**", "*.swift"), recursive=True)
    if not files:
        continue  # C targets and module maps
    imported = set()
    for name in files:
        with open(name, encoding="utf-8") as source:
            for line in source:
                match = IMPORT.match(line)
                if match:
                    imported.add(match.group(1))
    imported -= TOOLCHAIN | {target["name"]}
    declared = set(target.get("target_dependencies", [])) | set(target.get("product_dependencies", []))
    if imported - declared:
        problems.append(f"{target['name']} imports {sorted(imported - declared)} without declaring them")
    if declared - imported:
        problems.append(f"{target['name']} declares {sorted(declared - imported)} without importing them")
# Modules the `zhiku` command line must not reach through any chain of dependencies: the HTTP server lives in
# `zhiku-server`, so engine-only commands (split, embed, eval, …) build and start without it.
NOT_IN_CLI = {"ZhikuServer", "Hummingbird", "MultipartKit", "Prometheus"}
graph = {t["name"]: set(t.get("target_dependencies", [])) | set(t.get("product_dependencies", []))
         for t in description["targets"]}
reached, stack = set(), ["zhiku"]
while stack:
    name = stack.pop()
    for dependency in graph.get(name, ()):
        if dependency not in reached:
            reached.add(dependency)
            stack.append(dependency)
if reached & NOT_IN_CLI:
    problems.append(f"the zhiku executable reaches {sorted(reached & NOT_IN_CLI)}; the HTTP server belongs in zhiku-server")
for problem in problems:
    print("check-imports:", problem)
sys.exit(1 if problems else 0)
