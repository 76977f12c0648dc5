#!/bin/bash
# Records the PostgreSQL captures: a throwaway cluster (Debian postgresql-15)
# on 127.0.0.1:5432, first with ssl=on (psql sslmode=require: SSLRequest,
# 'S', TLS), then with ssl=off (psql sslmode=prefer: SSLRequest, 'N', the
# startup and a cleartext "password" authentication in clear).
# Usage (as root): testdata/record/pgsql/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

PGBIN=/usr/lib/postgresql/15/bin
PW=Fake-Pw-pgsql-3K # listed in testdata/secrets.txt
chown postgres "$WORK"
cp "$CERT" "$KEY" "$WORK/"
chown postgres "$WORK/server.crt" "$WORK/server.key"
chmod 600 "$WORK/server.key"
as_pg() { runuser -u postgres -- "$@"; }
timeout 60 runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/db" -A trust -U postgres >/dev/null
cat >>"$WORK/db/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = 5432
unix_socket_directories = '$WORK'
ssl_cert_file = '$WORK/server.crt'
ssl_key_file = '$WORK/server.key'
CONF
# TCP logins authenticate with the "password" method: the password crosses
# the connection as the client sent it (in clear unless TLS protects it).
cat >"$WORK/db/pg_hba.conf" <<CONF
local all all trust
host all all 127.0.0.1/32 password
CONF

start() { # start SSL
	sed -i '/^ssl = /d' "$WORK/db/postgresql.conf"
	echo "ssl = $1" >>"$WORK/db/postgresql.conf"
	timeout 60 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/db" -l "$WORK/log" -w start >/dev/null
}
stop() { timeout 60 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/db" -m fast -w stop >/dev/null || true; }
CLEANUP_HOOKS+=(stop)

start on
as_pg psql -h "$WORK" -U postgres -qc "CREATE ROLE ibmitst LOGIN PASSWORD '$PW'" postgres

cap_start pgsql-sslrequest-tls.pcap "port 5432"
PGPASSWORD=$PW timeout 20 psql "host=127.0.0.1 port=5432 user=ibmitst dbname=postgres sslmode=require" -Atc 'select 1' </dev/null
cap_stop
stop

start off
cap_start pgsql-sslrequest-refused.pcap "port 5432"
PGPASSWORD=$PW timeout 20 psql "host=127.0.0.1 port=5432 user=ibmitst dbname=postgres sslmode=prefer" -Atc 'select 1' </dev/null
cap_stop
