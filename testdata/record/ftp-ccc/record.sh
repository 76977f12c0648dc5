#!/bin/bash
# Records ftp-ccc.pcap: ProFTPD 1.3.8 (proftpd-core, mod_tls) in the
# foreground on 127.0.0.1:21 with a throwaway configuration, and curl
# --ssl-reqd --ftp-ssl-ccc: AUTH SSL, the login inside TLS, then CCC (clear
# command channel, RFC 4217 §6): both sides close TLS and the rest of the
# control connection (PWD, EPSV, LIST, QUIT) travels in clear; the data
# connection stays protected (PROT P).
# Usage (as root): testdata/record/ftp-ccc/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

FTP_USER=ibmitst
FTP_PW=Fake-Pw-ftp-7Q # listed in testdata/secrets.txt
add_user "$FTP_USER" "$FTP_PW"
CLEANUP_HOOKS+=("del_user_ftp")
del_user_ftp() { del_user "$FTP_USER"; }
echo "hello from ibmitap recording" >"/home/$FTP_USER/hello.txt"

cat >"$WORK/proftpd.conf" <<CONF
ModulePath /usr/lib/proftpd
LoadModule mod_tls.c
ServerType standalone
ServerName "ibmitap recording"
DefaultAddress 127.0.0.1
SocketBindTight on
Port 21
UseIPv6 off
User nobody
Group nogroup
PidFile $WORK/proftpd.pid
ScoreboardFile $WORK/proftpd.scoreboard
DelayTable none
WtmpLog off
UseReverseDNS off
RequireValidShell off
AuthOrder mod_auth_unix.c
PassivePorts 40000 40010
DefaultRoot ~
<Limit WRITE>
  DenyAll
</Limit>
TLSEngine on
TLSLog $WORK/tls.log
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile $CERT
TLSRSACertificateKeyFile $KEY
# CCC needs a control channel that may go back to clear after the login.
TLSRequired auth+data
TLSOptions NoSessionReuseRequired
CONF

bg timeout 60 proftpd -n -q -c "$WORK/proftpd.conf"
SERVER=$LAST_PID
wait_port 21
cap_start ftp-ccc.pcap "port 21 or portrange 40000-40010"
timeout 20 curl -sS --ssl-reqd --ftp-ssl-ccc -k "ftp://$FTP_USER:$FTP_PW@127.0.0.1/" >/dev/null || true
cap_stop
stop_pid "$SERVER"
