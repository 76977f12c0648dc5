#!/bin/bash
# Records the MySQL-protocol captures: a throwaway MariaDB server (Debian
# mariadb-server 10.11) on 127.0.0.1:3306 and the mariadb client.
#  - mysql-ssl: server with a certificate, client --ssl: the 32-byte SSL
#    request (CLIENT_SSL), then TLS.
#  - mysql-ssl-refused: server started with --skip-ssl (its handshake lacks
#    CLIENT_SSL), client --ssl --ssl-verify-server-cert (SSL required): the
#    client gives up after the greeting. (With --ssl alone the 10.11 client
#    falls back to clear text.)
#  - mysql-nossl-login: the same server, client --skip-ssl: the login
#    (user, scrambled password) in clear.
# Usage (as root): testdata/record/mysql/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

PW=Fake-Pw-mysql-6W # listed in testdata/secrets.txt
cp "$CERT" "$KEY" "$WORK/"
chown mysql "$WORK/server.crt" "$WORK/server.key"
chmod 755 "$WORK"
mkdir -p "$WORK/db" && chown mysql "$WORK/db"
timeout 120 mariadb-install-db --no-defaults --user=mysql --datadir="$WORK/db" >/dev/null

start() { # start EXTRA-ARGS...
	bg timeout 120 mariadbd --no-defaults --user=mysql --datadir="$WORK/db" \
		--socket="$WORK/db/sock" --pid-file="$WORK/db/pid" --port=3306 \
		--bind-address=127.0.0.1 --skip-name-resolve "$@"
	SERVER=$LAST_PID
	wait_port 3306
}
stopm() { stop_pid "$SERVER"; wait_free 3306; }

start --ssl-cert="$WORK/server.crt" --ssl-key="$WORK/server.key"
timeout 20 mariadb --no-defaults -S "$WORK/db/sock" -u root -e \
	"CREATE USER ibmitst@'127.0.0.1' IDENTIFIED BY '$PW'; GRANT USAGE ON *.* TO ibmitst@'127.0.0.1';"
cap_start mysql-ssl.pcap "port 3306"
timeout 20 mariadb --no-defaults -h 127.0.0.1 -P 3306 -u ibmitst -p"$PW" --ssl --ssl-verify-server-cert=0 -e 'select 1' >/dev/null || true
cap_stop
stopm

start --skip-ssl
cap_start mysql-ssl-refused.pcap "port 3306"
timeout 20 mariadb --no-defaults -h 127.0.0.1 -P 3306 -u ibmitst -p"$PW" --ssl --ssl-verify-server-cert -e 'select 1' >/dev/null 2>&1 || true
cap_stop
cap_start mysql-nossl-login.pcap "port 3306"
timeout 20 mariadb --no-defaults -h 127.0.0.1 -P 3306 -u ibmitst -p"$PW" --skip-ssl -e 'select 1' >/dev/null || true
cap_stop
stopm
