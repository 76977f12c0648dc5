#!/usr/bin/env bash
# record-signon-refused.sh records testdata/jt400-signon-refused.pcap: port mapper (as-signon)
# and the signon scenario in clear at password level 2, with the responder refusing every
# 0x7004 (and 0x7002) with return code 0x0003000B (password not correct, §4.9). JTOpen throws
# AS400SecurityException; the capture keeps its real 0x7004 request and the failed reply.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=8476 -plain 8476 -pwlevel 2 -refuse-signon 0x0003000B
start_dump jt400-signon-refused "tcp and host 127.0.0.1 and (port 449 or port 8476)"
drive signon "$pw"
finish jt400-signon-refused
