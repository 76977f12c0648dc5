#!/usr/bin/env bash
# record-remapped.sh records testdata/jt400-remapped.pcap: the port mapper announces
# as-signon on 18476 and as-rmtcmd on 18475 (plain) and as-database-s on 19471 (TLS). A second
# AS400 object in the same JVM then reaches 18476 and 18475 again without a port-mapper lookup
# (JTOpen caches the answers per system name).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=18476,as-rmtcmd=18475,as-signon-s=9476,as-database-s=19471 \
    -plain 18476,18475 -tls 9476,19471 -pwlevel 2
start_dump jt400-remapped "tcp and host 127.0.0.1 and (port 449 or port 18476 or port 18475 or port 9476 or port 19471)"
drive remapped "$pw"
finish jt400-remapped
