// Package capture opens packet sources (pcap of any version libpcap reads,
// pcapng; plain or gzip, zstd or xz compressed; live interfaces) and decodes
// link, IP and TCP/UDP headers by hand into a compact Packet view. It keeps
// no flow state; every packet it cannot decode is counted by reason in Stats.
package capture
