#!/bin/sh
# Writes testdata/capinfos.txt: the packet count capinfos (Wireshark) reports
# for every capture under testdata/ and capture/testdata/. capture's
# TestSweep checks that ibmitap's reader counts the same packets. Run it
# after adding a capture (needs capinfos: apt-get install tshark).
# Files capinfos cannot read (xz) are left out.
set -eu
cd "$(dirname "$0")/.."
out=testdata/capinfos.txt
{
	echo "# packets per capture as capinfos reports them: scripts/capinfos.sh ($(capinfos -v | head -1))"
	find testdata capture/testdata -path '*/fuzz' -prune -o -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.gz' -o -name '*.zst' \) -print | LC_ALL=C sort |
		while read -r f; do
			n=$(capinfos -c -M "$f" 2>/dev/null | awk '/^Number of packets/ {print $4}')
			if [ -n "$n" ]; then printf '%s\t%s\n' "$f" "$n"; fi
		done
} >"$out"
echo "$out: $(grep -vc '^#' "$out") captures"
