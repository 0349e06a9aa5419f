#!/usr/bin/env bash
# Sets everything up and starts Zhiku: the web page and HTTP API on http://127.0.0.1:8080, SQLite in ./data.
# Settings come from the environment (ZHIKU_DATA, ZHIKU_HOST, ZHIKU_PORT, ZHIKU_MAX_UPLOAD_BYTES, ZHIKU_WORKERS);
# extra arguments go to `zhiku serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
bin="$(swift build --show-bin-path)/zhiku"
mkdir -p "${ZHIKU_DATA:-data}"
exec "$bin" serve "$@"
