#!/usr/bin/python3
"""Fixtures for tests/prune: input weights and the expected pruned outputs.

The expected outputs come from an independent NumPy implementation of the rules in
models/sparsity/prune.h (lexsort over (NaN, |w|, index) rather than the C++ nth_element selection):
  magnitude: zero the floor(S*n + 0.5) smallest |w| over the whole tensor; NaN ranks above every number;
             equal |w| are zeroed from the highest flat index down (the lower index survives);
  N:M:       along K (axis 0 of K x N), each group of M consecutive k in each column keeps its N largest |w|
             (NaN largest, ties: lower k); a ragged last group keeps its min(N, K % M) largest.
Run from this folder:  /usr/bin/python3 make_fixtures.py   (deterministic: fixed seeds)
"""
import numpy as np


def magnitude(w, s):
    flat = w.astype(np.float32).ravel().copy()
    n = flat.size
    k = min(n, int(np.floor(s * n + 0.5)))
    isnan = np.isnan(flat)
    mag = np.where(isnan, 0.0, np.abs(flat))
    idx = np.arange(n)
    order = np.lexsort((-idx, mag, isnan))  # primary: not-NaN first, then |w| ascending, then higher index first
    flat[order[:k]] = 0.0
    return flat.reshape(w.shape)


def nm(w, n, m, axis=0):
    a = w.astype(np.float32).copy()
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if axis == 1:
        a = a.T.copy()
    K, N = a.shape
    for c in range(N):
        for k0 in range(0, K, m):
            ks = np.arange(k0, min(K, k0 + m))
            if len(ks) <= n:
                continue
            v = a[ks, c]
            isnan = np.isnan(v)
            mag = np.where(isnan, 0.0, np.abs(v))
            order = np.lexsort((ks, -mag, ~isnan))  # NaN first, then |w| descending, then lower k
            a[ks[order[n:]], c] = 0.0
    if axis == 1:
        a = a.T.copy()
    return a.reshape(w.shape)


def save(name, a):
    np.save(name, np.ascontiguousarray(a, dtype=np.float32))


rng = np.random.default_rng(20240607)
# 16 x 6 with many ties: values rounded to one decimal, sign ties, both zeros, one NaN and one Inf.
w = np.round(rng.normal(0.0, 1.0, (16, 6)), 1).astype(np.float32)
w[0, 0] = 0.0
w[5, 2] = -0.0
w[3, 1] = np.nan
w[7, 4] = np.inf
w[2, 3] = -w[1, 3]  # exact sign tie inside one 2:4 group
save("w16x6.npy", w)
save("expect_w16x6_mag80.npy", magnitude(w, 0.8))
save("expect_w16x6_nm24.npy", nm(w, 2, 4))
save("expect_w16x6_nm13_axis1.npy", nm(w, 1, 3, axis=1))

# 10 x 3: K = 10 is not a multiple of 4 (ragged last group of 2 values).
r = np.round(rng.normal(0.0, 1.0, (10, 3)), 2).astype(np.float32)
save("w10x3.npy", r)
save("expect_w10x3_nm24.npy", nm(r, 2, 4))
save("expect_w10x3_nm14.npy", nm(r, 1, 4))

# 1-D, 12 values: magnitude and N:M (one column).
v = np.array([0.5, -0.5, 0.25, 0.5, 1, -1, 0, 2, 3, -3, 3, 0.125], dtype=np.float32)
save("w12.npy", v)
save("expect_w12_mag50.npy", magnitude(v, 0.5))
save("expect_w12_nm24.npy", nm(v, 2, 4))

# 4-D conv weight (out_c, in_c, kh, kw): magnitude works on any shape; N:M rejects it.
c = np.round(rng.normal(0.0, 1.0, (4, 3, 2, 2)), 1).astype(np.float32)
save("w4d.npy", c)
save("expect_w4d_mag50.npy", magnitude(c, 0.5))

# All ties: 20 equal magnitudes -> magnitude 0.25 zeroes the 5 highest indices.
save("ties20.npy", np.array([1, -1] * 10, dtype=np.float32))
save("expect_ties20_mag25.npy", magnitude(np.array([1, -1] * 10, dtype=np.float32), 0.25))

# Bad inputs.
np.save("f64.npy", np.ones((4, 4), dtype=np.float64))
with open("text.npy", "w") as f:
    f.write("0.5, 1.0\n")
np.save("empty.npy", np.zeros((0, 4), dtype=np.float32))
