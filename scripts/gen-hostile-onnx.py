#!/usr/bin/env python3
"""Writes the hostile ONNX models of tests/fuzz/regressions/onnx/ (hand-made inputs for the ONNX reader: folding
that would allocate without bound, non-integer shape constants, out-of-range attributes, missing inputs, bad external
data). Each must make lpsim exit 2 with a message, never crash; ctest fuzz.onnx.replay runs them under ASan + UBSan.

Usage: /usr/bin/python3 scripts/gen-hostile-onnx.py OUT_DIR   (needs Debian's python3-onnx and python3-numpy)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)


def model(name, nodes, inits, xshape=(1, 3, 8, 8), tail=True):
    """A graph with input x; `tail` adds y = x + c_out so that folded constants feed data."""
    x = h.make_tensor_value_info("x", T.FLOAT, list(xshape))
    y = h.make_tensor_value_info("y", T.FLOAT, None)
    if tail:
        nodes = nodes + [h.make_node("Add", ["x", "c_out"], ["y"])]
    g = h.make_graph(nodes, name, [x], [y], initializer=inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def i64(n, v):
    return nh.from_array(np.array(v, dtype=np.int64), n)


def f32(n, v):
    return nh.from_array(np.array(v, dtype=np.float32), n)


def folded(name, nodes, inits):
    model(name, nodes, inits, xshape=(1, 4))


def data(name, nodes, inits, xshape=(1, 3, 8, 8)):
    model(name, nodes, inits, xshape=xshape, tail=False)


# Constant folding at import (all inputs constant): unbounded sizes, non-integer and out-of-range constants.
folded("reshape_bigfloat", [h.make_node("Reshape", ["w", "s"], ["c_out"])], [f32("w", [1,2,3,4]), f32("s", [1e30])])
folded("reshape_nan", [h.make_node("Reshape", ["w", "s"], ["c_out"])], [f32("w", [1,2,3,4]), f32("s", [float("nan")])])
folded("reshape_neg", [h.make_node("Reshape", ["w", "s"], ["c_out"])], [f32("w", [1,2,3,4]), i64("s", [-2, -2])])
folded("cos_huge", [h.make_node("ConstantOfShape", ["s"], ["c_out"])], [i64("s", [10**12])])
folded("cos_neg", [h.make_node("ConstantOfShape", ["s"], ["c_out"])], [i64("s", [-5])])
folded("range_huge", [h.make_node("Range", ["a", "b", "d"], ["c_out"])], [f32("a", 0), f32("b", 1e12), f32("d", 1)])
folded("range_inf", [h.make_node("Range", ["a", "b", "d"], ["c_out"])], [f32("a", 0), f32("b", float("inf")), f32("d", 1)])
folded("range_nan", [h.make_node("Range", ["a", "b", "d"], ["c_out"])], [f32("a", 0), f32("b", 10), f32("d", float("nan"))])
folded("bcast_huge", [h.make_node("Add", ["p", "q"], ["c_out"])], [nh.from_array(np.zeros((5000, 1), np.float32), "p"), nh.from_array(np.zeros((1, 5000), np.float32), "q")])
folded("gather_big", [h.make_node("Gather", ["w", "i"], ["c_out"])], [f32("w", [1,2,3,4]), f32("i", [1e30])])
folded("gather_neg", [h.make_node("Gather", ["w", "i"], ["c_out"])], [f32("w", [1,2,3,4]), i64("i", [-100])])
folded("slice_big", [h.make_node("Slice", ["w", "st", "en"], ["c_out"])], [f32("w", [1,2,3,4]), i64("st", [-2**62]), i64("en", [2**62])])
folded("slice_bigf", [h.make_node("Slice", ["w", "st", "en"], ["c_out"])], [f32("w", [1,2,3,4]), f32("st", [-1e30]), f32("en", [1e30])])
folded("unsq_big", [h.make_node("Unsqueeze", ["w", "ax"], ["c_out"])], [f32("w", [1,2,3,4]), i64("ax", [2**40])])
folded("unsq_bigf", [h.make_node("Unsqueeze", ["w", "ax"], ["c_out"])], [f32("w", [1,2,3,4]), f32("ax", [1e20])])
folded("concat_ax", [h.make_node("Concat", ["w", "w"], ["c_out"], axis=2**40)], [f32("w", [1,2,3,4])])
folded("cast_big", [h.make_node("Cast", ["w"], ["c0"], to=7), h.make_node("Reshape", ["w", "c0"], ["c_out"])], [f32("w", [1e30])])
# External data: a bad offset, a folder as the file, a length beyond the file.
t = f32("w", [1,2,3,4]); t.data_location = T.EXTERNAL; t.ClearField("raw_data")
e = t.external_data.add(); e.key = "location"; e.value = "."
e = t.external_data.add(); e.key = "offset"; e.value = "abc"
folded("ext_badoff", [h.make_node("Identity", ["w"], ["c_out"])], [t])
t = onnx.TensorProto(); t.name = "w"; t.data_type = T.FLOAT; t.dims.extend([10**9]); t.data_location = T.EXTERNAL
e = t.external_data.add(); e.key = "location"; e.value = "."
folded("ext_dir", [h.make_node("Identity", ["w"], ["c_out"])], [t])
t = onnx.TensorProto(); t.name = "w"; t.data_type = T.FLOAT; t.dims.extend([4]); t.data_location = T.EXTERNAL
e = t.external_data.add(); e.key = "location"; e.value = "/dev/zero"
e = t.external_data.add(); e.key = "length"; e.value = str(10**12)
folded("ext_len", [h.make_node("Identity", ["w"], ["c_out"])], [t])
# Ops on data: attributes and input counts that would overflow, read out of bounds or throw.
W = nh.from_array(np.ones((4,3,3,3), np.float32), "w")
data("conv_stride0", [h.make_node("Conv", ["x","w"], ["y"], strides=[0,0])], [W])
data("conv_strideneg", [h.make_node("Conv", ["x","w"], ["y"], strides=[-1,-1])], [W])
data("conv_padhuge", [h.make_node("Conv", ["x","w"], ["y"], pads=[2**62,2**62,2**62,2**62])], [W])
data("conv_padneg", [h.make_node("Conv", ["x","w"], ["y"], pads=[-100,0,0,0])], [W])
data("conv_dil0", [h.make_node("Conv", ["x","w"], ["y"], dilations=[0,0])], [W])
data("conv_dilhuge", [h.make_node("Conv", ["x","w"], ["y"], dilations=[2**62,2**62])], [W])
data("conv_group0", [h.make_node("Conv", ["x","w"], ["y"], group=0)], [W])
data("conv_groupneg", [h.make_node("Conv", ["x","w"], ["y"], group=-3)], [W])
data("conv_kshape", [h.make_node("Conv", ["x","w"], ["y"], kernel_shape=[2**40, 2**40])], [W])
data("conv_pads3", [h.make_node("Conv", ["x","w"], ["y"], pads=[1,1,1])], [W])
data("conv_autopad", [h.make_node("Conv", ["x","w"], ["y"], auto_pad="SAME_UPPER", strides=[2**62, 2**62])], [W])
data("pool_k0", [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[0,0])], [])
data("pool_khuge", [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2**62,2**62], pads=[2**62]*4)], [])
data("pool_ceil", [h.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3,3], strides=[2**62,1], ceil_mode=1)], [])
data("pool_padneg", [h.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3,3], pads=[-5,-5,-5,-5])], [])
data("reshape_data_huge", [h.make_node("Reshape", ["x","s"], ["y"])], [i64("s", [2**40, 2**40, 2**40])])
data("reshape_data_neg", [h.make_node("Reshape", ["x","s"], ["y"])], [i64("s", [-1, -1])])
data("reshape_data_neg2", [h.make_node("Reshape", ["x","s"], ["y"])], [i64("s", [-7, 2])])
data("reshape_data_zero", [h.make_node("Reshape", ["x","s"], ["y"])], [i64("s", [0, 0, 0, 0, 0, 0])])
data("flatten_ax", [h.make_node("Flatten", ["x"], ["y"], axis=2**40)], [])
data("transpose_perm", [h.make_node("Transpose", ["x"], ["y"], perm=[0,0,1,2])], [])
data("transpose_perm2", [h.make_node("Transpose", ["x"], ["y"], perm=[2**40,0,1,2])], [])
data("split_sizes", [h.make_node("Split", ["x","s"], ["y","z"], axis=1)], [i64("s", [-1, 4])])
data("split_huge", [h.make_node("Split", ["x","s"], ["y","z"], axis=1)], [i64("s", [2**62, 2**62])])
data("split_axis", [h.make_node("Split", ["x"], ["y","z"], axis=2**40)], [])
data("pad_huge", [h.make_node("Pad", ["x","p"], ["y"])], [i64("p", [0,0,2**40,2**40,0,0,2**40,2**40])])
data("pad_neg", [h.make_node("Pad", ["x","p"], ["y"])], [i64("p", [0,0,-100,0,0,0,0,0])])
data("squeeze_ax", [h.make_node("Squeeze", ["x","a"], ["y"])], [i64("a", [2**40])])
data("unsqueeze_data", [h.make_node("Unsqueeze", ["x","a"], ["y"])], [i64("a", [2**40])])
data("softmax_ax", [h.make_node("Softmax", ["x"], ["y"], axis=2**40)], [])
data("reduce_ax", [h.make_node("ReduceMean", ["x"], ["y"], axes=[2**40])], [])
data("ln_ax", [h.make_node("LayerNormalization", ["x","sc"], ["y"], axis=2**40)], [f32("sc",[1]*8)])
data("concat_data", [h.make_node("Concat", ["x","x"], ["y"], axis=2**40)], [])
data("gemm_shape", [h.make_node("Gemm", ["x","w"], ["y"])], [W])
data("matmul_shape", [h.make_node("MatMul", ["x","m"], ["y"])], [f32("m", np.ones((5,5)))])
data("bn_short", [h.make_node("BatchNormalization", ["x","s","b","m","v"], ["y"])], [f32("s",[1]),f32("b",[1]),f32("m",[1]),f32("v",[1])])
data("add_bcast", [h.make_node("Add", ["x","c"], ["y"])], [f32("c", np.ones((7,1,1)))])
data("big_input", [h.make_node("Relu", ["x"], ["y"])], [], xshape=[2**40, 2**40, 2**40, 2**40])
data("neg_input", [h.make_node("Relu", ["x"], ["y"])], [], xshape=[-5, 3])
data("conv_1d", [h.make_node("Conv", ["x","w"], ["y"])], [W], xshape=[1,3,8])
data("conv_w1d", [h.make_node("Conv", ["x","w"], ["y"])], [f32("w",[1,2,3])])
data("gather_data", [h.make_node("Gather", ["x","i"], ["y"])], [i64("i",[0])])
data("shape_slice", [h.make_node("Shape", ["x"], ["s"], start=-2**62, end=2**62), h.make_node("Reshape", ["x","s"], ["y"])], [])
data("clip_minmax", [h.make_node("Clip", ["x","lo","hi"], ["y"])], [f32("lo",[]), f32("hi", [1,2])])
