"""Writes src/Portal.Inference/Onnx/cuda-probe.onnx: y = x + x on a float[1], the smallest model whose session makes
ONNX Runtime's CUDA provider open the device. OnnxSessionFactory creates and runs it once to learn whether CUDA is
usable before any real model is loaded. Run with Debian's Python: /usr/bin/python3 tools/cuda-probe/make_probe.py"""
import pathlib

import onnx
from onnx import TensorProto, helper

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "cuda-probe", [x], [y])
model = helper.make_model(graph, producer_name="portal", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
out = pathlib.Path(__file__).resolve().parents[2] / "src" / "Portal.Inference" / "Onnx" / "cuda-probe.onnx"
out.write_bytes(model.SerializeToString())
print(f"{out}: {out.stat().st_size} bytes")
