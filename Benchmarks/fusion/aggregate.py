#!/usr/bin/env python3
"""Document-level evidence from chunks, scored offline on `zhiku eval --lists FILE` output: instead of ranking a
document where its best chunk ranks (what `zhiku eval` and the answer path do), aggregate the scores of all of its
chunks among the candidates — sum, best plus a share of the second, a decaying top 3 — for the keyword side alone and
for the default fusion (min-max scores, half and half). Prints nDCG@10 by document per variant and list file.

    python3 aggregate.py lists-zh-idioms-dev.jsonl lists-bbc-headlines-dev.jsonl
"""
import sys

from study import load, ndcg, normalised


def keyword_score(c, _):
    return c["keyword_score"] if c.get("keyword_rank") else None


def fused(c, cands, f=normalised(0.5)):
    return f(c, cands)


AGGREGATES = {
    "best chunk (today)": lambda s: s[0],
    "sum of chunks": sum,
    "best + 0.5 × second": lambda s: s[0] + 0.5 * (s[1] if len(s) > 1 else 0),
    "best + 0.25 × second": lambda s: s[0] + 0.25 * (s[1] if len(s) > 1 else 0),
    "top 3, weights 1, 0.5, 0.25": lambda s: sum(w * x for w, x in zip((1, 0.5, 0.25), s)),
}


def score_set(queries, chunk_score, aggregate):
    total = 0.0
    for q in queries:
        cands = q["candidates"]
        per_doc = {}
        for c in cands:
            s = chunk_score(c, cands)
            if s is None:
                continue
            for d in c["documents"]:
                per_doc.setdefault(d, []).append(s)
        ranked = sorted(per_doc, key=lambda d: -aggregate(sorted(per_doc[d], reverse=True)))
        total += ndcg(ranked, set(q["relevant"]))
    return total / len(queries)


files = sys.argv[1:]
data = [load(f) for f in files]
print("| chunk scores | document score | " + " | ".join(f.split("/")[-1] for f in files) + " |")
print("|---|---|" + "---|" * len(files))
for side, chunk_score in (("keyword (BM25)", keyword_score), ("fused (default)", fused)):
    for name, aggregate in AGGREGATES.items():
        print(f"| {side} | {name} | " + " | ".join(f"{score_set(d, chunk_score, aggregate):.4f}" for d in data) + " |", flush=True)
