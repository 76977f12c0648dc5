#!/usr/bin/env bash
# record-mapper-unknown.sh records testdata/jt400-mapper-unknown.pcap: the port mapper knows
# only as-signon; the lookups of as-database and as-rmtcmd get the one-byte failure reply '-'
# and the client gives up on those services (sign-on still works).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=8476 -plain 8476 -pwlevel 2
start_dump jt400-mapper-unknown "tcp and host 127.0.0.1 and (port 449 or port 8476 or port 8471 or port 8475)"
drive dbcmd "$pw"
finish jt400-mapper-unknown
