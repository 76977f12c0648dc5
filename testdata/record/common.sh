# shellcheck shell=bash
# Shared helpers for the record scripts (sourced, not run). Run the scripts as
# root: tcpdump on lo, ports below 1024, throwaway local users.
#
# Every server is bound to 127.0.0.1, every step runs under timeout, and the
# EXIT trap stops what the script started and removes its temp directory.

REC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=$(cd "$REC_DIR/.." && pwd)
CERT=$REC_DIR/certs/server.crt
KEY=$REC_DIR/certs/server.key
WORK=$(mktemp -d /tmp/ibmitap-rec.XXXXXX)
BG_PIDS=()
CAP_PID=
CAP_OUT=
CLEANUP_HOOKS=()

cleanup() {
	local p h
	for h in "${CLEANUP_HOOKS[@]}"; do "$h" || true; done
	if [[ -n $CAP_PID ]]; then kill "$CAP_PID" 2>/dev/null || true; fi
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# bg CMD... starts CMD in the background and remembers its PID for cleanup.
bg() {
	"$@" &
	BG_PIDS+=("$!")
	LAST_PID=$!
}

# stop_pid PID stops one process started by bg and reaps it.
stop_pid() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# wait_port PORT waits until something listens on 127.0.0.1:PORT.
wait_port() {
	local i
	for i in $(seq 100); do
		if ss -ltnH "sport = :$1" | grep -q .; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# wait_free PORT waits until nothing listens on 127.0.0.1:PORT any more.
wait_free() {
	local i
	for i in $(seq 100); do
		if ! ss -ltnH "sport = :$1" | grep -q .; then return 0; fi
		sleep 0.1
	done
	echo "port $1 still busy" >&2
	return 1
}

# cap_start NAME FILTER starts tcpdump on lo writing testdata/NAME (or NAME
# itself when it is an absolute path).
cap_start() {
	local i
	CAP_OUT=$OUT_DIR/$1
	if [[ $1 == /* ]]; then CAP_OUT=$1; fi
	rm -f "$CAP_OUT"
	timeout 120 tcpdump -i lo -U -n -s 0 -Z root -w "$CAP_OUT" \
		"tcp and host 127.0.0.1 and ($2)" 2>"$WORK/tcpdump.err" &
	CAP_PID=$!
	for i in $(seq 100); do
		if grep -q 'listening on' "$WORK/tcpdump.err"; then return 0; fi
		sleep 0.1
	done
	cat "$WORK/tcpdump.err" >&2
	echo "tcpdump did not start" >&2
	return 1
}

# cap_stop lets the last FIN/ACKs through, stops tcpdump and shows the flows.
cap_stop() {
	sleep 1
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
	CAP_PID=
	echo "== $CAP_OUT ($(stat -c %s "$CAP_OUT") bytes)"
	tshark -r "$CAP_OUT" -q -z conv,tcp | sed -n '/<->/p'
}

# add_user NAME PASSWORD creates a throwaway local user with a home directory.
add_user() {
	if id "$1" >/dev/null 2>&1; then userdel -r "$1" >/dev/null 2>&1 || true; fi
	useradd -m -s /bin/bash "$1"
	printf '%s:%s\n' "$1" "$2" | chpasswd
}

# del_user NAME removes the throwaway user and its home directory.
del_user() {
	if id "$1" >/dev/null 2>&1; then userdel -r "$1" >/dev/null 2>&1 || true; fi
}
