// Package capture opens packet sources (pcap, pcapng and gzip-compressed files;
// live interfaces) and decodes link, IP and TCP/UDP headers by hand into a
// compact Packet view. It keeps no flow state; every packet it cannot decode is
// counted by reason in Stats.
package capture
