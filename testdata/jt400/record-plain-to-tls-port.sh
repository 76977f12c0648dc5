#!/usr/bin/env bash
# record-plain-to-tls-port.sh records testdata/jt400-plain-to-tls-port.pcap: the port mapper
# answers the plain lookup as-signon with 9476 and the responder speaks plain there, so the
# sign-on datastream (user ID, substitute) crosses in clear on the TLS port.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=9476 -plain 9476 -pwlevel 2
start_dump jt400-plain-to-tls-port "tcp and host 127.0.0.1 and (port 449 or port 9476)"
drive signon "$pw"
finish jt400-plain-to-tls-port
