#!/usr/bin/env python3
"""Fusion choices scored offline on the candidates `zhiku eval --lists FILE` wrote (each query's keyword and vector
top lists with ranks and scores, and the documents each chunk belongs to): nDCG@10 by document, as `zhiku eval`
computes it (a document ranks where its best chunk does). Prints one row per fusion and one column per list file,
with each file's keyword-only and vector-only scores for reference.

    python3 study.py idioms-e5.jsonl bbc-e5.jsonl idioms-gemma.jsonl bbc-gemma.jsonl
"""
import json
import math
import sys


def load(path):
    return [json.loads(line) for line in open(path)]


def ndcg(ranked_docs, relevant, k=10):
    if not relevant:
        return 0.0
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked_docs[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def documents(order):
    seen, out = set(), []
    for c in order:
        for d in c["documents"]:
            if d not in seen:
                seen.add(d)
                out.append(d)
    return out


def score_set(queries, scorer):
    total = 0.0
    for q in queries:
        cands = q["candidates"]
        scores = [scorer(c, cands) for c in cands]
        # Ties: better keyword rank, as Zhiku's fusion breaks them.
        order = [cands[i] for *_, i in sorted(((-s, c.get("keyword_rank") or 10**9, i) for i, (s, c) in
                                               enumerate(zip(scores, cands))))]
        total += ndcg(documents(order), set(q["relevant"]))
    return total / len(queries)


def rrf(k, wk=1.0, wv=1.0):
    def f(c, _):
        s = 0.0
        if c.get("keyword_rank"):
            s += wk / (k + c["keyword_rank"])
        if c.get("vector_rank"):
            s += wv / (k + c["vector_rank"])
        return s
    return f


def only(side):
    return lambda c, _: -(c.get(f"{side}_rank") or 10**9)


def normalised(alpha, depth=100):
    """Convex combination of min-max normalised scores over each side's top `depth` (missing: 0)."""
    def f(c, cands):
        key = id(cands)
        if key not in cache:
            bounds = {}
            for side in ("keyword", "vector"):
                vals = [x[f"{side}_score"] for x in cands if x.get(f"{side}_rank") and x[f"{side}_rank"] <= depth]
                bounds[side] = (min(vals), max(vals)) if vals else (0.0, 1.0)
            cache.clear()
            cache[key] = bounds
        b = cache[key]
        s = 0.0
        for side, w in (("keyword", 1 - alpha), ("vector", alpha)):
            r = c.get(f"{side}_rank")
            if r and r <= depth:
                lo, hi = b[side]
                s += w * ((c[f"{side}_score"] - lo) / (hi - lo) if hi > lo else 1.0)
        return s
    cache = {}
    return f


def agreement(k, top=10):
    """Per-query weights from the two lists' agreement: the share of the keyword top `top` also in the vector top
    `top` sets the keyword side's weight (little agreement: trust the vector side more)."""
    def f(c, cands):
        key = id(cands)
        if key not in cache:
            kw = {i for i, x in enumerate(cands) if x.get("keyword_rank") and x["keyword_rank"] <= top}
            vec = {i for i, x in enumerate(cands) if x.get("vector_rank") and x["vector_rank"] <= top}
            cache.clear()
            cache[key] = len(kw & vec) / top
        overlap = cache[key]
        return rrf(k, wk=0.5 + overlap, wv=1.0)(c, cands)
    cache = {}
    return f


def main():
    files = sys.argv[1:]
    data = [load(f) for f in files]
    variants = [("keyword only", only("keyword")), ("vector only", only("vector"))]
    variants += [(f"RRF k={k}", rrf(k)) for k in (5, 10, 20, 60)]
    variants += [(f"RRF k={k}, keyword {wk}", rrf(k, wk=wk)) for k in (5, 10, 20) for wk in (0.3, 0.5, 0.7, 0.85)]
    variants += [(f"min-max scores, vector {a}", normalised(a)) for a in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)]
    variants += [(f"agreement-weighted RRF k={k}", agreement(k)) for k in (5, 10, 20)]
    print("| fusion | " + " | ".join(f.split("/")[-1] for f in files) + " | worst margin over the better side |")
    print("|---|" + "---|" * (len(files) + 1))
    best_side = [max(score_set(d, only("keyword")), score_set(d, only("vector"))) for d in data]
    for name, scorer in variants:
        scores = [score_set(d, scorer) for d in data]
        margin = min(s - b for s, b in zip(scores, best_side))
        print(f"| {name} | " + " | ".join(f"{s:.4f}" for s in scores) + f" | {margin:+.4f} |", flush=True)


if __name__ == "__main__":
    main()
