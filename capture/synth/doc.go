// Package synth writes deterministic synthetic captures for tests and
// benchmarks: TCP connections with correct sequence and acknowledgement
// numbers (handshake, data in either direction, segmentation, retransmission,
// reordering, FIN and RST), UDP datagrams and raw IP packets, over Ethernet
// (optionally VLAN-tagged) or raw IP, with monotonically increasing
// timestamps. Frames are built with gopacket's serializer and written as pcap
// with pcapgo.
//
// A typical test capture:
//
//	var buf bytes.Buffer
//	w, _ := synth.NewWriter(&buf, synth.Options{})
//	c := w.TCP(netip.MustParseAddrPort("10.0.0.1:50000"), netip.MustParseAddrPort("10.0.0.2:9471"))
//	c.Handshake()
//	c.Send(synth.Client, clientHello)
//	c.Send(synth.Server, serverHello)
//	c.Close()
//	os.WriteFile(path, buf.Bytes(), 0o644)
//
// Errors are sticky: after the first failure every method returns it, so a
// test may check only the last call (or Writer.Err).
package synth
