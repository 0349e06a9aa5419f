#!/usr/bin/env bash
# Load test: 50 concurrent clients for 5 minutes (override: DURATION=60s CONNECTIONS=50) of mixed hybrid search and
# extractive answers against a release-built `zhiku serve` with sign-in on, on a knowledge base of 300 generated
# documents (Chinese and English). Prints wrk's summary and the server's resident memory every 15 s.
#
#   bash Benchmarks/load/run.sh            (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "load: wrk is missing (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product zhiku >/dev/null
bin="$(swift build -c release --show-bin-path)/zhiku"
data="$(mktemp -d)"; docs="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data" "$docs"' EXIT

source Benchmarks/load/policies.sh
write_policies "$docs"
export ZHIKU_DATA="$data" ZHIKU_REQUESTS_PER_MINUTE=0 ZHIKU_LOG_LEVEL=warning
"$bin" ingest --kb load --create "$docs" >/dev/null
"$bin" user create loadtest --role member --password loadtest-password >/dev/null
key="$("$bin" key create --user loadtest 2>/dev/null)"
admin_key="$("$bin" user create loadadmin --role admin --password loadtest-password >/dev/null; "$bin" key create --user loadadmin 2>/dev/null)"
port=18099
"$bin" serve --port "$port" > "$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS -X PUT -H "Authorization: Bearer $admin_key" -H 'content-type: application/json' \
  "http://127.0.0.1:$port/api/kbs/load/members/loadtest" -d '{"role":"viewer"}' >/dev/null
echo "load: server pid $server, $(ls "$docs" | wc -l) documents, RSS before: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server/status)"
( while kill -0 "$server" 2>/dev/null; do echo "rss $(date +%T) $(awk '/VmRSS/{print $2/1024}' /proc/$server/status) MiB"; sleep 15; done ) &
sampler=$!
ZHIKU_KEY="$key" ZHIKU_KB=load wrk -t2 -c"${CONNECTIONS:-50}" -d"${DURATION:-300s}" --timeout 30s --latency \
  -s Benchmarks/load/mixed.lua "http://127.0.0.1:$port"
kill "$sampler" 2>/dev/null || true
echo "load: RSS after: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server/status)"
