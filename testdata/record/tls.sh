#!/bin/bash
# Records the TLS captures: openssl s_server and s_client on loopback with the
# throwaway self-signed certificate in certs/ (CN=ibmi.example.com).
# Usage (as root): testdata/record/tls.sh
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

OLD='DEFAULT:@SECLEVEL=0' # TLS 1.0/1.1 need SHA-1 signatures, refused at the default level

# rev_session FILE PORT VERSIONFLAG SNIFLAGS... : one -rev echo session; the
# client sends a line, reads it back reversed, then CLOSE makes the server
# close the connection.
rev_session() {
	local file=$1 port=$2 ver=$3
	shift 3
	local extra=()
	if [[ $ver == -tls1 || $ver == -tls1_1 ]]; then extra=(-cipher "$OLD"); fi
	bg timeout 30 openssl s_server -accept "127.0.0.1:$port" -cert "$CERT" -key "$KEY" \
		"$ver" "${extra[@]}" -naccept 1 -rev >>"$WORK/s_server.log" 2>&1
	local srv=$LAST_PID
	wait_port "$port"
	cap_start "$file" "port $port"
	(
		echo "hello ibmitap"
		sleep 0.5
		echo CLOSE
	) | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$ver" "${extra[@]}" "$@" -quiet 2>>"$WORK/s_client.log"
	wait "$srv" || true
	cap_stop
	wait_free "$port"
}

rev_session tls13-sni-9476.pcap 9476 -tls1_3 -servername ibmi.example.com
rev_session tls13-nosni-9471.pcap 9471 -tls1_3 -noservername
rev_session tls12-sni-9475.pcap 9475 -tls1_2 -servername ibmi.example.com
rev_session tls12-nosni-9476.pcap 9476 -tls1_2 -noservername
rev_session tls11-sni-992.pcap 992 -tls1_1 -servername ibmi.example.com

# TLS 1.0 without SNI to an HTTP status page on 2010; the server closes after
# the answer. SSLv3 is not built into Debian's OpenSSL 3 (no -ssl3 option).
bg timeout 30 openssl s_server -accept 127.0.0.1:2010 -cert "$CERT" -key "$KEY" \
	-tls1 -cipher "$OLD" -naccept 1 -www >>"$WORK/s_server.log" 2>&1
srv=$LAST_PID
wait_port 2010
cap_start tls10-nosni-2010.pcap "port 2010"
(
	printf 'GET / HTTP/1.0\r\n\r\n'
	sleep 2
) | timeout 10 openssl s_client -connect 127.0.0.1:2010 -tls1 -cipher "$OLD" -noservername -quiet >/dev/null 2>>"$WORK/s_client.log"
wait "$srv" || true
cap_stop
wait_free 2010

# Plaintext to a TLS server: the server answers the bogus record and closes.
bg timeout 30 openssl s_server -accept 127.0.0.1:9471 -cert "$CERT" -key "$KEY" -naccept 1 -rev >>"$WORK/s_server.log" 2>&1
srv=$LAST_PID
wait_port 9471
cap_start plain-to-9471.pcap "port 9471"
printf 'hello plaintext\r\n' | timeout 10 socat -t 3 - TCP:127.0.0.1:9471 | od -An -tx1 || true
wait "$srv" || true
cap_stop
