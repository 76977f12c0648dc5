#!/bin/bash
# Records the XMPP captures: Prosody (Debian prosody 0.12) in the foreground
# with a throwaway configuration on 127.0.0.1:5222, client openssl s_client
# -starttls xmpp -xmpphost localhost.
#  - xmpp-starttls: Prosody with a certificate: <proceed/>, then TLS.
#  - xmpp-starttls-alert: Prosody with mod_tls but no certificate: it still
#    offers STARTTLS and answers <proceed/>, then fails the handshake with
#    an alert (handshake_failure): no TLS session was established.
#  - xmpp-starttls-failure: a scripted server (failure_server.py) that
#    answers <starttls/> with <failure/> and closes the stream.
# Usage (as root): testdata/record/xmpp/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

mkdir -p "$WORK/data"
cp "$CERT" "$KEY" "$WORK/"
chown -R prosody "$WORK/data" "$WORK/server.key" "$WORK/server.crt"
chmod 755 "$WORK"

run() { # run SSL-LINE
	cat >"$WORK/prosody.cfg.lua" <<CONF
pidfile = "$WORK/data/prosody.pid"
data_path = "$WORK/data"
log = { info = "$WORK/data/prosody.log" }
daemonize = false
interfaces = { "127.0.0.1" }
c2s_ports = { 5222 }
s2s_ports = { }
modules_enabled = { "tls"; "saslauth"; "disco"; "ping" }
authentication = "internal_plain"
c2s_require_encryption = false
certificates = "$WORK/nocerts"
VirtualHost "localhost"
$1
CONF
	bg timeout 60 runuser -u prosody -- prosody --config "$WORK/prosody.cfg.lua" -F
	SERVER=$LAST_PID
	wait_port 5222
}

run "ssl = { certificate = \"$WORK/server.crt\"; key = \"$WORK/server.key\" }"
cap_start xmpp-starttls.pcap "port 5222"
timeout 20 openssl s_client -connect 127.0.0.1:5222 -starttls xmpp -xmpphost localhost </dev/null >/dev/null 2>&1 || true
cap_stop
stop_pid "$SERVER"; wait_free 5222

run ""
cap_start xmpp-starttls-alert.pcap "port 5222"
timeout 20 openssl s_client -connect 127.0.0.1:5222 -starttls xmpp -xmpphost localhost </dev/null >/dev/null 2>&1 || true
cap_stop
stop_pid "$SERVER"; wait_free 5222

# <failure/>: a scripted server (failure_server.py), the same client.
bg timeout 30 python3 "$(dirname "$0")/failure_server.py" 5222
SERVER=$LAST_PID
wait_port 5222
cap_start xmpp-starttls-failure.pcap "port 5222"
timeout 20 openssl s_client -connect 127.0.0.1:5222 -starttls xmpp -xmpphost localhost </dev/null >/dev/null 2>&1 || true
cap_stop
stop_pid "$SERVER"; wait_free 5222
