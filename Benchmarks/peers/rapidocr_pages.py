#!/usr/bin/env python3
"""Peer for the OCR benchmark: RapidOCR 1.4.4 (PP-OCRv4 on onnxruntime) reading each image given, in-process, one
thread for onnxruntime and OpenCV, direction classifier off (as Zhiku runs PP-OCR), after one untimed warm-up read.
Prints one JSON line per image: {"image", "seconds", "det", "rec", "text"}; the text's lines are RapidOCR's boxes
in its own order."""
import json
import os
import sys
import time

for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[key] = "1"
import cv2  # noqa: E402

cv2.setNumThreads(1)
from rapidocr_onnxruntime import RapidOCR  # noqa: E402

engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False)
images = sys.argv[1:]
if images:
    engine(images[0])
for path in images:
    start = time.perf_counter()
    result, elapse = engine(path)
    seconds = time.perf_counter() - start
    text = "\n".join(r[1] for r in (result or []))
    print(json.dumps({"image": os.path.basename(path), "seconds": round(seconds, 3),
                      "det": round((elapse or [0])[0], 3), "rec": round((elapse or [0, 0, 0])[-1], 3), "text": text},
                     ensure_ascii=False), flush=True)
