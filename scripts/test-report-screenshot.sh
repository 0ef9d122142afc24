#!/usr/bin/env bash
# Looks at the shipped example's trade-off report the way a person would: runs configs/sweeps/format_by_array.yaml,
# draws its report, opens index.html in headless Chromium (Debian's chromium) at 1400 px and checks that it renders
# (a non-blank screenshot) and fits the page (no horizontal scroll). Installs chromium when absent (root).
#   usage: scripts/test-report-screenshot.sh LPSIM [SCREENSHOT.png]    (ctest label report)
# Prints "SKIP: ..." and exits 0 without matplotlib or when chromium is absent and cannot be installed.
set -euo pipefail

LPSIM=$(readlink -f "${1:?usage: test-report-screenshot.sh LPSIM [SCREENSHOT.png]}")
KEEP=${2:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
WIDTH=1400

# shellcheck source=scripts/test-lib.sh
source "$SRC/scripts/test-lib.sh"
/usr/bin/python3 -c "import matplotlib" 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no matplotlib"; exit 0; }
ensure_packages "Chromium" chromium -- chromium

T=$(mktemp -d /tmp/lpsim-shot.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"

"$LPSIM" sweep "$SRC/configs/sweeps/format_by_array.yaml" --out fba --jobs 2 --quiet >/dev/null 2>&1
"$LPSIM" report fba/results.csv --out fba/report

# The machine has no network: no first-run, sync, component or background traffic, a fresh profile per run.
browse() {  # browse PROFILE ARGS...
  local profile=$1
  shift
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$T/$profile" \
    --window-size=$WIDTH,2400 --virtual-time-budget=5000 "$@" 2>>"$T/chromium.log"
}

# 1. Horizontal scroll: a copy of the page that writes the document's scroll and client widths into the DOM.
cp fba/report/index.html probe.html
echo "<script>addEventListener('load',function(){var d=document.documentElement;document.body.setAttribute('data-widths',d.scrollWidth+' '+d.clientWidth)})</script>" >>probe.html
widths=$(browse p1 --dump-dom "file://$T/probe.html" | sed -n 's/.*data-widths="\([0-9]*\) \([0-9]*\)".*/\1 \2/p' | head -n 1)
[[ -n "$widths" ]] || { tail -n 20 chromium.log; fail "chromium did not render the page (no widths)"; }
read -r scroll client <<<"$widths"
((scroll <= client)) || fail "the page scrolls sideways at $WIDTH px: scrollWidth $scroll > clientWidth $client"

# 2. A screenshot of the real page: a PNG of the window's size, not blank.
browse p2 --hide-scrollbars --screenshot="$T/report.png" "file://$T/fba/report/index.html" >/dev/null
[[ -s report.png ]] || { tail -n 20 chromium.log; fail "no screenshot"; }
/usr/bin/python3 - report.png $WIDTH <<'PY'
import sys
import matplotlib.image as mpimg
img = mpimg.imread(sys.argv[1])
h, w = img.shape[:2]
assert w == int(sys.argv[2]), "screenshot is %d px wide, expected %s" % (w, sys.argv[2])
ink = (img[:, :, :3].mean(axis=2) < 0.9).mean()
assert ink > 0.01, "screenshot is blank (%.2f %% of the pixels not white)" % (100 * ink)
print("screenshot %dx%d, %.1f %% ink" % (w, h, 100 * ink))
PY
[[ -n "$KEEP" ]] && cp report.png "$KEEP"
echo "report screenshot ok: index.html at $WIDTH px, scrollWidth $scroll <= clientWidth $client"
