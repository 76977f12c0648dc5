#!/usr/bin/env bash
# Side-by-side speed and peak memory of `ibmitap read --format json` and nDPI's
# ndpiReader on the same generated capture, next to a bare read of the file.
#
#   scripts/compare-ndpi.sh [PACKETS]      (default 1000000)
#
# Needs: Go, and from Debian: libndpi-bin (ndpiReader), hyperfine, time.
# Installs what is missing when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
packets="${1:-1000000}"
need=()
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update && apt-get install -y --no-install-recommends "${need[@]}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/ibmitap" ./cmd/ibmitap
go build -o "$work/gencap" ./cmd/gencap
"$work/gencap" -packets "$packets" -o "$work/big.pcap"
ls -l "$work/big.pcap"

echo "== wall time (hyperfine, 5 runs)"
hyperfine --warmup 1 --runs 5 \
  "cat $work/big.pcap > /dev/null" \
  "$work/ibmitap read --format json -o $work/flows.jsonl $work/big.pcap" \
  "ndpiReader -i $work/big.pcap -q"

echo "== peak memory (GNU time, maximum resident set size)"
peak() { # LABEL CMD...
  local label=$1; shift
  /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null || true
  printf '%-12s %s KiB\n' "$label" "$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt")"
}
peak ibmitap "$work/ibmitap" read --format json -o "$work/flows.jsonl" "$work/big.pcap"
peak ndpiReader ndpiReader -i "$work/big.pcap" -q
echo "== ibmitap counters"
"$work/ibmitap" read --format json -o /dev/null "$work/big.pcap"
