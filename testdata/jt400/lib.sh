# lib.sh holds the shared steps of the record-*.sh scripts: build the Go responder and the
# Java driver, start the responder, tcpdump and the driver on 127.0.0.1, stop everything.
# Source it from a record-*.sh script (bash, set -euo pipefail).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/testdata"
jar=/usr/share/java/jt400.jar        # Debian libjt400-java (JTOpen 9.4)
user=IBMTST
pw=Fake-Pw-jt400-K9                  # fake, listed in testdata/secrets.txt
despw=FAKEPWJT4D                     # fake, <= 10 characters for DES (password level 0)
tspw=Fake-Pw-truststore-5M           # fake, throwaway trust store password

work=$(mktemp -d)
resp_pid=""
dump_pid=""
cleanup() {
    [[ -n $dump_pid ]] && kill "$dump_pid" 2>/dev/null || true
    [[ -n $resp_pid ]] && kill "$resp_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# wait_file FILE PATTERN SECONDS
wait_file() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timeout waiting for '$2' in $1" >&2
    cat "$1" >&2 || true
    return 1
}

build() {
    (cd "$root" && go build -o "$work/responder" ./testdata/jt400/responder)
    javac -nowarn -d "$work" -cp "$jar" "$here/Drive.java" 2>&1 | grep -v '^Note:' || true
}

# start_responder ARGS...: see testdata/jt400/responder/main.go for the flags.
start_responder() {
    "$work/responder" -ready "$work/ready" -certout "$work/server.pem" "$@" >"$work/responder.log" 2>&1 &
    resp_pid=$!
    wait_file "$work/ready" ready 10
    if [[ -s $work/server.pem ]]; then
        keytool -importcert -noprompt -alias responder -file "$work/server.pem" -storetype PKCS12 \
            -keystore "$work/trust.p12" -storepass "$tspw" >/dev/null 2>&1
    fi
}

# start_dump NAME FILTER: tcpdump on lo into testdata/NAME.pcap.
start_dump() {
    tcpdump -i lo -U -n -s 0 -Z root -w "$out/$1.pcap" "$2" 2>"$work/tcpdump.log" &
    dump_pid=$!
    wait_file "$work/tcpdump.log" "listening on" 10
}

# drive SCENARIO PASSWORD: run Drive.java; its failures are expected and only reported.
drive() {
    local rc=0
    timeout 120 java -Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword="$tspw" \
        -Djavax.net.ssl.trustStoreType=PKCS12 -cp "$jar:$work" Drive "$1" "$user" "$2" || rc=$?
    echo "driver exit $rc"
}

# finish NAME: stop tcpdump and the responder, show the conversations.
finish() {
    sleep 1 # let the last FIN/ACKs through
    kill "$dump_pid"; wait "$dump_pid" 2>/dev/null || true; dump_pid=""
    kill "$resp_pid"; wait "$resp_pid" 2>/dev/null || true; resp_pid=""
    sed 's/^/  /' "$work/responder.log"
    tshark -r "$out/$1.pcap" -q -z conv,tcp 2>/dev/null | sed -n '6,$p'
}
