#!/usr/bin/python3
"""Generate the workload traces in traces/ (native lpsim YAML + one SCALE-Sim CSV).

Usage:
    /usr/bin/python3 scripts/gen-traces.py            # (re)write traces/*
    /usr/bin/python3 scripts/gen-traces.py --check    # exit 1 if any file on disk differs

Standard library only. The YAML text is emitted by hand (flat maps of integers and
strings), so the output is byte-for-byte deterministic. Every layer-shape fact is cited
in the header comment of the file it ends up in; MAC totals are computed here, checked
against published figures where one exists, and written into the headers and README.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACES = os.path.join(ROOT, "traces")
SCRIPT = "scripts/gen-traces.py"


# ---------------------------------------------------------------- op helpers

def conv(name, in_h, in_w, in_c, out_c, k, stride=1, pad=0, groups=1):
    return dict(name=name, type="conv2d", in_h=in_h, in_w=in_w, in_c=in_c, out_c=out_c,
                kernel_h=k, kernel_w=k, stride=stride, pad=pad, groups=groups)


def gemm(name, m, n, k, repeat=1, prune=None):
    op = dict(name=name, type="gemm", m=m, n=n, k=k, repeat=repeat)
    if prune:
        op["prune"] = prune  # e.g. "none": activation x activation GEMMs have no weights to prune
    return op


def conv_out(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


ACTIVATIONS = ("tanh", "sigmoid", "gelu", "swish")


def op_macs(op):
    if op["type"] in ACTIVATIONS:
        return 0  # runs on the special-function unit, not the MAC array
    if op["type"] == "gemm":
        return op["m"] * op["n"] * op["k"] * op["repeat"]
    oh = conv_out(op["in_h"], op["kernel_h"], op["stride"], op["pad"])
    ow = conv_out(op["in_w"], op["kernel_w"], op["stride"], op["pad"])
    assert oh > 0 and ow > 0, op["name"]
    assert op["in_c"] % op["groups"] == 0 and op["out_c"] % op["groups"] == 0, op["name"]
    return oh * ow * op["out_c"] * op["kernel_h"] * op["kernel_w"] * (op["in_c"] // op["groups"])


def total_macs(ops):
    return sum(op_macs(op) for op in ops)


def fmt_int(v):
    return f"{v:,}"


# Key order of the emitted ops; defaults (stride 1, pad 0, groups 1, repeat 1) are
# omitted so the files only show what differs from the format's defaults.
CONV_KEYS = ["in_h", "in_w", "in_c", "out_c", "kernel_h", "kernel_w", "stride", "pad", "groups"]
GEMM_KEYS = ["m", "n", "k", "repeat"]
DEFAULTS = {"stride": 1, "pad": 0, "groups": 1, "repeat": 1}


def emit_yaml(name, description, header_lines, ops):
    names = [op["name"] for op in ops]
    assert len(set(names)) == len(names), f"{name}: duplicate op names"
    assert '"' not in description and "\\" not in description
    out = [f"# {line}".rstrip() for line in header_lines]
    out += [f"name: {name}", f'description: "{description}"', "ops:"]
    for op in ops:
        out.append(f"  - name: {op['name']}")
        out.append(f"    type: {op['type']}")
        if op["type"] in ACTIVATIONS:
            continue  # size defaults to the previous op's output elements
        for key in (CONV_KEYS if op["type"] == "conv2d" else GEMM_KEYS):
            if DEFAULTS.get(key) == op[key]:
                continue
            out.append(f"    {key}: {op[key]}")
        if "prune" in op:
            out.append(f"    prune: {op['prune']}")
    return "\n".join(out) + "\n"


def parse_back(text):
    """Minimal re-reader of the emitted subset, so the file (not just the in-memory
    list) is what the MAC self-check sees."""
    ops = []
    for line in text.splitlines():
        if line.startswith("  - "):
            ops.append(dict(DEFAULTS))
            line = "    " + line[4:]
        if line.startswith("    ") and ops:
            key, _, val = line.strip().partition(": ")
            ops[-1][key] = val if key in ("name", "type", "prune") else int(val)
    for op in ops:
        if op["type"] == "conv2d":
            for key in ("stride", "pad", "groups"):
                op.setdefault(key, DEFAULTS[key])
    return ops


# ---------------------------------------------------------------- ResNet-50 v1.5

def resnet50_ops():
    # He et al., "Deep Residual Learning for Image Recognition", CVPR 2016
    # (arXiv:1512.03385) Table 1, 50-layer column: conv1 7x7/2 64; 3x3/2 max pool;
    # stages conv2_x..conv5_x with [1x1 w, 3x3 w, 1x1 4w] x {3, 4, 6, 3}, w = 64..512.
    # v1.5 = torchvision models/resnet.py Bottleneck: the stride sits on the 3x3 conv
    # (conv2), and the projection shortcut ("downsample") is a strided 1x1 conv.
    ops = [conv("conv1", 224, 224, 3, 64, 7, stride=2, pad=3)]
    size = conv_out(224, 7, 2, 3)          # 112
    size = conv_out(size, 3, 2, 1)         # 56 after the 3x3/2 pad-1 max pool (not emitted)
    in_c = 64
    for stage, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for b in range(blocks):
            stride = 2 if (b == 0 and stage > 1) else 1
            pre = f"layer{stage}.{b}"
            out_size = conv_out(size, 3, stride, 1)
            ops.append(conv(f"{pre}.conv1", size, size, in_c, width, 1))
            ops.append(conv(f"{pre}.conv2", size, size, width, width, 3, stride=stride, pad=1))
            ops.append(conv(f"{pre}.conv3", out_size, out_size, width, 4 * width, 1))
            if b == 0:
                ops.append(conv(f"{pre}.downsample", size, size, in_c, 4 * width, 1, stride=stride))
            size, in_c = out_size, 4 * width
    assert size == 7 and in_c == 2048
    ops.append(gemm("fc", 1, 1000, 2048))  # after 7x7 global average pool (not emitted)
    return ops


# ---------------------------------------------------------------- BERT-base layer

BERT_HIDDEN, BERT_HEADS, BERT_HEAD_DIM, BERT_FFN = 768, 12, 64, 3072


def bert_layer_ops(s):
    h, a, d, f = BERT_HIDDEN, BERT_HEADS, BERT_HEAD_DIM, BERT_FFN
    assert a * d == h
    return [
        gemm("q_proj", s, h, h),
        gemm("k_proj", s, h, h),
        gemm("v_proj", s, h, h),
        gemm("attn_scores", s, s, d, repeat=a, prune="none"),   # Q_h K_h^T per head
        gemm("attn_context", s, d, s, repeat=a, prune="none"),  # softmax(.) V_h per head
        gemm("out_proj", s, h, h),
        gemm("ffn1", s, f, h),
        dict(name="ffn1_gelu", type="gelu"),      # GELU on the SFU (K-TanH), S x 3072 elements
        gemm("ffn2", s, h, f),
    ]


# ---------------------------------------------------------------- DeepBench

# baidu-research/DeepBench @da81ba78, code/kernels/gemm_problems.h, inference_device
# set, all 13 entries in file order as (m, n, k); C[m x n] = A[m x k] * B[k x n].
# Every entry there is non-transposed (a_t = b_t = false).
DEEPBENCH_DEVICE = [
    (5124, 700, 2048), (35, 700, 2048), (3072, 1, 1024), (64, 1, 1216),
    (3072, 1500, 1024), (128, 1500, 1280), (3072, 1500, 128), (128, 1, 1024),
    (3072, 1, 128), (176, 1500, 1408), (4224, 1500, 176), (128, 1, 1408),
    (4224, 1, 128),
]


def deepbench_ops():
    assert len(DEEPBENCH_DEVICE) == 13
    return [gemm(f"db_{m}x{n}x{k}", m, n, k) for (m, n, k) in DEEPBENCH_DEVICE]


# ---------------------------------------------------------------- tiny test traces

def tiny_cnn_ops():
    return [
        conv("conv1", 32, 32, 3, 16, 3, stride=1, pad=1),   # -> 32x32x16
        conv("conv2", 32, 32, 16, 32, 3, stride=2, pad=1),  # -> 16x16x32
        conv("conv3", 16, 16, 32, 32, 3, stride=2, pad=1),  # -> 8x8x32
        gemm("fc", 1, 10, 8 * 8 * 32),
    ]


def tiny_gemm_ops():
    return [
        gemm("g_64x64x64", 64, 64, 64),
        gemm("g_17x33x129", 17, 33, 129),   # odd sizes: partial folds in every dimension
        gemm("g_128x16x256", 128, 16, 256),
    ]


# ---------------------------------------------------------------- AlexNet (SCALE-Sim CSV)

# (name, ifmap_h, ifmap_w, filt_h, filt_w, channels, num_filter, stride)
# Conv1-5 exactly as scalesim-project/scale-sim-v2 topologies/conv_nets/alexnet.csv
# (no padding column: SCALE-Sim feeds the ifmap unpadded). FC6-8 follow Krizhevsky et al.,
# NIPS 2012 (6x6x256 -> 4096 -> 4096 -> 1000), FC6 as a 6x6 filter over the 6x6x256 map.
ALEXNET = [
    ("Conv1", 224, 224, 11, 11, 3, 96, 4),
    ("Conv2", 27, 27, 5, 5, 96, 256, 1),
    ("Conv3", 13, 13, 3, 3, 256, 384, 1),
    ("Conv4", 13, 13, 3, 3, 384, 384, 1),
    ("Conv5", 13, 13, 3, 3, 384, 256, 1),
    ("FC6", 6, 6, 6, 6, 256, 4096, 1),
    ("FC7", 1, 1, 1, 1, 4096, 4096, 1),
    ("FC8", 1, 1, 1, 1, 4096, 1000, 1),
]


def scalesim_out(size, k, stride):
    # SCALE-Sim v2's output size: ceil((H - R + S) / S), no padding (shared/oracles/scalesim/README.md).
    return -(-(size - k + stride) // stride)


def alexnet_macs():
    return sum(scalesim_out(h, r, s) * scalesim_out(w, q, s) * f * r * q * c
               for (_, h, w, r, q, c, f, s) in ALEXNET)


def emit_alexnet_csv():
    lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
             "Channels, Num Filter, Strides,"]
    for row in ALEXNET:
        lines.append(", ".join(str(v) for v in row) + ",")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- file contents

def build():
    files = {}
    summary = []  # (file, op count, MACs, source) for the README table

    # ResNet-50
    ops = resnet50_ops()
    n_conv = sum(op["type"] == "conv2d" for op in ops)
    macs = total_macs(ops)
    assert len(ops) == 54 and n_conv == 53, (len(ops), n_conv)
    # Published figure for torchvision resnet50 (v1.5) at 224x224: 4.09 GFLOPS
    # counted as multiply-accumulates (torchvision weights table "GFLOPS 4.09").
    assert abs(macs / 1e9 - 4.09) < 0.01, macs
    files["resnet50.yaml"] = emit_yaml("resnet50", "ResNet-50 v1.5 inference, batch 1, 224x224x3: 53 convs + FC", [
        "ResNet-50 v1.5, batch 1, 224x224x3 input: conv1, every bottleneck conv (conv1 1x1,",
        "conv2 3x3, conv3 1x1, and the 1x1 downsample projection of each stage's first block), fc.",
        "Pooling, batch-norm, ReLU and residual adds are not emitted (no MACs on the array).",
        "Shapes: He et al., 'Deep Residual Learning for Image Recognition', CVPR 2016",
        "  (arXiv:1512.03385), Table 1, 50-layer column.",
        "v1.5 variant: torchvision torchvision/models/resnet.py Bottleneck puts the stride-2 on the",
        "  3x3 conv (conv2) of the first block of layer2..layer4 (He et al. put it on the first 1x1).",
        "fc is the 2048 -> 1000 classifier as a gemm with m = 1 (batch).",
        f"Ops: {len(ops)} ({n_conv} conv2d + 1 gemm). Total MACs: {fmt_int(macs)}",
        f"  (torchvision lists 4.09 GFLOPS, counted as MACs, for resnet50). Generated by {SCRIPT}.",
    ], ops)
    summary.append(("resnet50.yaml", len(ops), macs,
                    "He et al. 2016 (arXiv:1512.03385) Table 1; v1.5 stride placement from torchvision resnet.py"))

    # BERT-base
    for s in (128, 512):
        ops = bert_layer_ops(s)
        macs = total_macs(ops)
        h, f = BERT_HIDDEN, BERT_FFN
        # Closed form: 4 S H^2 (q,k,v,out) + 2 S^2 H (scores + context over all heads) + 2 S H F.
        assert macs == 4 * s * h * h + 2 * s * s * h + 2 * s * h * f
        fname = f"bert_base_s{s}.yaml"
        files[fname] = emit_yaml(f"bert_base_s{s}", f"One BERT-base encoder layer, batch 1, sequence length {s}", [
            f"One BERT-base encoder layer, batch 1, sequence length S = {s}, as gemms (m = tokens).",
            "Shapes: Devlin et al., 'BERT', NAACL 2019 (arXiv:1810.04805), Sec. 3: BERT-BASE has",
            "  L=12 layers, H=768, A=12 heads (so 64 per head), feed-forward size 4H = 3072.",
            "Layer structure: Vaswani et al., 'Attention Is All You Need', NeurIPS 2017",
            "  (arXiv:1706.03762), Sec. 3.2.2 (multi-head attention) and 3.3 (position-wise FFN).",
            "attn_scores = Q_h K_h^T and attn_context = P_h V_h, one instance per head (repeat 12).",
            "ffn1_gelu runs GELU on the special-function unit (K-TanH identity); softmax, LayerNorm,",
            "bias and residual adds are not emitted.",
            f"Ops: {len(ops)} (8 gemms + 1 gelu). Total MACs (one layer): {fmt_int(macs)}; x12 for the full encoder.",
            f"Generated by {SCRIPT}.",
        ], ops)
        summary.append((fname, len(ops), macs,
                        "Devlin et al. 2019 (arXiv:1810.04805) BERT-base; Vaswani et al. 2017 layer structure"))

    # DeepBench inference device
    ops = deepbench_ops()
    macs = total_macs(ops)
    files["deepbench_inference_device.yaml"] = emit_yaml(
        "deepbench_inference_device", "DeepBench inference-device GEMM set, all 13 problems", [
            "DeepBench GEMM benchmark, inference-device set: the complete list of 13 problems, in file order.",
            "Source: baidu-research/DeepBench (commit da81ba78), code/kernels/gemm_problems.h,",
            "  inference_device set; tuples are (m, n, k, a_t, b_t) with C[m x n] = op(A)[m x k] op(B)[k x n]",
            "  (code/nvidia/gemm_bench.cu). All 13 have a_t = b_t = false (no transpose).",
            "  The list is identical at commit 0201198.",
            f"Ops: {len(ops)} gemms. Total MACs: {fmt_int(macs)}. Generated by {SCRIPT}.",
        ], ops)
    summary.append(("deepbench_inference_device.yaml", len(ops), macs,
                    "baidu-research/DeepBench code/kernels/gemm_problems.h (inference device)"))

    # tiny CNN
    ops = tiny_cnn_ops()
    macs = total_macs(ops)
    files["tiny_cnn.yaml"] = emit_yaml("tiny_cnn", "Tiny 3-conv + 1-gemm CNN on 32x32x3 for fast tests", [
        "Tiny synthetic CNN for fast tests (not a published model): 32x32x3 input,",
        "3x3 convs 3->16 (s1, p1), 16->32 (s2, p1), 32->32 (s2, p1), then a 2048 -> 10 gemm (m = 1).",
        f"Ops: {len(ops)}. Total MACs: {fmt_int(macs)}. Generated by {SCRIPT}.",
    ], ops)
    summary.append(("tiny_cnn.yaml", len(ops), macs, "synthetic (test)"))

    # tiny GEMM
    ops = tiny_gemm_ops()
    macs = total_macs(ops)
    files["tiny_gemm.yaml"] = emit_yaml("tiny_gemm", "Three small gemms for fast tests", [
        "Three small synthetic gemms for fast tests (not from a published model);",
        "17x33x129 has odd sizes so every dimension leaves a partial tile.",
        f"Ops: {len(ops)}. Total MACs: {fmt_int(macs)}. Generated by {SCRIPT}.",
    ], ops)
    summary.append(("tiny_gemm.yaml", len(ops), macs, "synthetic (test)"))

    # AlexNet CSV (SCALE-Sim has no comment syntax, so the provenance lives in the README)
    files["alexnet.csv"] = emit_alexnet_csv()
    summary.append(("alexnet.csv", len(ALEXNET), alexnet_macs(),
                    "Conv1-5: scale-sim-v2 topologies/conv_nets/alexnet.csv; FC6-8: Krizhevsky et al. 2012"))

    # Self-check: re-read every emitted YAML file and recompute its MACs.
    for fname, n_ops, macs, _ in summary:
        if fname.endswith(".yaml"):
            back = parse_back(files[fname])
            assert len(back) == n_ops and total_macs(back) == macs, fname

    files["README.md"] = emit_readme(summary)
    return files, summary


def emit_readme(summary):
    rows = "\n".join(f"| `{f}` | {n} | {fmt_int(m)} | {src} |" for f, n, m, src in summary)
    return f"""# Workload traces

Generated by `{SCRIPT}` (run `/usr/bin/python3 {SCRIPT}`; `--check` verifies the files are
up to date). Do not edit the files by hand. Each YAML file's header comment cites the source of
its shapes and states its total MACs; the script asserts the op counts and totals below.

| file | ops | total MACs | source of the shapes |
|---|---:|---:|---|
{rows}

Notes:
- `resnet50.yaml`: 53 conv2d + 1 gemm. The MAC total equals the 4.09 "GFLOPS" that the
  torchvision docs list for resnet50 (v1.5; they count multiply-accumulates). Pooling, BN, ReLU, adds omitted.
- `bert_base_s*.yaml`: one encoder layer (BERT-base has 12). Total = 4SH^2 + 2S^2H + 2SHF with
  H = 768, F = 3072.
- `alexnet.csv` is the default config's network, in SCALE-Sim topology format (header line, then
  `name, ifmap_h, ifmap_w, filter_h, filter_w, channels, num_filter, stride,` with a trailing comma on
  every line). SCALE-Sim has no padding field and computes the output size as `ceil((H - R + S) / S)`
  (Conv1: 55x55, Conv2: 23x23, Conv3-5: 11x11); the MAC total above uses that convention, which is what
  `lpsim run configs/default.yaml` reports, so it differs from a padded AlexNet's. FC6 is a 6x6 filter over the 6x6x256 map (1x1 output);
  FC7/FC8 are 1x1 convs on a 1x1 map.

## Native trace format (YAML)

A trace is a map with exactly the keys below; unknown keys are rejected by the reader.

| key | type | meaning |
|---|---|---|
| `name` | string | trace name |
| `description` | string | one line |
| `ops` | list | the operators, executed in order |
| `prune` | mapping | optional: weight pruning of every gemm/conv2d op (see "Weight pruning" below) |

Every op has `name` (unique within the trace) and `type` (`conv2d`, `gemm`, or an activation:
`tanh`, `sigmoid`, `gelu`, `swish`).

`type: conv2d` (batch 1; output size per dimension is `floor((in + 2*pad - kernel) / stride) + 1`):

| key | unit | default | meaning |
|---|---|---|---|
| `in_h`, `in_w` | pixels | required | input height / width before padding |
| `in_c` | channels | required | input channels |
| `out_c` | channels | required | output channels (number of filters) |
| `kernel_h`, `kernel_w` | pixels | required | filter height / width |
| `stride` | pixels | 1 | stride in both directions; or `stride_h` / `stride_w` separately |
| `pad` | pixels | 0 | zero padding on each side; or `pad_h` / `pad_w` separately |
| `groups` | - | 1 | channel groups (`in_c` for depthwise); must divide `in_c` and `out_c` |

MACs = out_h * out_w * out_c * kernel_h * kernel_w * in_c / groups.

`type: gemm` — C[m x n] = A[m x k] * B[k x n], A = activations (ifmap), B = weights (filter):

| key | unit | default | meaning |
|---|---|---|---|
| `m` | rows | required | rows of A and C (tokens / batch) |
| `n` | columns | required | columns of B and C (output features) |
| `k` | - | required | reduction length |
| `repeat` | - | 1 | number of independent identical instances (e.g. attention heads) |

MACs = m * n * k * repeat.

`type: tanh | sigmoid | gelu | swish` — an activation on the K-TanH special-function unit at the array output
(sigmoid, GELU and Swish through the identities of the K-TanH paper, arXiv 1909.07729). It takes
`ceil(size / accelerator.sfu.lanes) + 2` cycles (2 = SFU pipeline latency) and no MACs:

| key | unit | default | meaning |
|---|---|---|---|
| `size` | elements | the previous op's output elements (m * n * repeat) | inputs to the activation |

Example:

```yaml
# comment header
name: example
description: "one conv and one gemm"
ops:
  - name: conv1
    type: conv2d
    in_h: 224
    in_w: 224
    in_c: 3
    out_c: 64
    kernel_h: 7
    kernel_w: 7
    stride: 2
    pad: 3
  - name: fc
    type: gemm
    m: 1
    n: 1000
    k: 2048
```

The generator omits keys that equal their defaults (stride 1, pad 0, groups 1, repeat 1). The attention
GEMMs of the BERT traces multiply activations by activations, so they carry `prune: none`: a trace-wide or
`lpsim flops --sparsity` pruning never touches them.

### Weight pruning (`prune:`)

A trace-wide `prune:` applies to the weights (B, K x N) of every gemm/conv2d op; an op's own `prune:` overrides
it, and `prune: none` exempts the op (e.g. the first conv, or a weight-less attention GEMM). Forms:
`{{method: magnitude, sparsity: 0.8}}` (or just `{{sparsity: 0.8}}`: global over the layer, the round(0.8 * K * N)
smallest |w| become zero), `{{nm: "2:4"}}` (or `{{method: nm, nm: "2:4"}}`: in each column, every group of 4
consecutive k keeps its 2 largest |w|; a last group shorter than M counts as zero-padded), `none`. Sparsity is a
fraction in [0, 1); N:M needs 1 <= N < M <= 1024. Ties keep the lower index (models/sparsity/prune.h).
`lpsim flops` takes each layer's density from these (1 - sparsity, N/M). Activation ops take no `prune:`.

```yaml
prune: {{method: magnitude, sparsity: 0.8}}
ops:
  - {{name: conv1, type: conv2d, in_h: 224, in_w: 224, in_c: 3, out_c: 64, kernel_h: 7, kernel_w: 7, stride: 2, pad: 3, prune: none}}
  - {{name: fc, type: gemm, m: 1, n: 1000, k: 2048, prune: {{nm: "2:4"}}}}
```
""" + FASHION_README


# The trained ONNX models are not generated here (scripts/train-fashion.py trains them); their figures were measured
# by that script and are restated as text.
FASHION_README = """
## Fashion-MNIST models

`fashion_relu_cnn.onnx` and `fashion_tanh_gelu.onnx` are two small classifiers trained on Fashion-MNIST (Xiao et
al. 2017, arXiv:1708.07747; Debian's `dataset-fashion-mnist`, `/usr/share/datasets/fashion-mnist/`) by
`scripts/train-fashion.py`, for task accuracy per number format (`workload.dataset`). Unlike the files above they
are not written by `gen-traces.py`.

| file | size | layers (ONNX ops after the eval export) | parameters | FP32 test top-1 (torch) |
|---|---:|---|---:|---:|
| `fashion_relu_cnn.onnx` | 829,119 B | conv3x3(1->16)+BN+ReLU+maxpool2, conv3x3(16->32)+BN+ReLU+maxpool2, flatten, linear(1568->128)+ReLU, linear(128->10) (Conv, Relu, MaxPool, Conv, Relu, MaxPool, Flatten, Gemm, Relu, Gemm: BatchNorm folded into the convs) | 206,970 | 89.81 % (8,981 / 10,000) |
| `fashion_tanh_gelu.onnx` | 829,678 B | conv3x3(1->16)+Tanh+maxpool2, conv3x3(16->32)+Tanh+maxpool2, flatten, linear(1568->128)+GELU, linear(128->10) (GELU as the Erf pattern Div, Erf, Add, Mul, Mul) | 206,922 | 90.34 % (9,034 / 10,000) |

- Input `input`, float32 [batch, 1, 28, 28] (dynamic batch); output `logits`, float32 [batch, 10] (classes in the
  data set's label order, 0 = T-shirt/top ... 9 = ankle boot). ONNX opset 13, exported in eval mode.
- The models do not normalise: give them `(uint8 / 255 - 0.2860) / 0.3530`, i.e. `workload.dataset.normalize:
  {mean: [0.2860], std: [0.3530]}`. 0.2860 and 0.3530 are the training set's pixel mean and standard deviation
  after scaling to [0, 1] (0.28604 and 0.35302 as the script computes and prints them), rounded to four decimals.
- Training recipe (chosen once, not tuned to an accuracy): PyTorch's default initialisation, Adam (lr 1e-3,
  betas 0.9/0.999, no weight decay), cross-entropy, batch 128, 3 epochs over the 60,000 training images, no
  augmentation. Seeds: `torch.manual_seed(0)` for the ReLU CNN and `(1)` for the Tanh/GELU model before the model
  is built; the image order of each epoch is a permutation from `numpy.random.default_rng(0)` (resp. `(1)`).
  `torch.use_deterministic_algorithms(True)`, 2 threads for training.
- Test top-1 above: torch FP32, eval mode, 1 thread, all 10,000 test images. Training loss per epoch
  (ReLU CNN / Tanh-GELU): 0.408 / 0.461, 0.283 / 0.291, 0.247 / 0.243.
- Training wall time on this machine (2 cores, Debian's python3-torch 1.13.0a0), three runs while other jobs kept
  the cores busy (load average 3 to 9): 210 to 511 s for the ReLU CNN and 409 to 548 s for the Tanh/GELU model,
  13.4 to 16.3 min for the whole script (7 to 9 min of CPU). The one epoch that ran on free cores took 14.3 s, so
  an idle machine needs about a minute per model.
- Regenerate: `/usr/bin/python3 scripts/train-fashion.py` (no downloads). It rewrites both .onnx files here and
  torch's FP32 logits and predictions of the first 500 test images in `tests/data/fashion/` (see its
  PROVENANCE.md). Three runs gave byte-identical files.
- Checked in lpsim: with fp32 operands and `accelerator.sfu.impl: fp32`, both models give torch's predictions on the
  first 500 test images, logits within a relative L2 error of 3.0e-7 (the export folds BatchNorm, so bits differ).
"""


def main(argv):
    for a in argv[1:]:
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a != "--check":
            print("error: gen-traces.py: unknown argument '%s' (usage: gen-traces.py [--check])" % a, file=sys.stderr)
            return 2
    check = "--check" in argv[1:]
    files, summary = build()
    stale = []
    if not check:
        os.makedirs(TRACES, exist_ok=True)
    for fname in sorted(files):
        path = os.path.join(TRACES, fname)
        text = files[fname]
        if check:
            try:
                with open(path, encoding="utf-8", newline="") as fh:
                    if fh.read() != text:
                        stale.append(fname)
            except FileNotFoundError:
                stale.append(fname)
            continue
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)  # atomic: never a half-written trace
    for fname, n, macs, _ in summary:
        print(f"{fname:34s} {n:3d} ops {macs:>16,} MACs")
    if stale:
        print("out of date: " + ", ".join(stale) + f" (run /usr/bin/python3 {SCRIPT})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except OSError as e:  # one line, never a traceback (an unwritable traces/ folder, a full disk)
        print("error: gen-traces.py: %s: %s" % (e.filename or TRACES, e.strerror), file=sys.stderr)
        sys.exit(2)
