#!/usr/bin/env bash
# record-unusual-port-nomapper.sh records testdata/jt400-unusual-port-nomapper.pcap: the
# client is given fixed ports (AS400.setServicePort: sign-on 18476, database 18471, remote
# command 18475), so no port-mapper traffic exists; the filter still includes 449 to show that.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=8476 -plain 18476,18471,18475 -pwlevel 2
start_dump jt400-unusual-port-nomapper "tcp and host 127.0.0.1 and (port 449 or port 18476 or port 18471 or port 18475)"
drive nomapper "$pw"
finish jt400-unusual-port-nomapper
