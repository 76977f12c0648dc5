package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"time"

	"github.com/ibmitap/ibmitap/capture/synth"
)

func main() {
	packets := flag.Int("packets", 1000000, "number of packets to write")
	out := flag.String("o", "", "output pcap file (required)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same file")
	shape := flag.String("shape", "mix", "capture shape: mix (IBM i services, one flow at a time), busy (a busy SPAN port) or synflood")
	var bo busyOptions
	flag.IntVar(&bo.flows, "flows", 40000, "busy: connections open at once")
	flag.IntVar(&bo.burst, "burst", 1, "busy: packets a connection writes per turn (1 = fully interleaved)")
	flag.Float64Var(&bo.ipv6, "ipv6", 0.2, "busy: share of IPv6 connections")
	flag.Float64Var(&bo.vlan, "vlan", 0.1, "busy: share of VLAN-tagged connections")
	flag.Float64Var(&bo.unknown, "unknown", 0.7, "busy: share of connections whose payload no detector recognises")
	wrap := flag.String("wrap", "", "instead of generating traffic, replay the Ethernet pcap `-i` in this link layer or tunnel (ppp, gre, vxlan ...)")
	in := flag.String("i", "", "input pcap for -wrap")
	flag.Parse()
	if *out == "" || *packets < 1 || flag.NArg() != 0 || (*shape != "mix" && *shape != "busy" && *shape != "synflood") || (*wrap != "") != (*in != "") {
		fmt.Fprintln(os.Stderr, "usage: gencap [-packets N] [-seed S] [-shape mix|busy|synflood] [busy flags] -o FILE\n       gencap -wrap ENCAP -i IN.pcap -o FILE")
		os.Exit(2)
	}
	bo.synOnly = *shape == "synflood"
	if *shape == "mix" {
		bo = busyOptions{}
	}
	var err error
	if *wrap != "" {
		err = rewrap(*in, *out, synth.Encap(*wrap))
	} else {
		err = run(*out, *packets, *seed, bo)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(1)
	}
}

// rewrap writes the packets of the capture in to out in framing e.
func rewrap(in, out string, e synth.Encap) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := synth.Rewrap(bufio.NewReader(src), bw, e); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func run(path string, n int, seed uint64, bo busyOptions) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := synth.NewWriter(bw, synth.Options{Step: 50 * time.Microsecond})
	if err != nil {
		f.Close()
		return err
	}
	g := &gen{w: w, n: n, rnd: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}
	if bo.flows > 0 || bo.synOnly {
		g.busy(bo)
	} else {
		g.fill()
	}
	if err := w.Err(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type gen struct {
	w     *synth.Writer
	n     int
	rnd   *rand.Rand
	ports uint16
}

var (
	ibmi4 = []netip.Addr{
		netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.1.1.11"),
		netip.MustParseAddr("10.1.1.12"), netip.MustParseAddr("10.1.1.13"),
	}
	ibmi6   = []netip.Addr{netip.MustParseAddr("2001:db8:1::10"), netip.MustParseAddr("2001:db8:1::11")}
	dns4    = netip.MustParseAddr("10.1.0.53")
	dns6    = netip.MustParseAddr("2001:db8:1::53")
	netbios = netip.MustParseAddr("10.1.255.255")
)

// endpoints picks a client and an IBM i server; about one flow in eight is
// IPv6.
func (g *gen) endpoints(port uint16) (netip.AddrPort, netip.AddrPort) {
	g.ports++
	cport := 32768 + g.ports%28000
	if g.rnd.IntN(8) == 0 {
		c := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 2, 13: byte(g.rnd.IntN(4)), 14: byte(g.rnd.IntN(256)), 15: byte(g.rnd.IntN(256))})
		return netip.AddrPortFrom(c, cport), netip.AddrPortFrom(ibmi6[g.rnd.IntN(len(ibmi6))], port)
	}
	c := netip.AddrFrom4([4]byte{10, 20, byte(g.rnd.IntN(8)), byte(1 + g.rnd.IntN(250))})
	return netip.AddrPortFrom(c, cport), netip.AddrPortFrom(ibmi4[g.rnd.IntN(len(ibmi4))], port)
}

func (g *gen) left() int { return g.n - g.w.Packets() }

// fill writes flows until fewer packets than the largest flow remain, then
// tops up with single UDP datagrams so the total is exactly n.
func (g *gen) fill() {
	type flow struct {
		weight int
		fn     func()
	}
	flows := []flow{
		{10, g.portMapper},
		{8, g.signon},
		{8, func() { g.hostServer(8471, 0xE004) }},
		{4, func() { g.hostServer(8475, 0xE008) }},
		{8, func() { g.tls([]uint16{9471, 9476, 992}[g.rnd.IntN(3)]) }},
		{4, g.ftp},
		{3, g.telnet},
		{6, g.http},
		{8, g.dns},
		{3, g.netbios},
		{6, g.bulk},
	}
	total := 0
	for _, f := range flows {
		total += f.weight
	}
	const maxFlow = 1000 // no flow writes more packets than this
	for g.left() > maxFlow && g.w.Err() == nil {
		r := g.rnd.IntN(total)
		for _, f := range flows {
			if r < f.weight {
				f.fn()
				break
			}
			r -= f.weight
		}
		g.w.Sleep(time.Duration(g.rnd.IntN(2000)) * time.Microsecond)
	}
	for g.left() > 0 && g.w.Err() == nil {
		cl, _ := g.endpoints(53)
		dst := dns4
		if cl.Addr().Is6() {
			dst = dns6
		}
		g.w.UDP(cl, netip.AddrPortFrom(dst, 53), dnsQuery(uint16(g.w.Packets()), "ibmi.example.com"))
	}
}

func (g *gen) conn(port uint16) *synth.Conn {
	cl, sv := g.endpoints(port)
	c := g.w.TCP(cl, sv)
	c.MSS = 1448
	c.Handshake()
	return c
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := g.rnd.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

var pmNames = []struct {
	name string
	port uint16
}{
	{"as-signon", 8476}, {"as-database", 8471}, {"as-rmtcmd", 8475}, {"as-central", 8470},
	{"as-signon-s", 9476}, {"as-database-s", 9471}, {"as-file", 8473}, {"as-dtaq-s", 9472},
}

// portMapper: service name in ASCII, 5-byte '+' + port reply, close.
func (g *gen) portMapper() {
	e := pmNames[g.rnd.IntN(len(pmNames))]
	c := g.conn(449)
	c.Exchange(synth.Client, []byte(e.name))
	c.Exchange(synth.Server, []byte{0x2B, 0, 0, byte(e.port >> 8), byte(e.port)})
	c.Close()
}

// signon: 0x7003 exchange attributes and the 0xF003 reply (V7R5 shape),
// then a 0x7004 sign-on info request, then close.
func (g *gen) signon() {
	c := g.conn(8476)
	req := []byte{0, 0, 0, 0x34, 0, 0, 0xE0, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x70, 0x03,
		0, 0, 0, 0x0A, 0x11, 0x01, 0, 0, 0, 1,
		0, 0, 0, 0x08, 0x11, 0x02, 0, 0x0A,
		0, 0, 0, 0x0E, 0x11, 0x03}
	c.Exchange(synth.Client, append(req, g.bytes(8)...))
	rep := []byte{0, 0, 0, 0x5E, 0, 0, 0xE0, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0xF0, 0x03,
		0, 0, 0, 0,
		0, 0, 0, 0x0A, 0x11, 0x01, 0, 7, 5, 0,
		0, 0, 0, 0x08, 0x11, 0x02, 0, 0x0F,
		0, 0, 0, 0x0E, 0x11, 0x03}
	rep = append(rep, g.bytes(8)...)
	rep = append(rep, 0, 0, 0, 7, 0x11, 0x19, 3,
		0, 0, 0, 0x1F, 0x11, 0x1F, 0, 0, 0, 0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0x61, 0xD8, 0xE4, 0xE2,
		0xC5, 0xD9, 0x61, 0xD8, 0xE9, 0xE2, 0xD6, 0xE2, 0xC9, 0xC7, 0xD5)
	c.Exchange(synth.Server, rep)
	// 0x7004 with a 20-byte SHA-1 substitute and user MYUSER.
	info := []byte{0, 0, 0, 0x4B, 0, 0, 0xE0, 0x09, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x70, 0x04,
		0x03, 0, 0, 0, 0x0A, 0x11, 0x13, 0, 0, 0x04, 0xB0,
		0, 0, 0, 0x1A, 0x11, 0x05}
	info = append(info, g.bytes(20)...)
	info = append(info, 0, 0, 0, 0x10, 0x11, 0x04, 0xD4, 0xE8, 0xE4, 0xE2, 0xC5, 0xD9, 0x40, 0x40, 0x40, 0x40,
		0, 0, 0, 7, 0x11, 0x28, 1)
	c.Exchange(synth.Client, info)
	c.Exchange(synth.Server, append([]byte{0, 0, 0, 0x18, 0, 0, 0xE0, 0x09, 0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 0xF0, 0x04}, 0, 0, 0, 0))
	c.Close()
}

// hostServer: 0x7001 exchange random seeds, 0xF001, 0x7002 start server,
// 0xF002, then request/reply traffic with some bulk replies.
func (g *gen) hostServer(port uint16, id uint16) {
	c := g.conn(port)
	hi, lo := byte(id>>8), byte(id)
	c.Exchange(synth.Client, append([]byte{0, 0, 0, 0x1C, 3, 0, hi, lo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0x70, 0x01}, g.bytes(8)...))
	c.Exchange(synth.Server, append([]byte{0, 0, 0, 0x20, 3, 3, hi, lo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0C, 0xF0, 0x01, 0, 0, 0, 0}, g.bytes(8)...))
	start := append([]byte{0, 0, 0, 0x40, 2, 0, hi, lo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x70, 0x02,
		3, 1, 0, 0, 0, 0x1A, 0x11, 0x05}, g.bytes(20)...)
	start = append(start, 0, 0, 0, 0x10, 0x11, 0x04, 0xD4, 0xE8, 0xE4, 0xE2, 0xC5, 0xD9, 0x40, 0x40, 0x40, 0x40)
	c.Exchange(synth.Client, start)
	c.Exchange(synth.Server, []byte{0, 0, 0, 0x18, 2, 0, hi, lo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x02, 0, 0, 0, 0})
	for i := range 1 + g.rnd.IntN(6) {
		req := g.bytes(40 + g.rnd.IntN(300))
		req[0], req[1], req[2], req[3] = 0, 0, byte(len(req)>>8), byte(len(req))
		req[4], req[5], req[6], req[7] = 0, 0, hi, lo
		req[12], req[13], req[14], req[15] = 0, 0, 0, byte(i+1)
		c.Exchange(synth.Client, req)
		rep := g.bytes(30 + g.rnd.IntN(200))
		if g.rnd.IntN(4) == 0 {
			rep = g.bytes(2000 + g.rnd.IntN(60000))
		}
		rep[0], rep[1], rep[2], rep[3] = byte(len(rep)>>24), byte(len(rep)>>16), byte(len(rep)>>8), byte(len(rep))
		rep[4], rep[5], rep[6], rep[7] = 0, 0, hi, lo
		c.Exchange(synth.Server, rep)
	}
	c.Close()
}

// tls: ClientHello with SNI, ServerHello + change cipher spec, then
// application data records.
func (g *gen) tls(port uint16) {
	c := g.conn(port)
	c.Exchange(synth.Client, synth.ClientHello("ibmi.example.com", g.rnd.Uint64()))
	c.Exchange(synth.Server, synth.ServerHello(g.rnd.Uint64()))
	for range 1 + g.rnd.IntN(5) {
		c.Exchange(synth.Client, synth.AppData(50+g.rnd.IntN(400), g.rnd.Uint64()))
		c.Exchange(synth.Server, synth.AppData(100+g.rnd.IntN(8000), g.rnd.Uint64()))
	}
	c.Close()
}

// ftp: IBM i FTP server dialogue with a clear-text login (fake password).
func (g *gen) ftp() {
	c := g.conn(21)
	lines := []struct {
		s    synth.Side
		text string
	}{
		{synth.Server, "220-QTCP at ibmi.example.com.\r\n220 Connection will close if idle more than 5 minutes.\r\n"},
		{synth.Client, "USER MYUSER\r\n"},
		{synth.Server, "331 Enter password.\r\n"},
		{synth.Client, "PASS FAKEPW1\r\n"},
		{synth.Server, "230 MYUSER logged on.\r\n"},
		{synth.Client, "SYST\r\n"},
		{synth.Server, "215  OS/400 is the remote operating system. The TCP/IP version is \"V7R5M0\".\r\n"},
		{synth.Client, "QUIT\r\n"},
		{synth.Server, "221 QUIT subcommand received.\r\n"},
	}
	for _, l := range lines {
		c.Exchange(l.s, []byte(l.text))
	}
	c.Close()
}

// telnet: option negotiation for a 5250 terminal type, then some records.
func (g *gen) telnet() {
	c := g.conn(23)
	c.Exchange(synth.Server, []byte{0xFF, 0xFD, 0x27, 0xFF, 0xFD, 0x18}) // DO NEW-ENVIRON, DO TERMINAL-TYPE
	c.Exchange(synth.Client, []byte{0xFF, 0xFB, 0x27, 0xFF, 0xFB, 0x18})
	c.Exchange(synth.Server, []byte{0xFF, 0xFA, 0x18, 0x01, 0xFF, 0xF0})
	c.Exchange(synth.Client, append(append([]byte{0xFF, 0xFA, 0x18, 0x00}, "IBM-3179-2"...), 0xFF, 0xF0))
	c.Exchange(synth.Server, []byte{0xFF, 0xFD, 0x19, 0xFF, 0xFB, 0x19, 0xFF, 0xFD, 0x00, 0xFF, 0xFB, 0x00}) // EOR, BINARY
	c.Exchange(synth.Client, []byte{0xFF, 0xFB, 0x19, 0xFF, 0xFD, 0x19, 0xFF, 0xFB, 0x00, 0xFF, 0xFD, 0x00})
	for range 2 + g.rnd.IntN(6) {
		c.Exchange(synth.Server, append(g.noIAC(200+g.rnd.IntN(1800)), 0xFF, 0xEF))
		c.Exchange(synth.Client, append(g.noIAC(20+g.rnd.IntN(60)), 0xFF, 0xEF))
	}
	c.Close()
}

// noIAC returns random bytes without 0xFF, which telnet would have to double.
func (g *gen) noIAC(n int) []byte {
	b := g.bytes(n)
	for i, c := range b {
		if c == 0xFF {
			b[i] = 0xFE
		}
	}
	return b
}

func (g *gen) http() {
	c := g.conn(80)
	c.Exchange(synth.Client, []byte("GET /index.html HTTP/1.1\r\nHost: ibmi.example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"))
	body := g.bytes(500 + g.rnd.IntN(20000))
	hdr := fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: Apache\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", len(body))
	c.Exchange(synth.Server, append([]byte(hdr), body...))
	c.Close()
}

func dnsQuery(id uint16, name string) []byte {
	b := []byte{byte(id >> 8), byte(id), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			b = append(b, byte(i-start))
			b = append(b, name[start:i]...)
			start = i + 1
		}
	}
	return append(b, 0, 0, 1, 0, 1)
}

func (g *gen) dns() {
	cl, _ := g.endpoints(53)
	srv := netip.AddrPortFrom(dns4, 53)
	if cl.Addr().Is6() {
		srv = netip.AddrPortFrom(dns6, 53)
	}
	id := uint16(g.rnd.Uint32())
	q := dnsQuery(id, "ibmi.example.com")
	g.w.UDP(cl, srv, q)
	r := append([]byte{}, q...)
	r[2], r[3], r[7] = 0x81, 0x80, 1
	r = append(r, 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 10, 1, 1, 10)
	g.w.UDP(srv, cl, r)
}

// netbios: a broadcast NBNS name query (IPv4 only).
func (g *gen) netbios() {
	c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 20, byte(g.rnd.IntN(8)), byte(1 + g.rnd.IntN(250))}), 137)
	q := []byte{byte(g.rnd.IntN(256)), byte(g.rnd.IntN(256)), 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0x20}
	name := "IBMI            " // 16 bytes, first-level encoded
	for i := 0; i < 16; i++ {
		q = append(q, 'A'+name[i]>>4, 'A'+name[i]&0x0F)
	}
	q = append(q, 0, 0, 0x20, 0, 1)
	g.w.UDP(c, netip.AddrPortFrom(netbios, 137), q)
}

// bulk: a database or file-server download of many segments with the odd
// retransmission.
func (g *gen) bulk() {
	port := []uint16{8471, 8473, 9471, 446}[g.rnd.IntN(4)]
	c := g.conn(port)
	c.Exchange(synth.Client, g.bytes(100+g.rnd.IntN(200)))
	data := g.bytes(1448 * (20 + g.rnd.IntN(300)))
	segs := c.Segments(synth.Server, data, 1448)
	for i, s := range segs {
		c.Emit(s)
		if i%2 == 1 {
			c.Ack(synth.Client)
		}
		if g.rnd.IntN(200) == 0 {
			c.Emit(s) // retransmission
		}
	}
	c.Close()
}
