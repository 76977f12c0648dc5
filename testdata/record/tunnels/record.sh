#!/bin/bash
# Records real tunnel and NFLOG captures with the kernel's own encapsulation,
# each as a pair taken at the same time: the outer packets and the inner
# traffic they carry. Writes testdata/tunnel/*.pcap.
#
# VXLAN: two network namespaces joined by a veth pair (underlay 10.200.0.1/2),
# a VXLAN device in each (VNI 42, UDP 4789, overlay 10.201.0.1/2). tcpdump
# writes the veth (outer) and the VXLAN device (inner) in namespace A.
#   tls:   openssl s_server in B, s_client in A across the overlay (TLS 1.3,
#          SNI, port 9476).
#   jt400: tcpreplay of testdata/jt400-plain-signon.pcap into the VXLAN
#          device in A: the kernel encapsulates the real host-server frames.
# NFLOG: in one namespace, iptables -j NFLOG --nflog-group 5 on OUTPUT for
# port 9476 on loopback; tcpdump -i nflog:5 (outer) and -i lo (inner) while an
# openssl TLS session runs.
#
# The other tunnels (GRE, ERSPAN, Geneve, IP-in-IP, SIT) need kernel modules
# the recording machine's kernel did not have; their tests replay real
# captures inside them (capture/synth/encap.go).
#
# Usage (as root): testdata/record/tunnels/record.sh
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
DIR=$OUT_DIR/tunnel
A=decap-rec-a
B=decap-rec-b

drop_ns() {
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
}
CLEANUP_HOOKS+=(drop_ns)
drop_ns

# ns_cap NS IFACE FILE [FILTER]: tcpdump in a namespace, in the background.
CAPS=()
ns_cap() {
	local err=$WORK/tcpdump-$2.err i
	rm -f "$3"
	bg timeout 60 ip netns exec "$1" tcpdump -i "$2" -U -n -s 0 -Z root -w "$3" ${4:+"$4"} 2>"$err"
	CAPS+=("$LAST_PID")
	for i in $(seq 100); do
		if grep -q 'listening on' "$err"; then return 0; fi
		sleep 0.1
	done
	cat "$err" >&2
	return 1
}

caps_stop() {
	local p
	sleep 1
	for p in "${CAPS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${CAPS[@]}"; do wait "$p" 2>/dev/null || true; done
	CAPS=()
}

# tls_session NS ADDR CLIENTNS: one openssl echo session.
tls_session() {
	bg timeout 30 ip netns exec "$1" openssl s_server -accept "$2:9476" -cert "$CERT" -key "$KEY" \
		-tls1_3 -naccept 1 -rev >>"$WORK/s_server.log" 2>&1
	local srv=$LAST_PID i
	for i in $(seq 100); do
		if ip netns exec "$1" ss -ltnH 'sport = :9476' | grep -q .; then break; fi
		sleep 0.1
	done
	(
		echo "hello ibmitap"
		sleep 0.5
		echo CLOSE
	) | timeout 10 ip netns exec "$3" openssl s_client -connect "$2:9476" -tls1_3 \
		-servername ibmi.example.com -quiet 2>>"$WORK/s_client.log"
	wait "$srv" || true
}

# --- VXLAN -----------------------------------------------------------------
ip netns add "$A"
ip netns add "$B"
ip link add decap-va netns "$A" address 02:00:00:00:00:01 type veth peer name decap-vb netns "$B" address 02:00:00:00:00:02
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" addr add 10.200.0.1/24 dev decap-va
ip -n "$B" addr add 10.200.0.2/24 dev decap-vb
ip -n "$A" link set decap-va up
ip -n "$B" link set decap-vb up
ip -n "$A" link add vx0 address 02:00:00:00:01:01 type vxlan id 42 local 10.200.0.1 remote 10.200.0.2 dstport 4789 dev decap-va
ip -n "$B" link add vx0 address 02:00:00:00:01:02 type vxlan id 42 local 10.200.0.2 remote 10.200.0.1 dstport 4789 dev decap-vb
ip -n "$A" addr add 10.201.0.1/24 dev vx0
ip -n "$B" addr add 10.201.0.2/24 dev vx0
ip -n "$A" link set vx0 up
ip -n "$B" link set vx0 up
ip -n "$A" neigh replace 10.201.0.2 lladdr 02:00:00:00:01:02 dev vx0
ip -n "$B" neigh replace 10.201.0.1 lladdr 02:00:00:00:01:01 dev vx0

ns_cap "$A" decap-va "$DIR/vxlan-tls-outer.pcap" "udp port 4789"
ns_cap "$A" vx0 "$DIR/vxlan-tls-inner.pcap" "tcp port 9476"
tls_session "$B" 10.201.0.2 "$A"
caps_stop

ns_cap "$A" decap-va "$DIR/vxlan-jt400-outer.pcap" "udp port 4789"
ns_cap "$A" vx0 "$DIR/vxlan-jt400-inner.pcap" "tcp"
ip netns exec "$A" timeout 30 tcpreplay -q -i vx0 "$OUT_DIR/jt400-plain-signon.pcap" >/dev/null
caps_stop
drop_ns

# --- NFLOG -----------------------------------------------------------------
ip netns add "$A"
ip -n "$A" link set lo up
ip netns exec "$A" iptables -A OUTPUT -o lo -p tcp --dport 9476 -j NFLOG --nflog-group 5
ip netns exec "$A" iptables -A OUTPUT -o lo -p tcp --sport 9476 -j NFLOG --nflog-group 5
ns_cap "$A" nflog:5 "$DIR/nflog-tls-outer.pcap"
ns_cap "$A" lo "$DIR/nflog-tls-inner.pcap" "tcp port 9476"
tls_session "$A" 127.0.0.1 "$A"
caps_stop
drop_ns

for f in "$DIR"/*.pcap; do
	echo "== $f ($(stat -c %s "$f") bytes, $(capinfos -c -M "$f" | awk '/Number of packets/ {print $4}') packets)"
done
