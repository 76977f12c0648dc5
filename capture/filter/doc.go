// Package filter compiles a documented subset of the tcpdump filter language
// to classic BPF without libpcap, so the default (pure Go) build can attach a
// kernel filter to an AF_PACKET socket. It also reads programs written by
// `tcpdump -ddd`.
//
// The subset, with tcpdump's meaning and precedence (not binds tightest; and
// and or bind equally and associate left to right):
//
//	host ADDR, src host ADDR, dst host ADDR      IPv4 or IPv6 address (IPv4 also matches ARP/RARP, as in tcpdump)
//	net CIDR, src net CIDR, dst net CIDR         10.0.0.0/8, 2001:db8::/32, or a bare address
//	port N, src port N, dst port N               TCP, UDP or SCTP; tcp port N, udp port N narrow it
//	portrange N-M (with src/dst, tcp/udp)        inclusive
//	tcp, udp, ip, ip6                            protocol tests
//	vlan, vlan ID                                802.1Q/802.1ad tag (see Target)
//	and, or, not, &&, ||, !, ( )
//
// A bare value after and/or/not repeats the previous qualifiers ("port 8470
// or 8471"), as in tcpdump. Anything else is
// an error that names the word and says the full syntax needs the pcap build.
//
// Like libpcap, port tests never match a non-first IPv4 fragment (it has no
// transport header), IPv6 port tests look only at a transport header right
// after the fixed IPv6 header, and tcp/udp also match an IPv6 packet whose
// single fragment header is followed by that protocol.
package filter
