"""Peer for zhiku-bench: exact top-10 search with numpy (matrix-vector product + argpartition)."""
import json, sys, time
import numpy as np

n = int(sys.argv[2])
m = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, 384)
latencies = []
for q in range(int(sys.argv[3]) if len(sys.argv) > 3 else 200):
    query = m[q]
    t = time.perf_counter()
    scores = m @ query
    top = np.argpartition(-scores, 10)[:10]
    top = top[np.argsort(-scores[top])]
    latencies.append((time.perf_counter() - t) * 1000)
print(json.dumps({"p50_ms": float(np.percentile(latencies, 50)), "p99_ms": float(np.percentile(latencies, 99))}))
