#!/usr/bin/env bash
# record.sh records the DRDA test captures (testdata/drda-*.pcap) with the Apache Derby
# network server and client from Debian (libderby-java, libderbyclient-java, derby-tools)
# on 127.0.0.1. Run as root from anywhere: bash testdata/record/drda/record.sh [NAME...]
# NAME is one of secmec3 secmec4 secmec8 ssl (default: all).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../.." && pwd)     # testdata/
jars=/usr/share/java
user=drdauser
pw=Fake-Pw-derby-3X                # fake, listed in testdata/secrets.txt
kspw=Fake-Pw-keystore-7Q           # fake, throwaway key store password

work=$(mktemp -d)
srv_pid=""
dump_pid=""
cleanup() {
    [[ -n $dump_pid ]] && kill "$dump_pid" 2>/dev/null || true
    [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

javac -d "$work" -cp "$jars/derbyclient.jar" "$here/DerbyClient.java"

# Throwaway server key pair and a trust store holding its certificate.
keytool -genkeypair -alias derby -keyalg RSA -keysize 2048 -validity 30 \
    -dname CN=ibmi.example.com -ext SAN=dns:ibmi.example.com,ip:127.0.0.1 \
    -storetype PKCS12 -keystore "$work/server.p12" -storepass "$kspw" -keypass "$kspw" 2>/dev/null
keytool -exportcert -alias derby -keystore "$work/server.p12" -storepass "$kspw" -file "$work/server.crt" 2>/dev/null
keytool -importcert -noprompt -alias derby -file "$work/server.crt" -storetype PKCS12 \
    -keystore "$work/trust.p12" -storepass "$kspw" 2>/dev/null

# wait_for FILE PATTERN SECONDS: wait until PATTERN shows up in FILE.
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timeout waiting for '$2' in $1" >&2
    cat "$1" >&2 || true
    return 1
}

# record NAME PORT SECMEC SSL(none|basic) AUTH(yes|no)
record() {
    local name=$1 port=$2 secmec=$3 ssl=$4 auth=$5
    local home="$work/$name"
    mkdir -p "$home"
    {
        echo "derby.drda.host=127.0.0.1"
        if [[ $auth == yes ]]; then
            echo "derby.connection.requireAuthentication=true"
            echo "derby.authentication.provider=BUILTIN"
            echo "derby.user.$user=$pw"
        fi
    } >"$home/derby.properties"

    local sslopts=() srvssl=() url="jdbc:derby://127.0.0.1:$port/FAKEDB;create=true"
    if [[ $ssl == basic ]]; then
        sslopts=(-Djavax.net.ssl.keyStore="$work/server.p12" -Djavax.net.ssl.keyStorePassword="$kspw"
            -Djavax.net.ssl.keyStoreType=PKCS12)
        srvssl=(-ssl basic)
        url="$url;ssl=basic"
    fi
    timeout 120 java -Dderby.system.home="$home" "${sslopts[@]}" \
        -cp "$jars/derby.jar:$jars/derbynet.jar:$jars/derbytools.jar" \
        org.apache.derby.drda.NetworkServerControl start -h 127.0.0.1 -p "$port" "${srvssl[@]}" \
        >"$home/server.log" 2>&1 &
    srv_pid=$!
    wait_for "$home/server.log" "ready to accept" 60

    tcpdump -i lo -U -n -s 0 -Z root -w "$out/drda-$name.pcap" "tcp and host 127.0.0.1 and port $port" \
        2>"$home/tcpdump.log" &
    dump_pid=$!
    wait_for "$home/tcpdump.log" "listening on" 10

    local cpw=$pw
    [[ $secmec == 4 ]] && cpw=""
    local rc=0
    timeout 60 java -Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword="$kspw" \
        -Djavax.net.ssl.trustStoreType=PKCS12 \
        -cp "$jars/derbyclient.jar:$work" DerbyClient "$url" "$user" "$cpw" "$secmec" || rc=$?
    echo "drda-$name: client exit $rc"

    sleep 1
    kill "$dump_pid"; wait "$dump_pid" 2>/dev/null || true; dump_pid=""
    kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""
    tshark -r "$out/drda-$name.pcap" -q -z conv,tcp | sed -n '6,$p'
}

names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=(secmec3 secmec4 secmec8 ssl)
for n in "${names[@]}"; do
    case $n in
    secmec3) record secmec3 446 3 none yes ;;
    secmec4) record secmec4 446 4 none no ;;
    secmec8) record secmec8 446 8 none yes ;;
    ssl) record ssl-448 448 3 basic yes ;;
    *) echo "unknown capture $n" >&2; exit 2 ;;
    esac
done
