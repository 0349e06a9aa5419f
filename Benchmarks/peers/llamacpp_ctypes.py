"""Peer for Zhiku's tests and benchmarks: llama.cpp itself, as bundled in the gpt4all 2.8.2 wheel (its CPU build,
libllamamodel-mainline-kompute.so, exports llama.cpp's C API), called through ctypes on the same GGUF file.

Structs passed by value are handled as opaque byte buffers filled by llama.cpp's own *_default_params(); only
fields whose offsets were checked against those defaults are changed (context: n_ctx @4, n_batch @8,
n_threads @20, n_threads_batch @24).

Commands (one JSON object per line on stdin, one per line on stdout):
  tokenize MODEL        {"text", "special"}            -> {"ids"}
  greedy MODEL          {"prompt", "special", "n"}     -> {"prompt_ids", "greedy_ids", "top": [[id, logit]…]}
  bench-tokenize MODEL  {"text"}                       -> {"tokens", "seconds"}  (best of 3)
  bench-prompt MODEL THREADS  {"prompt"}               -> {"tokens", "seconds"}  (prompt processing, median of 3; one run from 1 000 tokens)
  bench-generate MODEL THREADS {"prompt", "n"}         -> {"tokens", "seconds"}  (n greedy tokens after the prompt)
"""
import ctypes, glob, json, os, struct, sys, time

import numpy as np

here = glob.glob(os.path.join(sys.prefix, "lib", "python3*", "site-packages", "gpt4all", "llmodel_DO_NOT_MODIFY", "build",
                              "libllamamodel-mainline-kompute.so"))
lib = ctypes.CDLL(here[0])


class Params(ctypes.Structure):
    _fields_ = [("b", ctypes.c_ubyte * 512)]


class Batch(ctypes.Structure):
    _fields_ = [("b", ctypes.c_ubyte * 128)]


lib.llama_model_default_params.restype = Params
lib.llama_context_default_params.restype = Params
lib.llama_load_model_from_file.restype = ctypes.c_void_p
lib.llama_load_model_from_file.argtypes = [ctypes.c_char_p, Params]
lib.llama_new_context_with_model.restype = ctypes.c_void_p
lib.llama_new_context_with_model.argtypes = [ctypes.c_void_p, Params]
lib.llama_tokenize.restype = ctypes.c_int32
lib.llama_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int32),
                               ctypes.c_int32, ctypes.c_bool, ctypes.c_bool]
lib.llama_batch_get_one.restype = Batch
lib.llama_batch_get_one.argtypes = [ctypes.POINTER(ctypes.c_int32), ctypes.c_int32, ctypes.c_int32, ctypes.c_int32]
lib.llama_decode.restype = ctypes.c_int32
lib.llama_decode.argtypes = [ctypes.c_void_p, Batch]
lib.llama_get_logits.restype = ctypes.POINTER(ctypes.c_float)
lib.llama_get_logits.argtypes = [ctypes.c_void_p]
lib.llama_n_vocab.restype = ctypes.c_int32
lib.llama_n_vocab.argtypes = [ctypes.c_void_p]
lib.llama_kv_cache_clear.argtypes = [ctypes.c_void_p]
lib.llama_free.argtypes = [ctypes.c_void_p]
lib.llama_log_set.argtypes = [ctypes.c_void_p, ctypes.c_void_p]

LOG = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
quiet = LOG(lambda level, text, data: None)
lib.llama_log_set(ctypes.cast(quiet, ctypes.c_void_p), None)
lib.llama_backend_init()


def load(path):
    model = lib.llama_load_model_from_file(path.encode(), lib.llama_model_default_params())
    if not model:
        sys.exit(f"llama.cpp could not load {path}")
    return model


def context(model, threads, n_ctx=4096):
    p = lib.llama_context_default_params()
    raw = bytearray(p.b)
    assert struct.unpack_from("<I", raw, 4)[0] == 512 and struct.unpack_from("<I", raw, 8)[0] == 2048, "unexpected layout"
    struct.pack_into("<III", raw, 4, n_ctx, n_ctx, 512)
    struct.pack_into("<II", raw, 20, threads, threads)
    p.b[:] = raw
    ctx = lib.llama_new_context_with_model(model, p)
    if not ctx:
        sys.exit("llama.cpp could not make a context")
    return ctx


def tokenize(model, text, special):
    data = text.encode()
    room = len(data) + 16
    out = (ctypes.c_int32 * room)()
    n = lib.llama_tokenize(model, data, len(data), out, room, False, special)
    if n < 0:
        sys.exit("llama_tokenize: buffer too small")
    return list(out[:n])


def decode(ctx, ids, position):
    arr = (ctypes.c_int32 * len(ids))(*ids)
    if lib.llama_decode(ctx, lib.llama_batch_get_one(arr, len(ids), position, 0)) != 0:
        sys.exit("llama_decode failed")


def argmax(logits, n):
    return int(np.ctypeslib.as_array(logits, shape=(n,)).argmax())


def main():
    command, path = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    model = load(path)
    vocab = lib.llama_n_vocab(model)
    ctx = context(model, threads) if command in ("greedy", "bench-prompt", "bench-generate") else None
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        if command == "tokenize":
            result = {"ids": tokenize(model, job["text"], job.get("special", False))}
        elif command == "greedy":
            ids = tokenize(model, job["prompt"], job.get("special", True))
            lib.llama_kv_cache_clear(ctx)
            decode(ctx, ids, 0)
            logits = lib.llama_get_logits(ctx)
            first = np.ctypeslib.as_array(logits, shape=(vocab,)).copy()
            order = np.argsort(-first, kind="stable")[:10]
            top = [(int(i), float(first[i])) for i in order]
            greedy, position = [], len(ids)
            for _ in range(job.get("n", 20)):
                token = argmax(logits, vocab) if greedy else top[0][0]
                greedy.append(token)
                decode(ctx, [token], position)
                position += 1
                logits = lib.llama_get_logits(ctx)
            result = {"prompt_ids": ids, "greedy_ids": greedy, "top": [[i, float(v)] for i, v in top]}
        elif command == "bench-tokenize":
            times = []
            for _ in range(3):
                start = time.perf_counter()
                ids = tokenize(model, job["text"], False)
                times.append(time.perf_counter() - start)
            result = {"tokens": len(ids), "seconds": min(times)}
        elif command == "bench-prompt":
            ids = tokenize(model, job["prompt"], True)
            times = []
            for _ in range(3 if len(ids) < 1000 else 1):
                lib.llama_kv_cache_clear(ctx)
                start = time.perf_counter()
                decode(ctx, ids, 0)
                times.append(time.perf_counter() - start)
            result = {"tokens": len(ids), "seconds": sorted(times)[len(times) // 2]}
        elif command == "bench-generate":
            ids = tokenize(model, job["prompt"], True)
            lib.llama_kv_cache_clear(ctx)
            decode(ctx, ids, 0)
            position, n = len(ids), job.get("n", 64)
            start = time.perf_counter()
            for _ in range(n):
                token = argmax(lib.llama_get_logits(ctx), vocab)
                decode(ctx, [token], position)
                position += 1
            result = {"tokens": n, "seconds": time.perf_counter() - start}
        else:
            sys.exit(f"unknown command {command}")
        print(json.dumps(result), flush=True)


main()
