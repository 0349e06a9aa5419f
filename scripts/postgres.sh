#!/usr/bin/env bash
# A throwaway PostgreSQL 16.2 with pgvector 0.6.2 on a loopback port, for tests and benchmarks. The binaries come
# from the PyPI wheel pgserver==0.1.4 (checked by sha256), unpacked once outside the clone: /opt/zhiku-pgserver when
# run as root, ${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/pgserver otherwise. PostgreSQL refuses to run as root, so as
# root the server runs as the system user zhiku-pg (created if missing).
#
#   scripts/postgres.sh start [PORT]   starts a fresh cluster (default port 55432) and prints its database URL
#   scripts/postgres.sh stop [PORT]    stops it and removes its data
set -euo pipefail

action="${1:-}"
port="${2:-55432}"
version=0.1.4
sha=d595789b47624a3d963aa9aa6359da9be31beb7e61f1a45541953242068b8813
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku"
if [ "$(id -u)" -eq 0 ]; then home=/opt/zhiku-pgserver; else home="$cache/pgserver"; fi
bin="$home/pgserver/pginstall/bin"
state="${TMPDIR:-/tmp}/zhiku-postgres-$port"

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u zhiku-pg -- "$@"; else "$@"; fi
}

install() {
  [ -f "$home/.wheel-sha256" ] && [ "$(cat "$home/.wheel-sha256")" = "$sha" ] && return 0
  mkdir -p "$cache/wheels"
  local wheel
  wheel="$(ls "$cache/wheels"/pgserver-$version-*.whl 2>/dev/null | head -n 1 || true)"
  if [ -z "$wheel" ] || [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$sha" ]; then
    echo "postgres: downloading pgserver==$version from PyPI…" >&2
    rm -f "$cache/wheels"/pgserver-$version-*.whl
    python3 -m pip download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
      --python-version 3.11 --platform manylinux2014_x86_64 "pgserver==$version" -d "$cache/wheels" >&2
    wheel="$(ls "$cache/wheels"/pgserver-$version-*.whl | head -n 1)"
  fi
  if [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$sha" ]; then
    echo "postgres: $wheel does not have sha256 $sha — refusing to use it" >&2
    exit 1
  fi
  rm -rf "$home.partial" && mkdir -p "$home.partial"
  # The server, its tools and pgvector (pgserver/pginstall), and the libraries they link (pgserver.libs).
  python3 - "$wheel" "$home.partial" <<'PY'
import os, sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith("/") or not (name.startswith("pgserver/pginstall/") or name.startswith("pgserver.libs/")):
            continue
        path = os.path.join(target, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(info) as source, open(path, "wb") as out:
            out.write(source.read())
        mode = (info.external_attr >> 16) & 0o777
        os.chmod(path, mode or 0o644)
PY
  chmod -R a+rX "$home.partial"
  echo "$sha" > "$home.partial/.wheel-sha256"
  rm -rf "$home" && mv "$home.partial" "$home"
}

case "$action" in
  start)
    install
    if [ "$(id -u)" -eq 0 ] && ! id zhiku-pg >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin zhiku-pg
    fi
    if [ -f "$state/data/postmaster.pid" ]; then as_server_user "$bin/pg_ctl" -D "$state/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$state" && mkdir -p "$state"
    [ "$(id -u)" -eq 0 ] && chown zhiku-pg "$state"
    as_server_user "$bin/initdb" -D "$state/data" -U postgres --auth=trust -E UTF8 --locale=C >"$state/initdb.log" 2>&1 \
      || { cat "$state/initdb.log" >&2; exit 1; }
    if ! as_server_user "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
        -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null; then
      cat "$state/server.log" >&2
      exit 1
    fi
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$state/data/postmaster.pid" ]; then
      as_server_user "$bin/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop [PORT]" >&2
    exit 2
    ;;
esac
