#!/usr/bin/env bash
# Side by side, in one run on the same capture: `ibmitap read --format json`
# (one worker and N workers), nDPI's ndpiReader, `tshark -q -z conv,tcp`, and
# a bare Go read of the file (scripts/bareread: pcapgo read, hand header
# parse, flow map). Reports the medians of wall time (hyperfine), CPU time
# (user + system) and peak RSS (GNU time -v), and each tool's ratio to the
# bare read and to ibmitap with one worker.
#
#   scripts/compare.sh [gencap flags...]
#
# The default capture is the busy-port shape: 1.2 M packets, 40,000
# connections open at once, fully interleaved, 20 % IPv6, 10 % VLAN-tagged,
# 70 % of them carrying bytes no detector knows. Other shapes:
#   scripts/compare.sh -shape mix -packets 1000000     (one flow at a time)
#   scripts/compare.sh -shape synflood -packets 2000000
# Environment: RUNS (default 5), WORKERS (default: the number of CPUs),
# TOOLS (default "bare ibmitap ibmitapN ndpi tshark"), KEEP=1 keeps the
# capture, CAPTURE=FILE measures an existing pcap instead of generating one. The capture goes to a temporary directory under /tmp, never into
# the repository.
#
# Needs Go and, from Debian: hyperfine, libndpi-bin, tshark, time (installed
# when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
workers=${WORKERS:-$(nproc)}
tools=${TOOLS:-"bare ibmitap ibmitapN ndpi tshark"}
[ $# -gt 0 ] || set -- -shape busy -packets 1200000

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
command -v tshark >/dev/null || need+=(tshark)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

work=$(mktemp -d /tmp/ibmitap-compare.XXXXXX)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$work"' EXIT
go build -o "$work/ibmitap" ./cmd/ibmitap
go build -o "$work/gencap" ./cmd/gencap
go build -o "$work/bareread" ./scripts/bareread
cap=${CAPTURE:-$work/cap.pcap}
if [ -z "${CAPTURE:-}" ]; then
  "$work/gencap" "$@" -o "$cap"
  echo "capture: gencap $* ($(du -m "$cap" | cut -f1) MB)"
else
  echo "capture: $cap ($(du -m "$cap" | cut -f1) MB)"
fi
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | cut -d' ' -f3)"

# One label and command per tool, in the order of the table.
labels=() cmds=()
add() { labels+=("$1"); cmds+=("$2"); }
for t in $tools; do
  case $t in
  bare) add "bare Go read" "$work/bareread $cap" ;;
  ibmitap) add "ibmitap 1 worker" "$work/ibmitap read --format json -o /dev/null $cap" ;;
  ibmitapN)
    if "$work/ibmitap" read -h 2>&1 | grep -q -- -workers; then
      add "ibmitap $workers workers" "$work/ibmitap read --workers $workers --format json -o /dev/null $cap"
    fi ;;
  ndpi) add "ndpiReader" "ndpiReader -i $cap -q" ;;
  tshark) add "tshark conv,tcp" "tshark -n -q -r $cap -z conv,tcp" ;;
  *) echo "unknown tool $t" >&2; exit 2 ;;
  esac
done

echo "== counters"
"$work/ibmitap" read --format json -o /dev/null "$cap" 2>&1 | tail -1
"$work/bareread" "$cap"

hyperfine --style basic --warmup 1 --runs "$runs" --export-csv "$work/wall.csv" "${cmds[@]}" >"$work/hyperfine.txt"

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# wall medians in command order (hyperfine writes one CSV row per command)
mapfile -t wall < <(tail -n +2 "$work/wall.csv" | awk -F, '{print $(NF-4)}') # commands may hold commas

cpu=() rss=()
for i in "${!cmds[@]}"; do
  : >"$work/cpu" && : >"$work/rss"
  for _ in $(seq "$runs"); do
    /usr/bin/time -v sh -c "${cmds[$i]} >/dev/null 2>&1" 2>"$work/t" || true
    awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$work/t" >>"$work/cpu"
    awk -F': ' '/Maximum resident/ {print $2/1024}' "$work/t" >>"$work/rss"
  done
  cpu+=("$(median <"$work/cpu")")
  rss+=("$(median <"$work/rss")")
done

base=${wall[0]}
one=""
for i in "${!labels[@]}"; do [ "${labels[$i]}" = "ibmitap 1 worker" ] && one=${wall[$i]}; done
echo "== medians of $runs runs"
printf '| %-20s | %9s | %9s | %10s | %8s | %12s |\n' tool "wall s" "CPU s" "peak RSS" "÷ bare" "÷ ibmitap 1"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------------------- ----------- ----------- ------------ ---------- --------------
for i in "${!labels[@]}"; do
  rb=$(awk -v a="${wall[$i]}" -v b="$base" 'BEGIN {printf "%.2f", a/b}')
  ro="—"
  [ -n "$one" ] && ro=$(awk -v a="${wall[$i]}" -v b="$one" 'BEGIN {printf "%.2f", a/b}')
  printf '| %-20s | %9.3f | %9.2f | %6.0f MiB | %7s× | %11s× |\n' "${labels[$i]}" "${wall[$i]}" "${cpu[$i]}" "${rss[$i]}" "$rb" "$ro"
done
