#!/usr/bin/env python3
"""Writes embeddinggemma-300m-reference.json: token ids from Hugging Face `tokenizers` on the model's
tokenizer.json (what sentence-transformers uses) and embeddings from a float64 numpy forward pass written here
from the safetensors (Gemma3 bidirectional encoder → mean pooling → 768→3072→768 dense → L2), for the
parity tests of Zhiku's EmbeddingGemma. Run once with numpy, safetensors and tokenizers installed:

    python3 embeddinggemma-reference.py ~/.cache/zhiku/models/embeddinggemma-300m > embeddinggemma-300m-reference.json

With a second argument, a JSON list of texts, it writes only their token ids (no prompt, no <bos>/<eos>) instead:
embeddinggemma-300m-tokenizer.json was made from 80 chunks drawn at random from the development QA documents as
Zhiku split them (Chinese and English manuals) plus hand-written edge cases (empty, spaces, tabs, control-token
spellings, emoji, full-width, other scripts, code).
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

folder = sys.argv[1]
weights = load_file(f"{folder}/model.safetensors")
dense1 = load_file(f"{folder}/2_Dense/model.safetensors")["linear.weight"].astype(np.float64)
dense2 = load_file(f"{folder}/3_Dense/model.safetensors")["linear.weight"].astype(np.float64)
config = json.load(open(f"{folder}/config.json"))
tokenizer = Tokenizer.from_file(f"{folder}/tokenizer.json")

H, HEADS, KV, D = config["hidden_size"], config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]
EPS, WINDOW = config["rms_norm_eps"], config["sliding_window"]


def w(name):
    return weights[name].astype(np.float64)


def rms(x, weight):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + EPS) * (1.0 + weight)


def rope(x, base):
    # x: [n, heads, D]; NEOX layout: the first half rotates with the second.
    n = x.shape[0]
    inv = 1.0 / base ** (np.arange(0, D, 2, dtype=np.float64) / D)
    angles = np.arange(n, dtype=np.float64)[:, None] * inv[None, :]
    cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
    a, b = x[..., : D // 2], x[..., D // 2:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def embed(ids):
    n = len(ids)
    x = weights["embed_tokens.weight"][ids].astype(np.float64)
    x = x * np.float64(np.float32(math.sqrt(H)))
    distance = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
    for layer, kind in enumerate(config["layer_types"]):
        p = f"layers.{layer}."
        h = rms(x, w(p + "input_layernorm.weight"))
        q = (h @ w(p + "self_attn.q_proj.weight").T).reshape(n, HEADS, D)
        k = (h @ w(p + "self_attn.k_proj.weight").T).reshape(n, KV, D)
        v = (h @ w(p + "self_attn.v_proj.weight").T).reshape(n, KV, D)
        q = rms(q, w(p + "self_attn.q_norm.weight"))
        k = rms(k, w(p + "self_attn.k_norm.weight"))
        base = config["rope_theta"] if kind == "full_attention" else config["rope_local_base_freq"]
        q, k = rope(q, base), rope(k, base)
        out = np.zeros((n, HEADS, D))
        for head in range(HEADS):
            kvh = head * KV // HEADS
            scores = q[:, head, :] @ k[:, kvh, :].T * config["query_pre_attn_scalar"] ** -0.5
            if kind == "sliding_attention":
                scores = np.where(distance < WINDOW, scores, -np.inf)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            out[:, head, :] = scores @ v[:, kvh, :]
        attended = out.reshape(n, HEADS * D) @ w(p + "self_attn.o_proj.weight").T
        x = x + rms(attended, w(p + "post_attention_layernorm.weight"))
        h = rms(x, w(p + "pre_feedforward_layernorm.weight"))
        h = (gelu_tanh(h @ w(p + "mlp.gate_proj.weight").T) * (h @ w(p + "mlp.up_proj.weight").T)) @ w(p + "mlp.down_proj.weight").T
        x = x + rms(h, w(p + "post_feedforward_layernorm.weight"))
    x = rms(x, w("norm.weight"))
    pooled = x.mean(0)
    out = (pooled @ dense1.T) @ dense2.T
    return out / np.linalg.norm(out)


if len(sys.argv) > 2:
    # Where Hugging Face and the sentencepiece library disagree (HF turns "<bos>" written in text into the control
    # token; SentencePiece keeps it text, as Zhiku does), the library's ids are kept too.
    import sentencepiece
    processor = sentencepiece.SentencePieceProcessor(model_file=f"{folder}/tokenizer.model")
    records = []
    for t in json.load(open(sys.argv[2])):
        record = {"text": t, "ids": tokenizer.encode(t, add_special_tokens=False).ids}
        if processor.encode(t) != record["ids"]:
            record["sentencepiece_ids"] = processor.encode(t)
        records.append(record)
    json.dump(records, sys.stdout, ensure_ascii=False, indent=0)
    print()
    sys.exit(0)

QUERY, DOCUMENT = "task: search result | query: ", "title: none | text: "
cases = [
    ("query", "装机时想要 KDE Plasma 而不是默认桌面，启动参数该怎么写？"),
    ("document", "在启动菜单中按 Tab 键，然后在内核参数后加上 desktop=kde 即可安装 KDE Plasma 桌面。"),
    ("query", "How do I pick the KDE desktop at install time?"),
    ("document", "LinuxCNC 的配置向导 StepConf 会为步进电机生成 .ini 和 .hal 文件。The wizard writes the files to ~/linuxcnc/configs."),
    ("document", "  leading spaces,\ttabs,\nnewlines and   runs of spaces; digits 12345 and 3.14159; emoji 🙂; <start_of_turn> stays text."),
    ("document", ""),
]
# One text longer than the 512-token sliding window, so the local layers' band is exercised.
long_text = "".join(f"第{i}节：本节说明如何配置服务器 {i} 的网络参数与存储设置。Section {i} explains the network settings. "
                    for i in range(1, 40))
cases.append(("document", long_text))

records = []
for purpose, text in cases:
    prompt = (QUERY if purpose == "query" else DOCUMENT) + text
    ids = tokenizer.encode(prompt).ids
    vector = embed(ids)
    records.append({"purpose": purpose, "text": text, "ids": ids, "embedding": [round(float(v), 7) for v in vector]})
    print(f"{purpose}: {len(ids)} tokens", file=sys.stderr)
json.dump(records, sys.stdout, ensure_ascii=False, indent=0)
print()
