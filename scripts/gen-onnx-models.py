#!/usr/bin/python3
"""Writes the small torch-exported ONNX models lpsim's ONNX tests run, with an input and torch's FP32 output for each.

Usage: /usr/bin/python3 scripts/gen-onnx-models.py [OUT_DIR]      (default: tests/data/onnx; broken models for the
       bad-input tests go to OUT_DIR/../bad_inputs/onnx)
       /usr/bin/python3 scripts/gen-onnx-models.py --resnet18 OUT.onnx [--batch N]   (benchmark model, not committed)
       /usr/bin/python3 scripts/gen-onnx-models.py --mnasnet0_5 OUT.onnx   (README "Memory models", not committed)

Every model has random weights from a fixed seed (no pretrained weights exist on this machine); BatchNorm running
statistics are randomised too, so BatchNormalization is not an identity. Outputs are computed by torch with one
thread. Files per model NAME: NAME.onnx, NAME.input.npy (float32), NAME.output.npy (float32, torch's output).
Needs Debian's python3-torch, python3-torchvision and python3-onnx (scripts/install-deps.sh installs them).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 1.5 + 0.25)
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


class SmallCnn(nn.Module):
    """BatchNorm, ReLU, depthwise conv, ReLU6 (Clip), HardSwish, HardSigmoid, residual Add, LeakyReLU, dilation,
    MaxPool (ceil_mode), AveragePool (pads, count_include_pad=False), GlobalAveragePool, Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.pw = nn.Conv2d(16, 32, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(32)
        self.res = nn.Conv2d(32, 32, 3, padding=2, dilation=2, bias=True)
        self.bn4 = nn.BatchNorm2d(32)
        self.grp = nn.Conv2d(32, 32, 3, padding=1, groups=4, bias=True)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu6(self.bn2(self.dw(x)))
        x = F.hardswish(self.bn3(self.pw(x)))
        y = self.bn4(self.res(x))
        x = F.leaky_relu(x + y, 0.1)
        x = F.hardsigmoid(self.grp(x)) * x
        x = self.avg(self.pool(x))
        x = F.adaptive_avg_pool2d(x, 1)
        x = torch.flatten(x, 1)
        return self.fc(x)


class EncoderBlock(nn.Module):
    """A pre-norm transformer encoder block: LayerNorm, Q/K/V projections, heads by Reshape/Transpose, batched MatMul,
    Softmax, output projection, residual Adds, GELU MLP (exported as the Erf pattern)."""

    def __init__(self, d=32, heads=4, ff=64):
        super().__init__()
        self.d, self.h = d, heads
        self.ln1 = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)

    def forward(self, x):
        b, s, d = x.shape
        h, dh = self.h, d // self.h
        y = self.ln1(x)
        q = self.q(y).reshape(b, s, h, dh).transpose(1, 2)
        k = self.k(y).reshape(b, s, h, dh).transpose(1, 2)
        v = self.v(y).reshape(b, s, h, dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / (dh ** 0.5), dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.o(ctx)
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class TanhMlp(nn.Module):
    """Tanh and Sigmoid (the SFU's functions), Gemm with and without bias, Sub/Mul/Div by constants, Concat."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(24, 48)
        self.b = nn.Linear(48, 16, bias=False)
        self.c = nn.Linear(32, 5)

    def forward(self, x):
        t = torch.tanh(self.a(x))
        s = torch.sigmoid(self.b(t))
        u = (self.b(t) - 0.5) * 2.0 / 3.0
        return self.c(torch.cat([s, u], dim=1))


def export(model, x, path, opset, training=torch.onnx.TrainingMode.EVAL, dynamic_batch=False):
    kwargs = {}
    if dynamic_batch:
        kwargs["dynamic_axes"] = {"input": {0: "batch"}, "output": {0: "batch"}}
    torch.onnx.export(model, x, path, opset_version=opset, training=training, input_names=["input"],
                      output_names=["output"], do_constant_folding=True, **kwargs)


def write_case(out_dir, name, model, x, opset, **kw):
    model.eval()
    with torch.no_grad():
        y = model(x)
    onnx_path = os.path.join(out_dir, name + ".onnx")
    export(model, x, onnx_path, opset, **kw)
    np.save(os.path.join(out_dir, name + ".input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, name + ".output.npy"), y.numpy().astype(np.float32))
    print(f"{onnx_path}: {os.path.getsize(onnx_path)} bytes, input {tuple(x.shape)}, output {tuple(y.shape)}")


def write_one_gemm(out_dir, gen):
    """One MatMul with a constant weight: lpsim run on it must give lpsim gemm's bits."""
    a = torch.randn(64, 96, generator=gen)
    w = torch.randn(96, 48, generator=gen) * 0.2

    class OneGemm(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(w.clone())

        def forward(self, x):
            return x @ self.w

    write_case(out_dir, "one_gemm", OneGemm(), a, 13)
    np.save(os.path.join(out_dir, "one_gemm.weight.npy"), w.numpy().astype(np.float32))


def write_tiny_fashion(out_dir):
    """A random (untrained) model with Fashion-MNIST's input, 1 x 28 x 28, dynamic batch: for the data-set tests."""
    torch.manual_seed(4)
    m = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(4 * 14 * 14, 10)).eval()
    path = os.path.join(out_dir, "tiny_fashion.onnx")
    torch.onnx.export(m, torch.randn(1, 1, 28, 28), path, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"{path}: {os.path.getsize(path)} bytes")


def write_bad_fixtures(bad_dir):
    """Hand-built broken models for the bad-input tests (onnx.helper, no torch)."""
    import onnx
    from onnx import TensorProto, helper
    os.makedirs(bad_dir, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], [0.5] * 16)

    def save(name, nodes, inits=(), inputs=(x,), outputs=(y,)):
        g = helper.make_graph(list(nodes), name, list(inputs), list(outputs), list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        onnx.save(m, os.path.join(bad_dir, name + ".onnx"))

    # Cos is not an operator lpsim runs.
    save("unsupported_op", [helper.make_node("Cos", ["x"], ["y"], name="the_cos")])
    # The MatMul reads 'w_missing', which no initializer, input or node provides.
    save("missing_initializer", [helper.make_node("MatMul", ["x", "w_missing"], ["y"], name="mm")], [w])
    # Two Relus feed each other.
    save("cyclic", [helper.make_node("Add", ["x", "b"], ["a"], name="add_a"),
                    helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
                    helper.make_node("Identity", ["a"], ["y"], name="out")])
    # A valid one-MatMul model (for the bad input .npy and override tests).
    save("tiny_matmul", [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], [w])


def main(argv):
    torch.set_num_threads(1)
    if argv and argv[0] == "--resnet18":
        import torchvision
        batch = int(argv[argv.index("--batch") + 1]) if "--batch" in argv else 1
        torch.manual_seed(0)
        m = torchvision.models.resnet18(weights=None).eval()
        export(m, torch.randn(batch, 3, 224, 224), argv[1], 13, dynamic_batch=True)
        return 0
    if argv and argv[0] == "--mnasnet0_5":
        # README "Memory models": torchvision's mnasnet0_5 exported as it is (random weights; timing and traffic
        # do not depend on them). Its classifier is a 1280 -> 1000 GEMV whose weights decide the format ranking
        # under SCALE-Sim's memory model.
        import torchvision
        torch.manual_seed(0)
        m = torchvision.models.mnasnet0_5(weights=None).eval()
        export(m, torch.randn(1, 3, 224, 224), argv[1], 13)
        return 0
    out_dir = argv[0] if argv else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(12)

    torch.manual_seed(1)
    cnn = SmallCnn()
    randomize_bn(cnn, gen)
    x = torch.randn(2, 3, 20, 20, generator=gen)
    # BatchNormalization nodes survive only with TrainingMode.PRESERVE (an eval-mode export folds them into Conv).
    write_case(out_dir, "cnn_bn", cnn, x, 13, training=torch.onnx.TrainingMode.PRESERVE)
    write_case(out_dir, "cnn_folded", cnn, x, 13, dynamic_batch=True)

    torch.manual_seed(2)
    enc = EncoderBlock()
    randomize_bn(enc, gen)
    with torch.no_grad():
        for ln in (enc.ln1, enc.ln2):
            ln.weight.copy_(torch.rand(ln.weight.shape, generator=gen) + 0.5)
            ln.bias.copy_(torch.randn(ln.bias.shape, generator=gen) * 0.1)
    write_case(out_dir, "encoder", enc, torch.randn(2, 8, 32, generator=gen), 17)

    torch.manual_seed(3)
    write_case(out_dir, "tanh_mlp", TanhMlp(), torch.randn(3, 24, generator=gen), 11)
    write_one_gemm(out_dir, gen)
    write_tiny_fashion(out_dir)
    write_bad_fixtures(os.path.join(out_dir, "..", "bad_inputs", "onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
