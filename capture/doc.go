// Package capture opens packet sources (pcap of any version libpcap reads,
// pcapng; plain or gzip, zstd or xz compressed; live interfaces) and decodes
// link, IP and TCP/UDP headers by hand into a compact Packet view. It keeps
// no flow state; every packet it cannot decode is counted by reason in Stats.
//
// Live interfaces open with OpenLive (one Source) or OpenLiveWorkers (n
// Sources sharing the traffic). Two engines sit behind them: AF_PACKET
// TPACKET_V3 through gopacket's pure-Go afpacket (the Linux default: zero
// copy, fanout, kernel counters, VLAN IDs from the packet metadata) and
// libpcap through gopacket/pcap in a build with -tags pcap (cgo; any device
// libpcap opens, any tcpdump filter). The default build stays pure Go and
// compiles filters with capture/filter. live.go states what Next returns on
// a quiet link (ErrIdle), on a lost interface (*LinkError, retried) and
// after Close (ErrClosed).
package capture
