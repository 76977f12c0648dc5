#!/bin/bash
# Records the SMTP captures: Exim 4.96 (exim4-daemon-light) speaking SMTP on
# its standard input (-bs) behind socat on 127.0.0.1:25 and :587, with a
# throwaway configuration (-C; Exim then runs without root privileges).
#  - smtp-starttls-25: swaks --tls against Exim with a certificate: 220, TLS.
#  - smtp-starttls-587: the same on the submission port, with AUTH PLAIN
#    inside TLS (nothing of it is visible).
#  - smtp-starttls-454: Exim advertises STARTTLS but cannot read its
#    certificate: 454 TLS currently unavailable; openssl s_client gives up.
#  - smtp-starttls-refused: Exim without TLS; openssl s_client -starttls smtp
#    sends STARTTLS anyway and gets 503 (not advertised).
#  - smtp-auth-plain-587: no TLS offered, swaks AUTH PLAIN in clear.
# Usage (as root): testdata/record/smtp/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

PW=Fake-Pw-smtp-8R # listed in testdata/secrets.txt
mkdir -p "$WORK/spool" "$WORK/log"
cp "$CERT" "$KEY" "$WORK/"
chown -R Debian-exim "$WORK/spool" "$WORK/log" "$WORK/server.crt" "$WORK/server.key"
chmod 755 "$WORK"

conf() { # conf NAME CERTPATH ADVERTISE
	cat >"$WORK/$1.conf" <<CONF
primary_hostname = mail.example.com
spool_directory = $WORK/spool
log_file_path = $WORK/log/%slog
exim_user = Debian-exim
exim_group = Debian-exim
tls_certificate = $2
tls_privatekey = $WORK/server.key
tls_advertise_hosts = $3
auth_advertise_hosts = *
acl_smtp_rcpt = check_rcpt
begin acl
check_rcpt:
  deny message = relaying denied (recording)
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{\$auth2}{ibmitst}}{eq{\$auth3}{$PW}}}}
  server_set_id = \$auth2
CONF
}
conf tls "$WORK/server.crt" '*'
conf broken "$WORK/missing.crt" '*'
conf notls "$WORK/server.crt" ''

serve() { # serve CONF PORT
	bg timeout 60 socat "TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork" \
		"EXEC:/usr/sbin/exim4 -C $WORK/$1.conf -bs"
	SERVER=$LAST_PID
	wait_port "$2"
}

serve tls 25
cap_start smtp-starttls-25.pcap "port 25"
timeout 20 swaks -s 127.0.0.1:25 --tls --ehlo client.example.com \
	--from a@example.com --to b@example.com --quit-after RCPT >/dev/null || true
cap_stop
stop_pid "$SERVER"; wait_free 25

serve tls 587
cap_start smtp-starttls-587.pcap "port 587"
timeout 20 swaks -s 127.0.0.1:587 --tls --ehlo client.example.com \
	--auth PLAIN --auth-user ibmitst --auth-password "$PW" --quit-after AUTH >/dev/null || true
cap_stop
stop_pid "$SERVER"; wait_free 587

serve broken 25
cap_start smtp-starttls-454.pcap "port 25"
timeout 20 openssl s_client -connect 127.0.0.1:25 -starttls smtp -name client.example.com </dev/null >/dev/null 2>&1 || true
cap_stop
stop_pid "$SERVER"; wait_free 25

serve notls 25
cap_start smtp-starttls-refused.pcap "port 25"
timeout 20 openssl s_client -connect 127.0.0.1:25 -starttls smtp -name client.example.com </dev/null >/dev/null 2>&1 || true
cap_stop
stop_pid "$SERVER"; wait_free 25

serve notls 587
cap_start smtp-auth-plain-587.pcap "port 587"
timeout 20 swaks -s 127.0.0.1:587 --ehlo client.example.com \
	--auth PLAIN --auth-user ibmitst --auth-password "$PW" --quit-after AUTH >/dev/null || true
cap_stop
