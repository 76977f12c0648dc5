#!/bin/bash
# flowhex.sh CAPTURE OUTDIR: writes the two directions of the first TCP
# stream of CAPTURE as OUTDIR/NAME.c2s.hex and OUTDIR/NAME.s2c.hex (hex, 64
# digits a line, at most the first 4096 bytes of each direction), the form
# the detector tests read with detecttest.ReadHex.
set -euo pipefail
cap=$1 out=$2
name=$(basename "$cap" .pcap)
tshark -r "$cap" -q -z follow,tcp,raw,0 2>/dev/null | awk -v c="$out/$name.c2s.hex" -v s="$out/$name.s2c.hex" '
	/^[0-9a-f]+$/ { printf "%s", $0 > c; next }
	/^\t[0-9a-f]+$/ { sub(/^\t/, ""); printf "%s", $0 > s; next }'
for d in c2s s2c; do
	f=$out/$name.$d.hex
	touch "$f"
	head -c 8192 "$f" | fold -w 64 >"$f.tmp"
	echo >>"$f.tmp"
	mv "$f.tmp" "$f"
done
