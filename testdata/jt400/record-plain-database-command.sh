#!/usr/bin/env bash
# record-plain-database-command.sh records testdata/jt400-plain-database-command.pcap: port
# mapper, sign-on, database (start server, 0x1F80 and the SQL requests of a JDBC SELECT) and
# remote command (start server, 0x1001, CL command) in clear, password level 2 (SHA-1).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build
start_responder -map as-signon=8476,as-database=8471,as-rmtcmd=8475 -plain 8476,8471,8475 -pwlevel 2
start_dump jt400-plain-database-command 'tcp and host 127.0.0.1 and (port 449 or port 8476 or port 8471 or port 8475)'
drive dbcmd "$pw"
finish jt400-plain-database-command
