#!/usr/bin/env python3
"""Writes wired-table-page.png and wired-table-reference.json, what TableGridDetectorTests compares Zhiku's run of
the wired-table model (cycle_center_net_v2.onnx from wired-table-rec 1.0.0) against. Needs numpy, opencv, onnx and
onnxruntime:

    python3 wired-table-reference.py MODEL.onnx PAGE.png X0,Y0,X1,Y1

PAGE.png is a page of a development document (maint-guide.zh-cn.pdf p. 39 rendered at 200 dpi, whose section table
has ten rows and three columns, open at the left and right); the box is the table with a margin. The crop is turned
grey, shrunk to a long side of 1 024 pixels (cv2 INTER_AREA, as wired-table-rec shrinks), padded with white to a
multiple of 32 pixels each way (as Zhiku pads) and kept as wired-table-page.png, so both sides read the same pixels.
The JSON holds onnxruntime's class map (run-length coded, row-major: [class, count, class, count, ...]) and the class
logits before the softmax (the graph's value '656') at 2 000 seeded random pixels.
"""
import json
import sys

import cv2
import numpy as np
import onnx
import onnxruntime as ort

model_path, page, box = sys.argv[1], sys.argv[2], [int(v) for v in sys.argv[3].split(",")]
gray = cv2.cvtColor(cv2.imread(page), cv2.COLOR_BGR2GRAY)[box[1]:box[3], box[0]:box[2]]
h, w = gray.shape
scale = 1024 / max(h, w)
gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
# Padded with white to a multiple of 32 each way, as Zhiku pads before the model (its maps are halved several times).
gray = cv2.copyMakeBorder(gray, 0, -gray.shape[0] % 32, 0, -gray.shape[1] % 32, cv2.BORDER_CONSTANT, value=255)
cv2.imwrite("wired-table-page.png", gray)
mean = np.array([123.675, 116.28, 103.53], dtype=np.float32)
std = np.array([58.395, 57.12, 57.375], dtype=np.float32)
rgb = np.repeat(gray[:, :, None], 3, axis=2).astype(np.float32)
x = ((rgb - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)

model = onnx.load(model_path)
model.graph.output.append(onnx.helper.make_empty_tensor_value_info("656"))
session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
classes, logits = session.run(["output", "656"], {"input": x})
classes = classes.reshape(-1)
runs = []
start = 0
for i in range(1, len(classes) + 1):
    if i == len(classes) or classes[i] != classes[start]:
        runs += [int(classes[start]), i - start]
        start = i
rng = np.random.default_rng(11)
picks = rng.choice(gray.size, 2000, replace=False)
flat = logits.reshape(logits.shape[1], -1)
json.dump({"width": gray.shape[1], "height": gray.shape[0], "runs": runs, "pixels": picks.tolist(),
           "logits": flat[:, picks].T.astype(float).round(5).tolist()},
          open("wired-table-reference.json", "w"))
print(gray.shape, np.bincount(classes))
