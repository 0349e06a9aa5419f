#!/usr/bin/env python3
"""Top-1 cosine similarity of dev-set questions asked of their own collection and of the other one, for choosing
an embedding model's "not found" threshold. Reads the vectors `zhiku eval --data FOLDER` stored, embeds the
questions with `zhiku embed --model MODEL` (as queries), and prints percentiles and the best threshold.

    python3 calibrate.py ZHIKU MODEL OWN_DATA OWN_SET OTHER_SET [N]
e.g. python3 calibrate.py .build/debug/zhiku embeddinggemma-300m /tmp/ev-idioms-eg \
        ../shared/eval/retrieval/zh-idioms-dev ../shared/eval/retrieval/bbc-headlines-dev 150
"""
import json
import random
import sqlite3
import subprocess
import sys

import numpy as np

zhiku, model, data, own_set, other_set = sys.argv[1:6]
n = int(sys.argv[6]) if len(sys.argv) > 6 else 150


def questions(folder, seed):
    judged = {line.split("\t")[0] for line in open(f"{folder}/qrels/test.tsv").read().splitlines()[1:]}
    qs = [json.loads(line)["text"] for line in open(f"{folder}/queries.jsonl")
          if json.loads(line)["_id"] in judged]
    return random.Random(seed).sample(qs, n)


db = sqlite3.connect(f"{data}/zhiku.sqlite")
rows = db.execute("SELECT embedding FROM vectors WHERE model = ?", (model,)).fetchall()
matrix = np.stack([np.frombuffer(r[0], dtype="<f4") for r in rows])
own, other = questions(own_set, 1), questions(other_set, 2)
lines = "".join(json.dumps({"text": q, "is_query": True}, ensure_ascii=False) + "\n" for q in own + other)
out = subprocess.run([zhiku, "embed", "--model", model], input=lines, capture_output=True, text=True, check=True).stdout
vectors = np.array([json.loads(line)["embedding"] for line in out.splitlines()], dtype=np.float32)
best = (matrix @ vectors.T).max(0)
own_best, other_best = best[:n], best[n:]
for name, values in (("own collection", own_best), ("other collection", other_best)):
    p = np.percentile(values, [0, 5, 50, 95, 100])
    print(f"{name}: min {p[0]:.3f} p5 {p[1]:.3f} p50 {p[2]:.3f} p95 {p[3]:.3f} max {p[4]:.3f}")
print(json.dumps({"own": [round(float(v), 4) for v in own_best], "other": [round(float(v), 4) for v in other_best]}),
      file=sys.stderr)
