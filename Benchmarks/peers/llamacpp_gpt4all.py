"""Peer for zhiku-bench: llama.cpp (as bundled in the gpt4all 2.8.2 wheel, CPU backend) on the same SmolLM2 GGUF.

Its llama.cpp predates the 'smollm' pre-tokenizer name, so it is given a copy of the file whose
tokenizer.ggml.pre says 'gpt-2' (weights identical; only digit splitting differs, and the prompts have no digits).
Arguments: model.gguf prompt.txt story.txt prompt_tokens threads..."""
import json, sys, time
from gpt4all import GPT4All

path, prompt_file, story_file, prompt_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
prompt = open(prompt_file, encoding="utf-8").read()
story = open(story_file, encoding="utf-8").read()
folder, name = path.rsplit("/", 1)
result = {}
for threads in [int(t) for t in sys.argv[5:]]:
    model = GPT4All(model_name=name, model_path=folder, allow_download=False, device="cpu", n_threads=threads, n_ctx=2048)
    model.generate(story, max_tokens=4, temp=0)  # warm up
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        first = []
        model.generate(prompt, max_tokens=1, temp=0, callback=lambda t, r: first.append(time.perf_counter()) or True)
        rates.append(prompt_tokens / (first[0] - start))
    result[f"prompt_tps_{threads}"] = sorted(rates)[1]
    stamps = []
    model.generate(story, max_tokens=128, temp=0, callback=lambda t, r: stamps.append(time.perf_counter()) or True)
    result[f"generate_tps_{threads}"] = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    result[f"generated_{threads}"] = len(stamps)
print(json.dumps(result))
