#!/bin/bash
# Records ftps-data-general-port.pcap: ProFTPD (proftpd-core, mod_tls) in the
# foreground on 127.0.0.1:21 with a throwaway configuration whose
# passive ports are 6346-6347 (both gnutella in the general port list; no TLS
# service, not IBM i), and curl --ssl-reqd: AUTH TLS, the login and a LIST
# inside TLS, the one data connection protected (PROT P) on 6346 or 6347.
# Usage (as root): testdata/record/ftps-data-general-port/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

FTP_USER=ibmitst
FTP_PW=Fake-Pw-ftp-7Q # listed in testdata/secrets.txt
DATA_PORT=6346
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
PassivePorts $DATA_PORT $((DATA_PORT + 1))
DefaultRoot ~
<Limit WRITE>
  DenyAll
</Limit>
TLSEngine on
TLSLog $WORK/tls.log
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile $CERT
TLSRSACertificateKeyFile $KEY
TLSRequired on
TLSOptions NoSessionReuseRequired
CONF

bg timeout 60 proftpd -n -q -c "$WORK/proftpd.conf"
SERVER=$LAST_PID
wait_port 21
cap_start ftps-data-general-port.pcap "port 21 or portrange $DATA_PORT-$((DATA_PORT + 1))"
timeout 20 curl -sS --ssl-reqd -k "ftp://$FTP_USER:$FTP_PW@127.0.0.1/" >/dev/null || true
cap_stop
stop_pid "$SERVER"
