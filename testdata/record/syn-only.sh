#!/usr/bin/env bash
# Records testdata/syn-only.pcap: connection attempts (SYNs only, no payload)
# to the plain and TLS ports of the IBM i services, from a real TCP stack.
# Nothing listens on these ports; the capture filter keeps only the SYNs.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/syn-only.pcap"
tcpdump -i lo -U -n -s 0 -w "$out" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst host 127.0.0.1' &
pid=$!
sleep 1
for port in 21 23 389 446 449 445 992 2001 8471 8475 8476 9471 9476; do
  timeout 2 socat -u /dev/null "TCP:127.0.0.1:$port,connect-timeout=1" 2>/dev/null || true
done
sleep 1
kill "$pid"; wait "$pid" 2>/dev/null || true
