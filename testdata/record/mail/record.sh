#!/bin/bash
# Records the IMAP and POP3 captures: Dovecot 2.3 (dovecot-imapd,
# dovecot-pop3d) in the foreground with a throwaway configuration on
# 127.0.0.1:143 and :110 (static password database, one fake user).
#  - imap-starttls / pop3-stls: openssl s_client -starttls imap|pop3 against
#    Dovecot with ssl=yes: tagged OK / +OK, then TLS.
#  - imap-starttls-refused / pop3-stls-refused: the same against ssl=no:
#    Dovecot answers the unadvertised command with BAD / -ERR.
#  - imap-capability: a client that asks for CAPABILITY and logs out.
#  - imap-login-plain / pop3-user-pass: a LOGIN / USER+PASS in clear (ssl=no,
#    the commands sent with socat).
# Usage (as root): testdata/record/mail/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

PW=Fake-Pw-mail-5T # listed in testdata/secrets.txt
mkdir -p "$WORK/run" "$WORK/state" "$WORK/home"
cp "$CERT" "$KEY" "$WORK/"
chmod 755 "$WORK"
chmod 777 "$WORK/home"

conf() { # conf SSL
	cat >"$WORK/dovecot.conf" <<CONF
base_dir = $WORK/run
state_dir = $WORK/state
log_path = $WORK/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = $1
ssl_cert = <$WORK/server.crt
ssl_key = <$WORK/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = static
  args = password=$PW
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$WORK/home/%u
}
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 143
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = 110
  }
  inet_listener pop3s {
    port = 0
  }
}
CONF
	bg timeout 120 dovecot -F -c "$WORK/dovecot.conf"
	SERVER=$LAST_PID
	wait_port 143
	wait_port 110
}
stopd() { stop_pid "$SERVER"; wait_free 143; wait_free 110; }

# say PORT TEXT sends TEXT (lines with CRLF) after the greeting and keeps the
# connection open until the server closes it.
say() {
	(sleep 0.3; printf '%b' "$2") | timeout 10 socat -t 2 - "TCP:127.0.0.1:$1" >/dev/null || true
}

conf yes
cap_start imap-starttls.pcap "port 143"
timeout 20 openssl s_client -connect 127.0.0.1:143 -starttls imap </dev/null >/dev/null 2>&1 || true
cap_stop
cap_start pop3-stls.pcap "port 110"
timeout 20 openssl s_client -connect 127.0.0.1:110 -starttls pop3 </dev/null >/dev/null 2>&1 || true
cap_stop
stopd

conf no
cap_start imap-starttls-refused.pcap "port 143"
timeout 20 openssl s_client -connect 127.0.0.1:143 -starttls imap </dev/null >/dev/null 2>&1 || true
cap_stop
cap_start pop3-stls-refused.pcap "port 110"
timeout 20 openssl s_client -connect 127.0.0.1:110 -starttls pop3 </dev/null >/dev/null 2>&1 || true
cap_stop
cap_start imap-capability.pcap "port 143"
say 143 'a1 CAPABILITY\r\na2 LOGOUT\r\n'
cap_stop
cap_start imap-login-plain.pcap "port 143"
say 143 "a1 LOGIN ibmitst $PW\\r\\na2 LOGOUT\\r\\n"
cap_stop
cap_start pop3-user-pass.pcap "port 110"
say 110 "USER ibmitst\\r\\nPASS $PW\\r\\nQUIT\\r\\n"
cap_stop
stopd
