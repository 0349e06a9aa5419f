#!/usr/bin/env python3
"""Writes onnx-operators.json and pp-ocrv4-reference.json, the reference outputs Zhiku's ONNX interpreter is tested
against (ONNXSessionTests, PaddleOCRModelTests). Needs numpy, onnx and onnxruntime:

    python3 onnx-reference.py ~/.cache/zhiku/models/pp-ocrv4 PAGE.png > /dev/null

onnx-operators.json: one tiny model per operator and attribute variant (built here with onnx.helper), its inputs
(seeded random numbers) and onnxruntime's outputs; plus hostile files (a truncated model, a tensor of 2^40 elements,
an unknown operator) the interpreter must refuse. pp-ocrv4-reference.json: crops of a real page (PAGE.png, a page of
a development document rendered at 300 dpi), normalised as PP-OCR does, through the detection, recognition and
direction models: the detection map in full, the recognition's best five classes per time step, the classifier's
two scores.
"""
import base64
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

rng = np.random.default_rng(7)
cases = []


def b64(array, dtype=np.float32):
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode()


def tensor_json(array):
    array = np.asarray(array)
    if array.dtype.kind in "iub":
        return {"shape": list(array.shape), "ints": array.astype(np.int64).reshape(-1).tolist()}
    return {"shape": list(array.shape), "floats": b64(array)}


def case(name, op, inputs, attrs=None, constants=None, outputs=1, opset=12):
    """inputs: list of (name, numpy array) fed at run time; constants: list of (name, array) stored in the model."""
    constants = constants or []
    nodes = []
    for cname, array in constants:
        nodes.append(helper.make_node("Constant", [], [cname], value=numpy_tensor(array, cname)))
    order = [n for n, _ in inputs] + [n for n, _ in constants]
    input_names = [n for n in (attrs or {}).pop("_order", order)] if attrs and "_order" in attrs else order
    out_names = [f"y{i}" for i in range(outputs)]
    nodes.append(helper.make_node(op, input_names, out_names, name=name, **(attrs or {})))
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT if a.dtype.kind == "f" else TensorProto.INT64, list(a.shape)) for n, a in inputs],
        [helper.make_empty_tensor_value_info(n) for n in out_names])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    results = session.run(None, {n: a for n, a in inputs})
    cases.append({
        "name": name,
        "model": base64.b64encode(model.SerializeToString()).decode(),
        "inputs": {n: tensor_json(a) for n, a in inputs},
        "outputs": {n: tensor_json(r) for n, r in zip(out_names, results)},
    })


def numpy_tensor(array, name):
    return onnx.numpy_helper.from_array(np.asarray(array), name)


def r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# element-wise, with broadcasting
for op in ["Add", "Sub", "Mul", "Div"]:
    case(f"{op} same shape", op, [("a", r(2, 3, 4, 5)), ("b", r(2, 3, 4, 5))])
    case(f"{op} per channel", op, [("a", r(2, 3, 4, 5)), ("b", r(1, 3, 1, 1) + 3)])
    case(f"{op} scalar", op, [("a", r(2, 3, 4)), ("b", np.array(1.5, dtype=np.float32))])
    case(f"{op} both broadcast", op, [("a", r(3, 1, 5)), ("b", r(4, 1) + 3)])
case("Add ints", "Add", [("a", np.array([2, 3, 4], dtype=np.int64)), ("b", np.array([1], dtype=np.int64))])
case("Mul ints", "Mul", [("a", np.array([2, 3, 4], dtype=np.int64)), ("b", np.array([5, 6, 7], dtype=np.int64))])
case("Pow square", "Pow", [("a", r(2, 7))], constants=[("e", np.array(2.0, dtype=np.float32))])
case("Pow general", "Pow", [("a", np.abs(r(2, 7)) + 0.1)], constants=[("e", np.array(1.7, dtype=np.float32))])
for op in ["Sqrt", "Relu", "Sigmoid", "Tanh", "Exp"]:
    x = r(2, 3, 5)
    if op == "Sqrt":
        x = np.abs(x)
    case(op, op, [("x", x)])
case("LeakyRelu", "LeakyRelu", [("x", r(3, 8))], {"alpha": 0.1})
case("HardSigmoid", "HardSigmoid", [("x", r(3, 8) * 4)], {"alpha": 0.1666667, "beta": 0.5})
case("HardSwish", "HardSwish", [("x", r(3, 8) * 4)], opset=14)
case("Clip inputs", "Clip", [("x", r(3, 8) * 4)], constants=[("lo", np.array(0.0, dtype=np.float32)), ("hi", np.array(6.0, dtype=np.float32))])
case("Clip opset 6", "Clip", [("x", r(3, 8) * 4)], {"min": -1.0, "max": 2.0}, opset=6)
case("Identity", "Identity", [("x", r(2, 2))])
case("Cast to int", "Cast", [("x", r(2, 5) * 10)], {"to": TensorProto.INT64})
case("Cast to float", "Cast", [("x", np.array([1, -2, 3], dtype=np.int64))], {"to": TensorProto.FLOAT})
# shapes
case("Shape", "Shape", [("x", r(2, 3, 4))])
case("Reshape with 0 and -1", "Reshape", [("x", r(2, 3, 4))], constants=[("s", np.array([0, -1, 2], dtype=np.int64))])
case("Flatten", "Flatten", [("x", r(2, 3, 4))], {"axis": 2})
case("Squeeze", "Squeeze", [("x", r(1, 3, 1, 4))], {"axes": [2]})
case("Squeeze all", "Squeeze", [("x", r(1, 3, 1, 4))])
case("Unsqueeze", "Unsqueeze", [("x", r(3, 4))], {"axes": [0, 3]})
case("Transpose", "Transpose", [("x", r(2, 3, 4, 5))], {"perm": [2, 0, 3, 1]})
case("Transpose default", "Transpose", [("x", r(2, 3, 4))])
case("Slice", "Slice", [("x", r(4, 6, 5))], constants=[("st", np.array([1, -4], dtype=np.int64)), ("en", np.array([3, 100], dtype=np.int64)),
                                                      ("ax", np.array([0, 1], dtype=np.int64))])
case("Slice steps", "Slice", [("x", r(4, 9))], constants=[("st", np.array([-1, 1], dtype=np.int64)), ("en", np.array([-100, 8], dtype=np.int64)),
                                                         ("ax", np.array([0, 1], dtype=np.int64)), ("sp", np.array([-1, 3], dtype=np.int64))])
case("Slice ints", "Slice", [("x", np.array([2, 3, 48, 320], dtype=np.int64))],
     constants=[("st", np.array([2], dtype=np.int64)), ("en", np.array([4], dtype=np.int64))])
case("Concat", "Concat", [("a", r(2, 3, 4)), ("b", r(2, 1, 4)), ("c", r(2, 2, 4))], {"axis": 1})
case("Concat last", "Concat", [("a", r(2, 3)), ("b", r(2, 5))], {"axis": -1})
case("Concat ints", "Concat", [("a", np.array([1, 2], dtype=np.int64)), ("b", np.array([-1], dtype=np.int64))], {"axis": 0})
# convolutions
case("Conv 3x3 pad", "Conv", [("x", r(1, 4, 9, 11))], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]},
     constants=[("w", r(6, 4, 3, 3)), ("b", r(6))])
case("Conv stride 2 asymmetric pad", "Conv", [("x", r(2, 3, 10, 9))], {"kernel_shape": [3, 3], "pads": [0, 1, 1, 0], "strides": [2, 2]},
     constants=[("w", r(5, 3, 3, 3))])
case("Conv 1x1", "Conv", [("x", r(1, 8, 5, 7))], {"kernel_shape": [1, 1]}, constants=[("w", r(4, 8, 1, 1)), ("b", r(4))])
case("Conv depthwise", "Conv", [("x", r(1, 6, 9, 8))], {"kernel_shape": [5, 5], "pads": [2, 2, 2, 2], "group": 6},
     constants=[("w", r(6, 1, 5, 5)), ("b", r(6))])
case("Conv depthwise stride 2", "Conv", [("x", r(1, 4, 11, 10))], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2], "group": 4},
     constants=[("w", r(4, 1, 3, 3))])
case("Conv grouped", "Conv", [("x", r(1, 6, 7, 7))], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "group": 3},
     constants=[("w", r(9, 2, 3, 3))])
case("Conv dilated", "Conv", [("x", r(1, 3, 12, 12))], {"kernel_shape": [3, 3], "pads": [2, 2, 2, 2], "dilations": [2, 2]},
     constants=[("w", r(4, 3, 3, 3))])
case("Conv rectangular stride", "Conv", [("x", r(1, 3, 8, 12))], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 1]},
     constants=[("w", r(4, 3, 3, 3))])
case("ConvTranspose 2x2 stride 2", "ConvTranspose", [("x", r(1, 4, 5, 6))], {"kernel_shape": [2, 2], "strides": [2, 2]},
     constants=[("w", r(4, 3, 2, 2)), ("b", r(3))])
case("ConvTranspose 3x3 pad", "ConvTranspose", [("x", r(1, 3, 4, 4))], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]},
     constants=[("w", r(3, 2, 3, 3))])
case("BatchNormalization", "BatchNormalization", [("x", r(2, 3, 4, 5))], {"epsilon": 1e-5},
     constants=[("s", r(3)), ("bb", r(3)), ("m", r(3)), ("v", np.abs(r(3)) + 0.5)])
case("MaxPool", "MaxPool", [("x", r(1, 2, 9, 9))], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]})
case("MaxPool ceil", "MaxPool", [("x", r(1, 2, 8, 8))], {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1})
case("AveragePool", "AveragePool", [("x", r(1, 2, 9, 8))], {"kernel_shape": [3, 2], "strides": [3, 2]})
case("AveragePool pad include", "AveragePool", [("x", r(1, 2, 7, 7))], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                                                                         "count_include_pad": 1})
case("AveragePool pad exclude", "AveragePool", [("x", r(1, 2, 7, 7))], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]})
case("GlobalAveragePool", "GlobalAveragePool", [("x", r(2, 3, 5, 4))])
case("Resize nearest scales", "Resize", [("x", r(1, 2, 3, 4))], {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                                                                  "nearest_mode": "floor"},
     constants=[("roi", np.zeros(0, dtype=np.float32)), ("sc", np.array([1, 1, 2, 2], dtype=np.float32))], opset=11)
case("Resize linear half pixel", "Resize", [("x", r(1, 2, 4, 5))], {"mode": "linear"},
     constants=[("roi", np.zeros(0, dtype=np.float32)), ("sc", np.array([1, 1, 2, 1.5], dtype=np.float32))], opset=11)
case("Resize sizes", "Resize", [("x", r(1, 1, 4, 6))], {"mode": "nearest"},
     constants=[("roi", np.zeros(0, dtype=np.float32)), ("sc", np.zeros(0, dtype=np.float32)), ("sz", np.array([1, 1, 7, 9], dtype=np.int64))], opset=11)
# products and normalisation
case("MatMul weight", "MatMul", [("a", r(2, 7, 12))], constants=[("w", r(12, 5))])
case("MatMul batched", "MatMul", [("a", r(2, 3, 7, 8)), ("b", r(2, 3, 8, 6))])
case("MatMul broadcast", "MatMul", [("a", r(2, 3, 7, 8)), ("b", r(3, 8, 6))])
case("Gemm", "Gemm", [("a", r(4, 6))], {"transB": 1, "alpha": 0.5, "beta": 2.0}, constants=[("w", r(3, 6)), ("c", r(3))])
case("Softmax last", "Softmax", [("x", r(2, 3, 7))], {"axis": 2})
case("Softmax opset 12 flattens", "Softmax", [("x", r(2, 3, 4))], {"axis": 1})
case("Softmax opset 13 axis", "Softmax", [("x", r(2, 3, 4))], {"axis": 1}, opset=13)
case("ReduceMean last", "ReduceMean", [("x", r(2, 3, 8))], {"axes": [-1]})
case("ReduceMean middle no keep", "ReduceMean", [("x", r(2, 3, 4))], {"axes": [1], "keepdims": 0})
case("LayerNormalization", "LayerNormalization", [("x", r(2, 5, 8))], {"axis": -1, "epsilon": 1e-6},
     constants=[("g", r(8)), ("bb", r(8))], opset=17)

# Conv followed by BatchNormalization, folded at load.
nodes = [
    helper.make_node("Constant", [], ["w"], value=numpy_tensor(r(4, 3, 3, 3), "w")),
    helper.make_node("Constant", [], ["s"], value=numpy_tensor(r(4), "s")),
    helper.make_node("Constant", [], ["bb"], value=numpy_tensor(r(4), "bb")),
    helper.make_node("Constant", [], ["m"], value=numpy_tensor(r(4), "m")),
    helper.make_node("Constant", [], ["v"], value=numpy_tensor(np.abs(r(4)) + 0.5, "v")),
    helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv"),
    helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["bn"], name="bn"),
    helper.make_node("HardSigmoid", ["bn"], ["y0"], name="act", alpha=0.2, beta=0.5),
]
graph = helper.make_graph(nodes, "conv-bn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
                          [helper.make_tensor_value_info("y0", TensorProto.FLOAT, None)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
model.ir_version = 8
x = r(1, 3, 6, 6)
y = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
cases.append({"name": "Conv + BatchNormalization folded", "model": base64.b64encode(model.SerializeToString()).decode(),
              "inputs": {"x": tensor_json(x)}, "outputs": {"y0": tensor_json(y)}})

# Split (PicoDet's heads): sizes given as an input (opset 13) or as an attribute, and equal parts.
case("Split sizes", "Split", [("x", r(2, 7, 3))], {"axis": 1}, constants=[("split", np.array([2, 4, 1], dtype=np.int64))], outputs=3, opset=13)
case("Split equal", "Split", [("x", r(4, 6))], {"axis": -1}, outputs=3, opset=13)
case("Split attribute", "Split", [("x", r(5, 2))], {"axis": 0, "split": [3, 2]}, outputs=2, opset=11)

# The wired-table model's graph: shapes picked with Gather, a softmax spelled out (ReduceMax, Sub, Exp, ReduceSum,
# Div) and ArgMax over the classes.
case("Gather shape entry", "Gather", [("x", np.array([1, 3, 640, 480], dtype=np.int64))], {"axis": 0},
     constants=[("i", np.array(2, dtype=np.int64))])
case("Gather rows", "Gather", [("x", r(5, 4))], {"axis": 0}, constants=[("i", np.array([[4, 0], [-1, 2]], dtype=np.int64))])
case("Gather middle axis", "Gather", [("x", r(2, 6, 3))], {"axis": 1}, constants=[("i", np.array([5, 1, 1], dtype=np.int64))])
case("ReduceMax channels", "ReduceMax", [("x", r(1, 3, 4, 5))], {"axes": [1], "keepdims": 1}, opset=11)
case("ReduceMax all no keep", "ReduceMax", [("x", r(2, 3, 4))], {"keepdims": 0}, opset=11)
case("ReduceSum attribute", "ReduceSum", [("x", r(1, 3, 4, 5))], {"axes": [1]}, opset=11)
case("ReduceSum axes input", "ReduceSum", [("x", r(2, 3, 4))], {"keepdims": 0}, constants=[("axes", np.array([0, 2], dtype=np.int64))], opset=13)
case("ArgMax channels", "ArgMax", [("x", r(1, 3, 4, 5))], {"axis": 1, "keepdims": 0}, opset=11)
case("ArgMax last keep", "ArgMax", [("x", r(2, 3, 7))], {"axis": -1}, opset=11)
case("ArgMax ties last", "ArgMax", [("x", np.array([[1, 3, 3, 0], [2, 2, 1, 2]], dtype=np.float32))], {"axis": 1, "select_last_index": 1}, opset=12)

# Hostile files.
hostile = {}
good = base64.b64decode(cases[0]["model"])
hostile["truncated"] = base64.b64encode(good[: len(good) * 2 // 3]).decode()
huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20], raw_data=b"\0" * 16)
graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "huge",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          initializer=[huge])
hostile["huge dims"] = base64.b64encode(helper.make_model(graph).SerializeToString()).decode()
short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1000], float_data=[1.0, 2.0])
graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "short",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          initializer=[short])
hostile["too few values"] = base64.b64encode(helper.make_model(graph).SerializeToString()).decode()
graph = helper.make_graph([helper.make_node("Einsum", ["x", "x"], ["y"], equation="i,i->", name="sum")], "unknown",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
hostile["unknown operator"] = base64.b64encode(helper.make_model(graph).SerializeToString()).decode()

json.dump({"cases": cases, "hostile": hostile}, open(sys.argv[3] if len(sys.argv) > 3 else "onnx-operators.json", "w"))

# PP-OCRv4 on crops of a real page.
folder, page = sys.argv[1], sys.argv[2]
import cv2  # noqa: E402

gray = cv2.imread(page, cv2.IMREAD_GRAYSCALE)


def normalized(crop):
    x = (crop.astype(np.float32) / 255.0 - 0.5) / 0.5
    return np.repeat(x[None, None], 3, axis=1)


def ocr_models():
    names = {"det": "ch_PP-OCRv4_det_infer.onnx", "rec": "ch_PP-OCRv4_rec_infer.onnx", "cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx"}
    return {k: ort.InferenceSession(f"{folder}/{v}", providers=["CPUExecutionProvider"]) for k, v in names.items()}


models = ocr_models()
out = {"page": page.split("/")[-1]}
# detection: a 128×192 crop of the text block
y0, x0 = int(gray.shape[0] * 0.2), int(gray.shape[1] * 0.12)
crop = gray[y0:y0 + 128, x0:x0 + 192]
det = models["det"].run(None, {"x": normalized(crop)})[0]
out["det"] = {"pixels": base64.b64encode(crop.tobytes()).decode(), "height": 128, "width": 192, "output": tensor_json(det)}
# recognition and direction: a 48×320 strip (one text line resized as PP-OCR does is 48 high)
strip = cv2.resize(gray[y0:y0 + 96, x0:x0 + 640], (320, 48), interpolation=cv2.INTER_LINEAR)
rec = models["rec"].run(None, {"x": normalized(strip)})[0][0]
top = np.argsort(-rec, axis=1)[:, :5]
out["rec"] = {"pixels": base64.b64encode(strip.tobytes()).decode(), "height": 48, "width": 320, "steps": rec.shape[0],
              "top": top.tolist(), "probabilities": np.take_along_axis(rec, top, axis=1).astype(float).round(7).tolist()}
cls_strip = cv2.resize(strip, (192, 48), interpolation=cv2.INTER_LINEAR)
cls = models["cls"].run(None, {"x": normalized(cls_strip)})[0]
out["cls"] = {"pixels": base64.b64encode(cls_strip.tobytes()).decode(), "height": 48, "width": 192, "output": cls.astype(float).round(7).tolist()}
json.dump(out, open(sys.argv[4] if len(sys.argv) > 4 else "pp-ocrv4-reference.json", "w"))
