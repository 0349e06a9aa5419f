"""Peer for zhiku-bench: LangChain's RecursiveCharacterTextSplitter on the same text and settings."""
import json, sys, time
from langchain_text_splitters import RecursiveCharacterTextSplitter

text = open(sys.argv[1], encoding="utf-8").read()
splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, separators=json.loads(sys.argv[2]))
best, chunks = float("inf"), 0
for _ in range(3):
    start = time.perf_counter()
    chunks = len(splitter.split_text(text))
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "chunks": chunks}))
