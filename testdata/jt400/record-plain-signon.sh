#!/usr/bin/env bash
# record-plain-signon.sh records testdata/jt400-plain-signon.pcap: port mapper (as-signon) and
# two sign-on conversations (validateSignon, getVRM) in clear at password level 2, so the
# 0x7004 requests carry the user ID and a 20-byte SHA-1 password substitute.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=8476 -plain 8476 -pwlevel 2
start_dump jt400-plain-signon "tcp and host 127.0.0.1 and (port 449 or port 8476)"
drive signon "$pw"
finish jt400-plain-signon
