#!/usr/bin/env bash
# Sets everything up and runs every test (one debug build, then the tests without rebuilding).
# Tests that read ../shared/eval end as skipped ("skipped: ../shared/eval not found") when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
export PATH="/opt/swift/usr/bin:$PATH"
# Package.swift declares exactly what each target imports (no hidden dependency, no unused one).
swift package describe --type json | python3 scripts/check-imports.py
# PostgreSQL 16.2 + pgvector 0.6.2 from the pgserver wheel, as an unprivileged user on a loopback port, for the
# PostgreSQL backend's tests; stopped (and its data removed) when the tests end.
ZHIKU_TEST_POSTGRES_URL="$(scripts/postgres.sh start "${ZHIKU_TEST_POSTGRES_PORT:-55432}")"
export ZHIKU_TEST_POSTGRES_URL
trap 'scripts/postgres.sh stop "${ZHIKU_TEST_POSTGRES_PORT:-55432}"' EXIT
# At most eight tests at a time: all ~190 at once (Swift Testing's default) start dozens of servers, model loads and
# `zhiku` processes together on two cores, and requests then wait minutes for a turn.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}"
swift test --skip-build
