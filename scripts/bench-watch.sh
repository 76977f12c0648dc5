#!/bin/sh
# Benchmark of `ibmitap watch` (run as root, from the repository; needs
# iproute2, tcpreplay and GNU time):
#  1. the highest tcpreplay rate at which the sensor drops nothing (kernel
#     drops 0, output drops 0, every packet sent was read), with 1 and 2 workers:
#     a busy-SPAN capture from cmd/gencap is replayed into one end of a veth
#     pair joining two network namespaces, watch captures on the other end;
#  2. peak RSS after FLOWS flows of churn (a SYN flood: every packet a new
#     flow) streamed through `ibmitap read -` from a pipe, the streaming
#     engine watch uses.
# Environment: PACKETS (replay capture size, default 200000), RATES (Mbps
# list, default "250 500 1000 2000 4000"), FLOWS (default 10000000).
set -eu
PACKETS=${PACKETS:-200000}
RATES=${RATES:-250 500 1000 2000 4000}
FLOWS=${FLOWS:-10000000}
dir=${TMPDIR:-/tmp}/ibmitap-bench
mkdir -p "$dir"
go build -o "$dir/ibmitap" ./cmd/ibmitap
go run ./cmd/gencap -shape busy -packets "$PACKETS" -o "$dir/busy.pcap"

a=ibmitapbench-a b=ibmitapbench-b
cleanup() { ip netns del $a 2>/dev/null || true; ip netns del $b 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $a && ip netns add $b
ip link add ibva mtu 65535 type veth peer name ibvb mtu 65535
ip link set ibva netns $a && ip link set ibvb netns $b
for ns in $a $b; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n $a link set ibva up && ip -n $b link set ibvb up

for w in 1 2; do
	best=none
	for rate in $RATES topspeed; do
		ip netns exec $b "$dir/ibmitap" watch -i ibvb --workers $w -o /dev/null --stats-interval 0 2>"$dir/err" &
		pid=$!
		sleep 1
		if [ "$rate" = topspeed ]; then opt=--topspeed; else opt=--mbps=$rate; fi
		ip netns exec $a tcpreplay -i ibva $opt "$dir/busy.pcap" >"$dir/replay.txt" 2>&1
		sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$dir/replay.txt")
		grep Rated "$dir/replay.txt"
		sleep 2
		kill -TERM $pid
		wait $pid || true
		final=$(grep 'ibmitap: final' "$dir/err")
		got=$(echo "$final" | sed -n 's/.* packets=\([0-9]*\) .*/\1/p')
		kd=$(echo "$final" | sed -n 's/.*kernel_drops=\([0-9]*\) .*/\1/p')
		od=$(echo "$final" | sed -n 's/.*output_dropped=\([0-9]*\).*/\1/p')
		echo "workers=$w rate=$rate sent=$sent read=$got kernel_drops=$kd output_dropped=$od"
		if [ "$got" -ge "$sent" ] && [ "$kd" = 0 ] && [ "$od" = 0 ]; then best=$rate; else break; fi
	done
	echo "workers=$w: highest rate without drops: $best (Mbps, or topspeed)"
done

go run ./cmd/gencap -shape synflood -packets "$FLOWS" -o "$dir/churn.pcap"
cat "$dir/churn.pcap" | /usr/bin/time -v "$dir/ibmitap" read --format json - 2>"$dir/time.txt" >/dev/null || true
grep -E 'Maximum resident|Elapsed' "$dir/time.txt"
grep '^ibmitap:' "$dir/time.txt" | tr ' ' '\n' | grep -E '^(flows|evicted)='
