#!/bin/bash
# Records cldap-udp-389.pcap: Samba's `net ads lookup -S 127.0.0.1`
# (samba-common-bin) sends its CLDAP netlogon ping, an LDAP searchRequest over
# UDP 389, to a throwaway listener on 127.0.0.1:389 that reads and never
# answers, so net tries twice and gives up. No domain controller is needed.
# cap_start filters TCP only, so this script runs its own tcpdump for UDP.
# Usage (as root): testdata/record/cldap-udp-389/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

OUT=$OUT_DIR/cldap-udp-389.pcap
printf '[global]\n  workgroup = EXAMPLE\n  realm = EXAMPLE.COM\n  security = ads\n' >"$WORK/smb.conf"

bg timeout 30 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 389))
while True:
    s.recvfrom(4096)
'
sleep 0.5

rm -f "$OUT"
bg timeout 60 tcpdump -i lo -U -n -s 0 -Z root -w "$OUT" "udp and host 127.0.0.1 and port 389" 2>"$WORK/tcpdump.err"
TCPDUMP=$LAST_PID
for _ in $(seq 100); do
	if grep -q 'listening on' "$WORK/tcpdump.err"; then break; fi
	sleep 0.1
done
timeout 20 net ads lookup -S 127.0.0.1 -s "$WORK/smb.conf" || true
sleep 1
kill -INT "$TCPDUMP" 2>/dev/null || true
wait "$TCPDUMP" 2>/dev/null || true
echo "== $OUT ($(stat -c %s "$OUT") bytes)"
tshark -r "$OUT" 2>/dev/null
