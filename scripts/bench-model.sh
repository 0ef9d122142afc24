#!/usr/bin/env bash
# Whole-model benchmarks (not tests), each next to torch's FP32 eager inference of the same model on the same data
# and the same 2 cores, in one run; each prints both wall times, the ratio and lpsim's peak RSS.
#  1. A torch-exported ResNet-18 (random weights, batch 1, 224x224) through the whole graph, bit-true in
#     MXFP8-E4M3 with cycles, energy and the FP64 reference run. Target: within 20x of torch.
#  2. The 10,000 Fashion-MNIST test images through the shipped ReLU CNN (configs/fashion_cnn.yaml: MXFP8, batches
#     of 100, task accuracy, cycles and energy). Target: < 30 s and within 10x of torch.
# Usage: scripts/bench-model.sh [BUILD_DIR]
# Needs python3-torch and python3-torchvision (LPSIM_EXTRAS=1 bash scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PY=/usr/bin/python3
if ! "$PY" -c "import torch, torchvision" 2>/dev/null; then
  echo "bench-model.sh: installing python3-torch and python3-torchvision" >&2
  LPSIM_EXTRAS=1 bash scripts/install-deps.sh
fi
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target lpsim >/dev/null
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$PY" scripts/gen-onnx-models.py --resnet18 "$WORK/resnet18.onnx" 2>/dev/null
cat >"$WORK/resnet18.yaml" <<EOF
accelerator:
  array: {rows: 32, cols: 32, dataflow: os}
  pe: {activations: mxfp8_e4m3, weights: mxfp8_e4m3}
workload:
  model: resnet18.onnx
  synthetic: normal
run:
  threads: 2
EOF
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# torch FP32 eager, 2 threads, same model file's architecture and a warm-up run (median of 5).
torch_s=$("$PY" - <<'EOF'
import statistics, time, torch, torchvision
torch.set_num_threads(2)
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None).eval()
x = torch.randn(1, 3, 224, 224)
with torch.no_grad():
    m(x)
    t = []
    for _ in range(5):
        s = time.perf_counter(); m(x); t.append(time.perf_counter() - s)
print(f"{statistics.median(t):.4f}")
EOF
)

# lpsim: the whole run (ONNX import, timing, bit-true values, FP64 reference, local runs, cost, report), median
# of 5 (this VM's speed drifts by tens of per cent from run to run).
runs=()
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$BUILD/lpsim" run "$WORK/resnet18.yaml" --out "$WORK/out" --format none
  runs+=("$(cat "$WORK/time.txt")")
done
lp_s=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p | cut -d' ' -f1)
rss_kb=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p | cut -d' ' -f2)
total=$(grep '^TOTAL' "$WORK/out/report.txt" | head -1)
echo "lpsim TOTAL row: $total" | cut -c1-200
"$PY" - "$torch_s" "$lp_s" "$rss_kb" <<'EOF'
import sys
t, l, rss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print("ResNet-18, batch 1, 224x224")
print(f"{'case':<58} {'wall [s]':>9} {'x torch':>8}")
print(f"{'torch FP32 eager (2 threads)':<58} {t:9.3f} {1:8.1f}")
print(f"{'lpsim MXFP8 bit-true + FP64 reference + cycles + energy':<58} {l:9.3f} {l / t:8.1f}")
print(f"lpsim peak RSS: {rss / 1024:.0f} MB")
EOF

# 2. Fashion-MNIST: torch runs the same architecture (scripts/train-fashion.py's ReluCnn; weights do not change the
# work) on the same 10,000 normalised images in batches of 100.
torch_f=$("$PY" - <<'EOF'
import gzip, importlib.util, statistics, time, numpy as np, torch
spec = importlib.util.spec_from_file_location("train", "scripts/train-fashion.py")
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
torch.set_num_threads(2)
with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
x = torch.from_numpy(((x / 255.0 - 0.2860) / 0.3530).astype(np.float32))
m = train.ReluCnn().eval()
t = []
with torch.no_grad():
    for _ in range(3):
        s = time.perf_counter()
        for i in range(0, 10000, 100):
            m(x[i:i + 100])
        t.append(time.perf_counter() - s)
print(f"{statistics.median(t):.3f}")
EOF
)
runs=()
for i in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$BUILD/lpsim" run configs/fashion_cnn.yaml --out "$WORK/fashion" \
    --format none --set run.threads=2
  runs+=("$(cat "$WORK/time.txt")")
done
lf_s=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | cut -d' ' -f1)
rssf_kb=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | cut -d' ' -f2)
echo "lpsim task.csv: $(tail -1 "$WORK/fashion/task.csv" | cut -d, -f1-7)"
"$PY" - "$torch_f" "$lf_s" "$rssf_kb" <<'EOF'
import sys
t, l, rss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print("Fashion-MNIST ReLU CNN, 10,000 test images, batches of 100")
print(f"{'case':<58} {'wall [s]':>9} {'x torch':>8}")
print(f"{'torch FP32 eager (2 threads)':<58} {t:9.3f} {1:8.1f}")
print(f"{'lpsim MXFP8 bit-true + FP64 reference + task + cycles':<58} {l:9.3f} {l / t:8.1f}")
print(f"lpsim peak RSS: {rss / 1024:.0f} MB")
EOF
