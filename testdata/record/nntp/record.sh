#!/bin/bash
# Records the NNTP captures with a scripted server (nntp_server.py: Python's
# ssl module, i.e. OpenSSL 3.0, for the TLS side; inn2 was not used) on
# 127.0.0.1:119 and the real client openssl s_client -starttls nntp.
#  - nntp-starttls: 382, then TLS; s_client then sends nothing and closes.
#  - nntp-starttls-refused: the server does not list STARTTLS and answers it
#    with 580; s_client goes on with a ClientHello the server answers 500.
# Usage (as root): testdata/record/nntp/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

for mode in ok refused; do
	name=nntp-starttls.pcap
	args=()
	if [[ $mode == refused ]]; then name=nntp-starttls-refused.pcap; args=(--refuse); fi
	bg timeout 30 python3 "$HERE/nntp_server.py" 119 "$CERT" "$KEY" "${args[@]}"
	SERVER=$LAST_PID
	wait_port 119
	cap_start "$name" "port 119"
	timeout 20 openssl s_client -connect 127.0.0.1:119 -starttls nntp </dev/null >/dev/null 2>&1 || true
	cap_stop
	stop_pid "$SERVER"
	wait_free 119
done
