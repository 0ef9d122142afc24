#!/usr/bin/python3
"""Trains the two Fashion-MNIST classifiers shipped in traces/ and writes torch's FP32 references for the tests.

Usage: /usr/bin/python3 scripts/train-fashion.py [--data DIR] [--traces DIR] [--refs DIR]

  --data DIR     Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)
  --traces DIR   where the .onnx models go (default traces/)
  --refs DIR     where the torch references go (default tests/data/fashion/)

Writes, for MODEL in fashion_relu_cnn and fashion_tanh_gelu:
  TRACES/MODEL.onnx                     opset 13, input 'input' [batch, 1, 28, 28] float32, output 'logits' [batch, 10]
  REFS/MODEL.first500.logits.npy        float32 [500, 10]: torch FP32 logits of the first 500 test images
  REFS/MODEL.first500.pred.npy          int64 [500]: their argmax (predicted class)
and prints the normalisation statistics, per-epoch training loss, training wall time and the FP32 top-1 of each
model over all 10,000 test images.

Input convention (the models do not normalise; lpsim's workload.dataset does): x = uint8 / 255 (as torchvision's
ToTensor), then (x - 0.2860) / 0.3530. The constants are the training set's pixel mean and standard deviation, which
this script computes and prints (0.28604 and 0.35302), rounded to four decimals.

Recipe, chosen once and not tuned to any accuracy: PyTorch's default initialisation, Adam (lr 1e-3, betas 0.9/0.999,
no weight decay), cross-entropy loss, batch 128, 3 epochs, no augmentation, training images in a seeded permutation
per epoch. Deterministic: fixed seeds, torch.use_deterministic_algorithms(True), 2 threads for training and 1 for the
references; two runs write byte-identical files. Needs Debian's python3-torch and python3-onnx; downloads nothing.
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Training-set pixel statistics of Fashion-MNIST after scaling to [0, 1] (checked against the data in main()).
MEAN = 0.2860
STD = 0.3530
EPOCHS = 3
BATCH = 128
LR = 1e-3
TRAIN_THREADS = 2
REF_IMAGES = 500
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def read_idx(path, magic, ndim):
    """Reads a gzip IDX file (big-endian header: magic, then ndim uint32 sizes; then uint8 data) into a numpy array.

    The IDX format (LeCun et al., MNIST database page): magic 0x00000803 for uint8 3-D arrays (images N x 28 x 28),
    0x00000801 for uint8 1-D arrays (labels N)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 + 4 * ndim:
        sys.exit(f"{path}: truncated IDX header ({len(raw)} bytes)")
    got = struct.unpack(">I", raw[:4])[0]
    if got != magic:
        sys.exit(f"{path}: IDX magic 0x{got:08x}, expected 0x{magic:08x}")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: {data.size} data bytes, header says {'x'.join(map(str, dims))}")
    return data.reshape(dims)


def load(data_dir, split):
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"), 0x00000803, 3)
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"), 0x00000801, 1)
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
        sys.exit(f"{data_dir}: {split}: {images.shape} images for {labels.shape[0]} labels")
    return images, labels.astype(np.int64)


def to_input(images):
    """uint8 N x 28 x 28 -> float32 N x 1 x 28 x 28, scaled to [0, 1] then normalised, all in float32."""
    x = images.astype(np.float32) / np.float32(255)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return torch.from_numpy(x[:, None, :, :].copy())


class ReluCnn(nn.Module):
    """conv3x3(1->16)+BN+ReLU+maxpool2, conv3x3(16->32)+BN+ReLU+maxpool2, linear(1568->128)+ReLU, linear(128->10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class TanhGelu(nn.Module):
    """conv3x3(1->16)+Tanh+maxpool2, conv3x3(16->32)+Tanh+maxpool2, linear(1568->128)+GELU (erf), linear(128->10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.gelu = nn.GELU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        x = F.max_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(self.gelu(self.fc1(x)))


def train(model, x, y, seed):
    """Adam + cross-entropy, BATCH images per step, a seeded permutation of the training set per epoch."""
    torch.set_num_threads(TRAIN_THREADS)
    order = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    for epoch in range(EPOCHS):
        perm = torch.from_numpy(order.permutation(x.shape[0]))
        total, t0 = 0.0, time.perf_counter()
        for i in range(0, x.shape[0], BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        print(f"  epoch {epoch + 1}/{EPOCHS}: mean training loss {total / x.shape[0]:.4f}, "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
    model.eval()


def predict(model, x):
    """FP32 logits with one thread, 1,000 images per batch."""
    torch.set_num_threads(1)
    with torch.no_grad():
        return torch.cat([model(x[i:i + 1000]) for i in range(0, x.shape[0], 1000)])


def export(model, path):
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--traces", default=os.path.join(REPO, "traces"))
    ap.add_argument("--refs", default=os.path.join(REPO, "tests", "data", "fashion"))
    args = ap.parse_args()

    torch.use_deterministic_algorithms(True)
    train_img, train_lbl = load(args.data, "train")
    test_img, test_lbl = load(args.data, "t10k")
    scaled = train_img.astype(np.float64) / 255
    mean, std = scaled.mean(), scaled.std()
    print(f"torch {torch.__version__}; training set: {train_img.shape[0]} images, pixel mean {mean:.5f}, "
          f"std {std:.5f} (after /255); normalising with mean {MEAN:.4f}, std {STD:.4f}")
    if round(mean, 4) != MEAN or round(std, 4) != STD:
        sys.exit(f"{args.data}: training-set statistics differ from the constants {MEAN}/{STD}")
    x_train, y_train = to_input(train_img), torch.from_numpy(train_lbl)
    x_test, y_test = to_input(test_img), torch.from_numpy(test_lbl)
    os.makedirs(args.traces, exist_ok=True)
    os.makedirs(args.refs, exist_ok=True)

    for seed, (name, cls) in enumerate([("fashion_relu_cnn", ReluCnn), ("fashion_tanh_gelu", TanhGelu)]):
        torch.manual_seed(seed)
        model = cls()
        params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {params:,} parameters, seed {seed}, {EPOCHS} epochs of Adam (lr {LR}), batch {BATCH}, "
              f"{TRAIN_THREADS} threads", flush=True)
        t0 = time.perf_counter()
        train(model, x_train, y_train, seed)
        wall = time.perf_counter() - t0
        logits = predict(model, x_test)
        correct = int((logits.argmax(1) == y_test).sum())
        top1 = 100.0 * correct / x_test.shape[0]
        path = os.path.join(args.traces, name + ".onnx")
        export(model, path)
        first = logits[:REF_IMAGES].numpy().astype(np.float32)
        np.save(os.path.join(args.refs, f"{name}.first{REF_IMAGES}.logits.npy"), first)
        np.save(os.path.join(args.refs, f"{name}.first{REF_IMAGES}.pred.npy"), first.argmax(1).astype(np.int64))
        print(f"{name}: training {wall:.1f} s; FP32 test top-1 {top1:.2f} % ({correct} of "
              f"{x_test.shape[0]}); {path}: {os.path.getsize(path):,} bytes", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
