"""Peer for zhiku-bench: bm25s (Lucene idf, k1=1.2, b=0.75) with the same tokens as Zhiku
(lowercased words; CJK unigrams and bigrams), top 10 per query."""
import json, re, sys, time
import numpy as np
import bm25s

CJK = re.compile(r"[\u4e00-\u9fff]+")
WORD = re.compile(r"[^\W\u4e00-\u9fff]+")

def tokens(text):
    out = []
    for m in re.finditer(r"[\u4e00-\u9fff]+|[^\W\u4e00-\u9fff]+", text):
        run = m.group(0)
        if CJK.fullmatch(run):
            for i, ch in enumerate(run):
                out.append(ch)
                if i:
                    out.append(run[i - 1:i + 1])
        else:
            out.append(run.lower())
    return out

docs = open(sys.argv[1], encoding="utf-8").read().split("\n")
queries = open(sys.argv[2], encoding="utf-8").read().split("\n")
start = time.perf_counter()
retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
retriever.index([tokens(d) for d in docs], show_progress=False)
index_seconds = time.perf_counter() - start
latencies = []
for q in queries:
    t = time.perf_counter()
    retriever.retrieve([tokens(q)], k=10, show_progress=False)
    latencies.append((time.perf_counter() - t) * 1000)
print(json.dumps({"p50_ms": float(np.percentile(latencies, 50)), "p99_ms": float(np.percentile(latencies, 99)),
                  "index_seconds": index_seconds}))
