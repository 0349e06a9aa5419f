#!/usr/bin/env bash
# Prompt reading of the built-in 1.5B model beside llama.cpp, on real Chinese RAG prompts: Zhiku with AMX tiles
# (where the CPU has them), Zhiku with BLAS (ZHIKU_AMX=off), and llama.cpp from the gpt4all 2.8.2 wheel, 2 threads
# each, twice per Zhiku row (model load excluded). Prompts: numbered sources from pages 10–13 of the Chinese Debian
# maintainer's guide (the dev QA set's document, fetched by ../shared/eval/qa/fetch.sh) cut to 1 300 and 2 600
# characters, plus a question. Needs the debug build, poppler-utils (pdftotext) and the bench virtualenv of
# scripts/bench.sh (or PYTHON=… with gpt4all==2.8.2 and numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku"
python="${PYTHON:-$cache/bench-venv/bin/python}"
model="$cache/models/qwen2.5-1.5b-instruct/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
guide="${QA_DOCS:-$cache/qa-docs}/maint-guide.zh-cn.pdf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pdftotext -f 10 -l 13 "$guide" "$work/guide.txt"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
text = open(f"{work}/guide.txt").read().replace("\f", "")
system = "你是知识库问答助手，只根据用户给出的编号资料回答问题。先用一到三句话直接回答，再在句末用 [n] 标注所依据的资料编号。"
for name, length in (("short", 1300), ("long", 2600)):
    user = "资料：\n[1] maint-guide.zh-cn.pdf, p. 10\n" + text[:length] + "\n\n问题：如何构建软件包？\n请根据资料用中文回答，并标注资料编号。"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    json.dump(messages, open(f"{work}/{name}.json", "w"), ensure_ascii=False)
    chatml = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + "<|im_start|>assistant\n"
    json.dump({"prompt": chatml}, open(f"{work}/{name}-llama.json", "w"), ensure_ascii=False)
PY
for name in short long; do
  for amx in on off; do
    for run in 1 2; do
      ZHIKU_AMX=$amx .build/debug/zhiku generate --model qwen2.5-1.5b-instruct --greedy --max-tokens 1 --json < "$work/$name.json" \
        | python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"zhiku ZHIKU_AMX=$amx: {len(d['prompt_token_ids'])} tokens, {d['first_token_seconds']:.2f} s\")"
    done
  done
  "$python" Benchmarks/peers/llamacpp_ctypes.py bench-prompt "$model" 2 < "$work/$name-llama.json" | sed 's/^/llama.cpp: /'
done
