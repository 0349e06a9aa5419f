#!/usr/bin/env bash
# Sets everything up and runs every test (one debug build, then the tests without rebuilding).
# Tests that read ../shared/eval print "skipped: ../shared/eval not found" when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
export PATH="/opt/swift/usr/bin:$PATH"
swift test --skip-build
