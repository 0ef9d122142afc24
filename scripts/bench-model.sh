#!/usr/bin/env bash
# Whole-model benchmark (not a test): a torch-exported ResNet-18 (random weights, batch 1, 224x224) through the
# whole graph on the simulated accelerator, bit-true in MXFP8-E4M3 with cycles, energy and the FP64 reference run,
# next to torch's own FP32 eager inference of the same model on the same 2 cores, in one run. Prints both wall
# times, the ratio, and lpsim's peak RSS. Target: lpsim within 20x of torch.
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

# lpsim: the whole run (ONNX import, timing, bit-true values, FP64 reference, local runs, cost, report), median of 3.
runs=()
for i in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$BUILD/lpsim" run "$WORK/resnet18.yaml" --out "$WORK/out" --format none
  runs+=("$(cat "$WORK/time.txt")")
done
lp_s=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | cut -d' ' -f1)
rss_kb=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | cut -d' ' -f2)
total=$(grep '^TOTAL' "$WORK/out/report.txt" | head -1)
echo "lpsim TOTAL row: $total" | cut -c1-200
"$PY" - "$torch_s" "$lp_s" "$rss_kb" <<'EOF'
import sys
t, l, rss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"{'case':<58} {'wall [s]':>9} {'x torch':>8}")
print(f"{'torch FP32 eager (2 threads)':<58} {t:9.3f} {1:8.1f}")
print(f"{'lpsim MXFP8 bit-true + FP64 reference + cycles + energy':<58} {l:9.3f} {l / t:8.1f}")
print(f"lpsim peak RSS: {rss / 1024:.0f} MB")
EOF
