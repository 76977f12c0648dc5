// Command gencap writes a large deterministic benchmark capture: TCP flows to
// IBM i host servers (port mapper, sign-on, database, remote command), TLS on
// the IBM i TLS ports, FTP, telnet and HTTP, UDP DNS and NetBIOS, and bulk
// data, over IPv4 and some IPv6.
//
//	gencap -packets 1000000 -o big.pcap
package main
