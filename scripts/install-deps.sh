#!/usr/bin/env bash
# Installs exactly the Debian bookworm packages lpsim's build and tests need.
# Idempotent: returns at once when everything is present. Runs as root, or through sudo otherwise.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config        # compiler, build system, SystemC lookup
  libsystemc-dev                           # SystemC 2.3.4 (timing models)
  verilator                                # K-TanH RTL -> SystemC
  catch2                                   # Catch2 v2 test framework
  libyaml-cpp-dev                          # configs and native traces
  libboost-program-options-dev             # CLI
  yosys                                    # RTL area of rtl/ktanh.sv (scripts/synth-area.sh and its test)
  python3                                  # /usr/bin/python3 (json) in scripts/synth-area.sh, gen-traces.py
  python3-matplotlib                       # `lpsim report`: trade-off plots (scripts/lpsim-report.py)
  libonnx-dev libprotobuf-dev              # ONNX model import (sim/onnx): ONNX protobuf classes + protobuf runtime
  libonnx-testdata                         # ONNX backend node tests run by tests/onnx (ctest label onnx)
  zlib1g-dev                               # gzip-compressed IDX data sets (workload.dataset)
  dataset-fashion-mnist                    # Fashion-MNIST (IDX .gz): the shipped models' test set
  time                                     # GNU time: peak RSS in benchmarks
  slurm-wlm munge                          # a private one-node Slurm for the --emit slurm test (scripts/test-slurm.sh)
  parallel                                 # GNU parallel for the --emit parallel test (scripts/test-parallel.sh)
  chromium                                 # headless screenshot of the report page (scripts/test-report-screenshot.sh)
  clang libclang-rt-14-dev                 # sanitizer build and libFuzzer targets (scripts/sanitize.sh, fuzz.sh):
                                           # libclang-rt-14-dev holds Debian's libFuzzer and ASan/UBSan runtimes
)
# Extra packages used by optional tools; install them with LPSIM_EXTRAS=1 (OpenBLAS SGEMM baseline of
# scripts/bench-gemm.sh; numpy; PyTorch, torchvision and onnx for scripts/gen-onnx-models.py and the torch
# baselines of scripts/bench-model.sh, about 650 MB).
if [[ "${LPSIM_EXTRAS:-0}" == 1 ]]; then
  PKGS+=(libopenblas-dev python3-numpy python3-torch python3-torchvision python3-onnx)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
