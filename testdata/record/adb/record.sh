#!/bin/bash
# Records adb-cnxn-5555.pcap: the real adb client (Debian adb 29.0.6) runs
# `adb connect 127.0.0.1:5555`; its server process opens TCP to 5555 and
# sends CNXN; the device side is scripted (device.py, no adbd on Debian) and
# answers CNXN. Port 5555 is IBM i Management Central in the catalog: the
# bytes must win (adb, not IBM i, no finding).
# Usage (as root): testdata/record/adb/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

export HOME=$WORK # adb keeps its keys in ~/.android
bg timeout 30 python3 "$(dirname "$0")/device.py" 5555
DEVICE=$LAST_PID
wait_port 5555
stop_adb() { timeout 10 adb -P 5039 kill-server >/dev/null 2>&1 || true; }
CLEANUP_HOOKS+=(stop_adb)
cap_start adb-cnxn-5555.pcap "port 5555"
timeout 20 adb -P 5039 connect 127.0.0.1:5555 || true
sleep 1
timeout 10 adb -P 5039 disconnect 127.0.0.1:5555 || true
cap_stop
stop_pid "$DEVICE"
