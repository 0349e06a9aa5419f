#!/usr/bin/env bash
# Load test with generated answers: 20 clients for 10 minutes (override: DURATION=600s) against `zhiku serve` with
# sign-in on and the built-in default chat model. Two clients ask for generated answers back to back (one user's
# limit of answers in progress; the model generates one at a time, so generation never idles); eighteen clients
# search and check health with 0.5–1.5 s between requests. Prints both wrk summaries (the light requests' latency
# is the figure that matters) and the server's resident memory every 15 s.
#
#   bash Benchmarks/load/run-generate.sh            (needs wrk: apt-get install wrk; BUILD=release for a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "load: wrk is missing (apt-get install wrk)" >&2; exit 1; }
build="${BUILD:-debug}"
swift build -c "$build" --product zhiku >/dev/null
bin="$(swift build -c "$build" --show-bin-path)/zhiku"
data="$(mktemp -d)"; docs="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data" "$docs"' EXIT

source Benchmarks/load/policies.sh
write_policies "$docs"
export ZHIKU_DATA="$data" ZHIKU_REQUESTS_PER_MINUTE=0 ZHIKU_LOG_LEVEL=warning
"$bin" ingest --kb load --create "$docs" >/dev/null
"$bin" user create loadtest --role member --password loadtest-password >/dev/null
key="$("$bin" key create --user loadtest 2>/dev/null)"
"$bin" user create asker --role member --password loadtest-password >/dev/null
asker_key="$("$bin" key create --user asker 2>/dev/null)"
admin_key="$("$bin" user create loadadmin --role admin --password loadtest-password >/dev/null; "$bin" key create --user loadadmin 2>/dev/null)"
port=18098
"$bin" serve --port "$port" > "$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
for user in loadtest asker; do
  curl -fsS -X PUT -H "Authorization: Bearer $admin_key" -H 'content-type: application/json' \
    "http://127.0.0.1:$port/api/kbs/load/members/$user" -d '{"role":"viewer"}' >/dev/null
done
# The chat model loaded and warm before the clock starts.
curl -fsS -H "Authorization: Bearer $asker_key" -H 'content-type: application/json' "http://127.0.0.1:$port/api/chat" \
  -d '{"kb":"load","question":"warm up","max_tokens":4,"store":false}' >/dev/null
echo "load: server pid $server, $(ls "$docs" | wc -l) documents, RSS before: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server/status)"
( while kill -0 "$server" 2>/dev/null; do echo "rss $(date +%T) $(awk '/VmRSS/{print $2/1024}' /proc/$server/status) MiB"; sleep 15; done ) &
sampler=$!
ZHIKU_KEY="$asker_key" ZHIKU_KB=load wrk -t1 -c2 -d"${DURATION:-600s}" --timeout 300s -s Benchmarks/load/generate.lua \
  "http://127.0.0.1:$port" > "$data/generate.out" &
generating=$!
ZHIKU_KEY="$key" ZHIKU_KB=load wrk -t2 -c18 -d"${DURATION:-600s}" --timeout 30s --latency -s Benchmarks/load/light.lua \
  "http://127.0.0.1:$port"
wait "$generating" || true
cat "$data/generate.out"
kill "$sampler" 2>/dev/null || true
echo "load: RSS after: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server/status)"
echo "load: server log warnings/errors: $(grep -c -E 'warning|error' "$data/serve.log" || true)"
