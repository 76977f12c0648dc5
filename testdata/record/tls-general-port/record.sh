#!/bin/bash
# Records tls-general-port.pcap: openssl s_server with the throwaway
# self-signed certificate in certs/ on 127.0.0.1:6346, a port only the
# general port list names (gnutella; not a TLS service, not IBM i), and
# openssl s_client -servername shop.example.com: one TLS 1.3 echo session.
# Usage (as root): testdata/record/tls-general-port/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

PORT=6346
bg timeout 30 openssl s_server -accept "127.0.0.1:$PORT" -cert "$CERT" -key "$KEY" \
	-naccept 1 -rev >>"$WORK/s_server.log" 2>&1
SERVER=$LAST_PID
wait_port "$PORT"
cap_start tls-general-port.pcap "port $PORT"
(
	echo "hello ibmitap"
	sleep 0.5
	echo CLOSE
) | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername shop.example.com -quiet 2>>"$WORK/s_client.log"
wait "$SERVER" || true
cap_stop
wait_free "$PORT"
