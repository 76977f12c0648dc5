#!/usr/bin/env bash
# record-tls.sh records testdata/jt400-tls.pcap: SecureAS400 and a JDBC connection with
# secure=true. The port-mapper lookups (as-signon-s, as-database-s, as-rmtcmd-s) stay in
# clear; sign-on, database and remote command run inside TLS on 9476, 9471 and 9475.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon-s=9476,as-database-s=9471,as-rmtcmd-s=9475 -tls 9476,9471,9475 -pwlevel 2
start_dump jt400-tls "tcp and host 127.0.0.1 and (port 449 or port 9476 or port 9471 or port 9475)"
drive tls "$pw"
finish jt400-tls
