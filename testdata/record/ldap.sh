#!/bin/bash
# Records the LDAP captures: slapd with a minimal slapd.conf (back_mdb, one
# inetOrgPerson) and ldapsearch, on 389 (plain, StartTLS) and 636 (LDAPS).
# Usage (as root): testdata/record/ldap.sh
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

BASE=dc=example,dc=com
ALICE=uid=alice,ou=people,$BASE
ALICE_PW=Fake-Pw-ldap-4M        # listed in testdata/secrets.txt
WRONG_PW=Fake-Pw-ldap-wrong-2Z  # listed in testdata/secrets.txt
ROOT_PW=Fake-Pw-ldaproot-9X     # never sent on the wire; listed anyway

mkdir -p "$WORK/db"
cat >"$WORK/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $WORK/slapd.pid
argsfile $WORK/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $CERT
TLSCertificateKeyFile $KEY
database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw $ROOT_PW
directory $WORK/db
maxsize 10485760
# Nobody may read userPassword (binds still work), so search results carry no
# password material.
access to attrs=userPassword by anonymous auth by * none
access to * by * read
EOF

hash=$(slappasswd -s "$ALICE_PW")
cat >"$WORK/data.ldif" <<EOF
dn: $BASE
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,$BASE
objectClass: organizationalUnit
ou: people

dn: $ALICE
objectClass: inetOrgPerson
uid: alice
cn: Alice Example
sn: Example
mail: alice@example.com
userPassword: $hash
EOF
timeout 30 slapadd -f "$WORK/slapd.conf" -l "$WORK/data.ldif"

bg timeout 120 slapd -h "ldap://127.0.0.1:389/ ldaps://127.0.0.1:636/" -f "$WORK/slapd.conf" -d stats \
	2>"$WORK/slapd.log"
srv=$LAST_PID
wait_port 389
wait_port 636

export LDAPTLS_CACERT=$CERT # the certificate's SAN holds IP 127.0.0.1

# one PCAP FILTER CMD... : capture one client run.
one() {
	local file=$1 filter=$2
	shift 2
	cap_start "$file" "$filter"
	timeout 20 "$@" >"$WORK/client.out"
	cap_stop
}

one ldap-simple-bind.pcap 'port 389' \
	ldapsearch -x -D "$ALICE" -w "$ALICE_PW" -H ldap://127.0.0.1:389 -b "$BASE"
one ldap-anonymous.pcap 'port 389' \
	ldapsearch -x -H ldap://127.0.0.1:389 -b "$BASE"
one ldap-starttls.pcap 'port 389' \
	ldapsearch -x -ZZ -D "$ALICE" -w "$ALICE_PW" -H ldap://127.0.0.1:389 -b "$BASE"
one ldaps-636.pcap 'port 636' \
	ldapsearch -x -D "$ALICE" -w "$ALICE_PW" -H ldaps://127.0.0.1:636 -b "$BASE"

# A failed simple bind: the (wrong) password still crosses in clear.
cap_start ldap-bind-fail.pcap 'port 389'
rc=0
timeout 20 ldapsearch -x -D "$ALICE" -w "$WRONG_PW" -H ldap://127.0.0.1:389 -b "$BASE" >"$WORK/client.out" 2>&1 || rc=$?
cap_stop
[[ $rc == 49 ]] || { echo "expected invalidCredentials (49), got $rc" >&2; exit 1; }

# Mid-session: a bind followed by several searches on one connection (one
# search per filter line), then everything up to the bind response is cut off
# with editcap so the capture starts in the middle of the session.
printf '%s\n' '(uid=alice)' '(objectClass=organizationalUnit)' '(mail=*)' '(cn=Alice*)' >"$WORK/filters"
long=$WORK/ldap-long.pcap
one "$long" 'port 389' \
	ldapsearch -x -D "$ALICE" -w "$ALICE_PW" -H ldap://127.0.0.1:389 -b "$BASE" -f "$WORK/filters" '(&(objectClass=*)%s)'
# First frame after the bindResponse (LDAP protocolOp 1).
first=$(tshark -r "$long" -Y 'ldap.protocolOp == 1' -T fields -e frame.number 2>/dev/null | head -1)
last=$(tshark -r "$long" 2>/dev/null | wc -l)
[[ -n $first ]] || { echo "no bindResponse in $long" >&2; exit 1; }
editcap -r "$long" "$OUT_DIR/ldap-midsession.pcap" "$((first + 1))-$last"
echo "ldap-midsession.pcap: frames $((first + 1))-$last of the full session"
tshark -r "$OUT_DIR/ldap-midsession.pcap" -q -z conv,tcp | sed -n '/<->/p'

stop_pid "$srv"
