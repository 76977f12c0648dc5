#!/usr/bin/env bash
# record-plain-signon-des.sh records testdata/jt400-plain-signon-des.pcap: as
# record-plain-signon.sh but at password level 0, so the substitute is the 8-byte DES one
# (JTOpen limits such passwords to 10 characters, hence the shorter fake password).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=8476 -plain 8476 -pwlevel 0
start_dump jt400-plain-signon-des "tcp and host 127.0.0.1 and (port 449 or port 8476)"
drive signon "$despw"
finish jt400-plain-signon-des
