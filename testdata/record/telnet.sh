#!/bin/bash
# Records the telnet captures: inetutils telnetd behind socat (one connection
# each) running the real /bin/login, and the inetutils telnet client fed with
# pauses. Usage (as root): testdata/record/telnet.sh
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

TEL_USER=ibmitst
TEL_PW=Fake-Pw-tel-3K        # listed in testdata/secrets.txt
TEL_WRONG=Fake-Pw-tel-wrong-8J # listed in testdata/secrets.txt

drop_user() { del_user "$TEL_USER"; }
CLEANUP_HOOKS+=(drop_user)
add_user "$TEL_USER" "$TEL_PW"

# session PCAP PORT SCRIPT: one telnetd connection; SCRIPT is a function that
# writes what the "user" types, with pauses.
session() {
	local file=$1 port=$2 feed=$3
	bg timeout 60 socat "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr" EXEC:/usr/sbin/telnetd,nofork
	local srv=$LAST_PID
	wait_port "$port"
	cap_start "$file" "port $port"
	"$feed" | timeout 30 telnet 127.0.0.1 "$port" >"$WORK/telnet.out" 2>&1 || true
	wait "$srv" 2>/dev/null || true
	cap_stop
	wait_free "$port"
}

login_ok() {
	sleep 2
	printf '%s\r\n' "$TEL_USER"
	sleep 1.5
	printf '%s\r\n' "$TEL_PW"
	sleep 2
	printf 'id; exit\r\n'
	sleep 2
}

login_bad() {
	sleep 2
	printf '%s\r\n' "$TEL_USER"
	sleep 1.5
	printf '%s\r\n' "$TEL_WRONG"
	sleep 5 # pam_faildelay waits 3 s before "Login incorrect"
}

# Wait for the login prompt, then close without typing anything.
no_login() {
	sleep 3
}

session telnet-login-23.pcap 23 login_ok
grep -q "uid=.*($TEL_USER)" "$WORK/telnet.out" || { echo "login on 23 failed" >&2; exit 1; }
session telnet-login-992.pcap 992 login_ok
grep -q "uid=.*($TEL_USER)" "$WORK/telnet.out" || { echo "login on 992 failed" >&2; exit 1; }
session telnet-nologin-23.pcap 23 no_login
grep -q 'login:' "$WORK/telnet.out" || { echo "no login prompt" >&2; exit 1; }
session telnet-badlogin-23.pcap 23 login_bad
grep -q 'Login incorrect' "$WORK/telnet.out" || { echo "expected Login incorrect" >&2; exit 1; }
