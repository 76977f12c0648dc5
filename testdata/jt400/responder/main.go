// Command responder is a small stand-in for the IBM i port mapper and host servers, used only
// to record test captures with the real IBM Toolbox for Java (jt400.jar) client on loopback.
//
// It answers just enough of the protocol (docs/protocols.md: host-server datastream, port mapper) for the client to send its
// real requests: the port mapper on 449, sign-on (0x7003/0x7004), exchange random seeds and
// start server (0x7001/0x7002), database server attributes and SQL requests (0x1F80 and any
// 0x18xx with "return data" set) and the remote command server (0x1001/0x1002/0x1003).
// Every host-server listener accepts every server ID, so one handler serves any port,
// remapped or not, in plain or in TLS.
//
// It never checks the password substitute: a capture holds the client's real bytes, and what
// the client does after the replies does not matter. It binds to 127.0.0.1 only and logs
// request IDs, never payloads.
//
// Build with: go build ./testdata/jt400/responder
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxMessage bounds a host-server message the responder is willing to read.
const maxMessage = 1 << 20

type config struct {
	mapperPort int
	portMap    map[string]uint32
	pwLevel    byte
	vrm        uint32
	signonLvl  uint16
	rcLevel    uint16
	serverSeed [8]byte
	refuseRC   uint32 // non-zero: 0xF004 and 0xF002 carry this return code (§4.9)
}

func main() {
	var (
		mapperPort = flag.Int("mapper", 449, "port-mapper port (0 = no port mapper)")
		mapSpec    = flag.String("map", "", "port-mapper answers: name=port,... (unknown names get '-')")
		plainSpec  = flag.String("plain", "", "plain host-server ports: port,...")
		tlsSpec    = flag.String("tls", "", "TLS host-server ports: port,...")
		certOut    = flag.String("certout", "", "write the throwaway server certificate (PEM) here")
		pwLevel    = flag.Int("pwlevel", 2, "password level announced in 0xF003/0xF001 (0-1 DES, 2-3 SHA-1, 4 SHA-512)")
		vrm        = flag.String("vrm", "0x00070300", "server VRM announced in 0xF003")
		signonLvl  = flag.Int("signonlevel", 10, "sign-on server datastream level announced in 0xF003")
		rcLevel    = flag.Int("rclevel", 10, "remote command datastream level announced in 0x8001 (>=10: UTF-16 command text)")
		ready      = flag.String("ready", "", "create this file once all listeners are up")
		refuse     = flag.String("refuse-signon", "0", "return code for 0xF004/0xF002 (§4.9, e.g. 0x0003000B password not correct; 0 = accept)")
	)
	flag.Parse()
	log.SetFlags(log.Lmicroseconds)
	log.SetPrefix("responder: ")

	v, err := strconv.ParseUint(*vrm, 0, 32)
	if err != nil {
		log.Fatalf("bad -vrm: %v", err)
	}
	rc, err := strconv.ParseUint(*refuse, 0, 32)
	if err != nil {
		log.Fatalf("bad -refuse-signon: %v", err)
	}
	cfg := &config{
		refuseRC:   uint32(rc),
		mapperPort: *mapperPort,
		pwLevel:    byte(*pwLevel),
		vrm:        uint32(v),
		signonLvl:  uint16(*signonLvl),
		rcLevel:    uint16(*rcLevel),
		serverSeed: [8]byte{0x5E, 0xED, 0x5E, 0xED, 0x01, 0x02, 0x03, 0x04},
	}
	if cfg.portMap, err = parseMap(*mapSpec); err != nil {
		log.Fatal(err)
	}
	plain, err := parsePorts(*plainSpec)
	if err != nil {
		log.Fatal(err)
	}
	secure, err := parsePorts(*tlsSpec)
	if err != nil {
		log.Fatal(err)
	}

	var lns []net.Listener
	listen := func(port int) net.Listener {
		ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			log.Fatalf("listen %d: %v", port, err)
		}
		lns = append(lns, ln)
		return ln
	}
	if cfg.mapperPort > 0 {
		go serve(listen(cfg.mapperPort), func(c net.Conn) { cfg.portMapper(c) })
	}
	for _, p := range plain {
		go serve(listen(p), func(c net.Conn) { cfg.hostServer(c) })
	}
	if len(secure) > 0 {
		cert, pemBytes, err := selfSigned()
		if err != nil {
			log.Fatal(err)
		}
		if *certOut != "" {
			if err := os.WriteFile(*certOut, pemBytes, 0o644); err != nil {
				log.Fatal(err)
			}
		}
		tc := &tls.Config{Certificates: []tls.Certificate{cert}}
		for _, p := range secure {
			ln := tls.NewListener(listen(p), tc)
			go serve(ln, func(c net.Conn) { cfg.hostServer(c) })
		}
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte("ready\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("listening: mapper %d, plain %v, tls %v", cfg.mapperPort, plain, secure)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, ln := range lns {
		ln.Close()
	}
}

func parseMap(s string) (map[string]uint32, error) {
	m := map[string]uint32{}
	for _, kv := range strings.Split(s, ",") {
		if kv == "" {
			continue
		}
		name, port, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("bad -map entry %q", kv)
		}
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("bad -map port %q: %w", kv, err)
		}
		m[name] = uint32(p)
	}
	return m, nil
}

func parsePorts(s string) ([]int, error) {
	var ps []int
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		p, err := strconv.Atoi(f)
		if err != nil || p <= 0 || p > 65535 {
			return nil, fmt.Errorf("bad port %q", f)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func serve(ln net.Listener, h func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(60 * time.Second))
			h(c)
		}()
	}
}

// portMapper answers one service-name lookup (§3): '+' and a uint32 port, or '-'.
func (cfg *config) portMapper(c net.Conn) {
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || n == 0 {
		return
	}
	name := strings.TrimRight(string(buf[:n]), "\x00\r\n")
	port, ok := cfg.portMap[name]
	if !ok {
		log.Printf("mapper: %q unknown", name)
		c.Write([]byte{'-'})
		return
	}
	log.Printf("mapper: %q -> %d", name, port)
	reply := []byte{'+', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(reply[1:], port)
	c.Write(reply)
}

// hostServer reads host-server messages (§2.1 framing) and answers each one.
func (cfg *config) hostServer(c net.Conn) {
	local := c.LocalAddr().String()
	for {
		hdr := make([]byte, 20)
		if _, err := io.ReadFull(c, hdr); err != nil {
			if !errors.Is(err, io.EOF) {
				log.Printf("%s: read: %v", local, err)
			}
			return
		}
		l := binary.BigEndian.Uint32(hdr[0:4])
		if l < 20 || l > maxMessage || hdr[6] != 0xE0 {
			log.Printf("%s: not a host-server header", local)
			return
		}
		msg := make([]byte, l)
		copy(msg, hdr)
		if _, err := io.ReadFull(c, msg[20:]); err != nil {
			log.Printf("%s: short message: %v", local, err)
			return
		}
		server := binary.BigEndian.Uint16(msg[6:8])
		req := binary.BigEndian.Uint16(msg[18:20])
		reply, ok := cfg.answer(msg, server, req)
		log.Printf("%s: server %04X request %04X (%d bytes), reply %v", local, server, req, l, reply != nil)
		if !ok {
			return
		}
		if reply != nil {
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}
}

// answer builds the reply to one request; ok is false when the connection should end.
func (cfg *config) answer(msg []byte, server, req uint16) (reply []byte, ok bool) {
	switch req {
	case 0x7003: // sign-on exchange attributes (§4.2)
		r := newReply(msg, 0xF003, 4)
		r.u32(0) // RC
		r.param(0x1101, be32(cfg.vrm))
		r.param(0x1102, be16(cfg.signonLvl))
		r.param(0x1103, cfg.serverSeed[:])
		r.param(0x1119, []byte{cfg.pwLevel})
		r.param(0x111F, append(be32(0), ebcdic("123456/QUSER/QZSOSIGN")...))
		return r.bytes(), true
	case 0x7004: // retrieve sign-on information (§4.3); reply layout as in Appendix A.4
		r := newReply(msg, 0xF004, 4)
		if cfg.refuseRC != 0 {
			// A refused sign-on: the return code at offset 20 and no sign-on data.
			r.u32(cfg.refuseRC)
			return r.bytes(), true
		}
		r.u32(0)
		r.param(0x1106, signonDate(2026, 5, 7, 19, 8, 0))
		r.param(0x1107, signonDate(2026, 5, 6, 8, 30, 0))
		r.param(0x1108, signonDate(2030, 1, 1, 0, 0, 0))
		r.param(0x112C, be32(7))
		r.param(0x1114, be32(37))
		return r.bytes(), true
	case 0x7006, 0x1004, 0x1FFF: // end job: no reply
		return nil, false
	case 0x7001: // exchange random seeds (§4.4): byte 5 = password level
		r := newReply(msg, 0xF001, 12)
		r.b[4] = msg[4]
		r.b[5] = cfg.pwLevel
		r.u32(0)
		r.raw(cfg.serverSeed[:])
		return r.bytes(), true
	case 0x7002: // start server (§4.5)
		r := newReply(msg, 0xF002, 4)
		r.b[4] = msg[4]
		if cfg.refuseRC != 0 {
			r.u32(cfg.refuseRC)
			return r.bytes(), true
		}
		r.u32(0)
		r.param(0x111F, append(be32(0), ebcdic(jobName(server))...))
		return r.bytes(), true
	case 0x7FFE: // ping
		r := newReply(msg, 0xFFFE, 4)
		r.u32(0)
		return r.bytes(), true
	}
	switch server {
	case 0xE008:
		return cfg.remoteCommand(msg, req), true
	case 0xE004, 0xE005, 0xE006, 0xE00A:
		return cfg.database(msg, req), true
	}
	log.Printf("unhandled server %04X request %04X", server, req)
	return nil, false
}

// remoteCommand answers the remote command server (§5.2).
func (cfg *config) remoteCommand(msg []byte, req uint16) []byte {
	switch req {
	case 0x1001: // exchange attributes → 0x8001 (Appendix A.8 shape)
		r := newReply(msg, 0x8001, 14)
		r.u16(0)              // RC
		r.u32(37)             // server job CCSID
		r.raw(ebcdic("2924")) // NLV
		r.u32(cfg.vrm)        // server version
		r.u16(cfg.rcLevel)    // datastream level
		return r.bytes()
	case 0x1002, 0x1003: // run command / call program → 0x8002 / 0x8003, RC 0, no messages
		// Not request|0x8000 (that would be 0x9002): the replies are 0x8001..0x8003.
		r := newReply(msg, req+0x7000, 4)
		r.u16(0)
		r.u16(0)
		return r.bytes()
	}
	return nil
}

// database answers database-server requests (§5.1): a 0x2800 reply whenever the ORS bitmap
// asks for one, with server attributes (CP 0x3804) for 0x1F80.
func (cfg *config) database(msg []byte, req uint16) []byte {
	if len(msg) < 24 || binary.BigEndian.Uint32(msg[20:24])&0x80000000 == 0 {
		return nil
	}
	r := newReply(msg, 0x2800, 20)
	r.u32(0)   // 20: flags (no compression)
	r.u32(0)   // 24: no RLE
	r.u16(0)   // 28
	r.u16(req) // 30: function ID of the request
	r.u16(0)   // 32
	r.u16(0)   // 34: error class
	r.u32(0)   // 36: return code
	ors := binary.BigEndian.Uint32(msg[20:24])
	if req == 0x1F80 {
		r.param(0x3804, serverAttributes())
	}
	if ors&0x02000000 != 0 {
		r.param(0x3807, sqlca())
	}
	return r.bytes()
}

// sqlca is an empty, successful 136-byte SQLCA (SQLCODE 0, SQLSTATE 00000).
func sqlca() []byte {
	a := make([]byte, 136)
	copy(a[0:8], ebcdic("SQLCA   "))
	binary.BigEndian.PutUint32(a[8:12], 136)
	for i := 120; i < 131; i++ {
		a[i] = 0x40 // SQLWARN0..A blank
	}
	copy(a[131:136], ebcdic("00000"))
	return a
}

// serverAttributes is the data of CP 0x3804: a CCSID field and the fixed server-attribute
// block that JTOpen's DBReplyServerAttributes reads by offset.
func serverAttributes() []byte {
	a := make([]byte, 2+116)
	binary.BigEndian.PutUint16(a[0:2], 37) // CCSID of the character fields
	b := a[2:]
	binary.BigEndian.PutUint16(b[0:], 5)  // date format ISO
	binary.BigEndian.PutUint16(b[2:], 1)  // date separator
	binary.BigEndian.PutUint16(b[4:], 0)  // time format HMS
	binary.BigEndian.PutUint16(b[6:], 0)  // time separator
	binary.BigEndian.PutUint16(b[8:], 0)  // decimal separator period
	binary.BigEndian.PutUint16(b[10:], 0) // naming SQL
	binary.BigEndian.PutUint16(b[14:], 0) // commitment control
	b[18] = 0                             // translation indicator
	binary.BigEndian.PutUint16(b[19:], 37)
	copy(b[23:], ebcdic("ENU"))
	copy(b[26:], ebcdic("*HEX      "))
	copy(b[36:], ebcdic("          "))
	copy(b[46:], ebcdic("2924"))
	copy(b[50:], ebcdic("V7R3M00010"))
	copy(b[60:], ebcdic("FAKERDB           "))
	copy(b[78:], ebcdic("QGPL      "))
	copy(b[88:], ebcdic("QZDASOINITQUSER     123457"))
	binary.BigEndian.PutUint16(b[114:], 0) // default schema length
	return a
}

func jobName(server uint16) string {
	switch server {
	case 0xE004, 0xE005, 0xE006, 0xE00A:
		return "123457/QUSER/QZDASOINIT"
	case 0xE008:
		return "123458/QUSER/QZRCSRVS"
	}
	return "123459/QUSER/QZHQSSRV"
}

// reply builds a host-server reply that echoes the request's server ID and correlation ID.
type reply struct{ b []byte }

func newReply(req []byte, id uint16, template uint16) *reply {
	b := make([]byte, 20, 128)
	copy(b[6:8], req[6:8])
	copy(b[12:16], req[12:16])
	binary.BigEndian.PutUint16(b[16:18], template)
	binary.BigEndian.PutUint16(b[18:20], id)
	return &reply{b: b}
}

func (r *reply) raw(p []byte) { r.b = append(r.b, p...) }
func (r *reply) u16(v uint16) { r.b = binary.BigEndian.AppendUint16(r.b, v) }
func (r *reply) u32(v uint32) { r.b = binary.BigEndian.AppendUint32(r.b, v) }
func (r *reply) param(cp uint16, data []byte) {
	r.u32(uint32(6 + len(data)))
	r.u16(cp)
	r.raw(data)
}

func (r *reply) bytes() []byte {
	binary.BigEndian.PutUint32(r.b[0:4], uint32(len(r.b)))
	return r.b
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// signonDate is the 0x1106/0x1107/0x1108 layout: uint16 year, month, day, hour, minute,
// second, plus the one extra byte the real server sends (LL 14).
func signonDate(y uint16, mo, d, h, mi, s byte) []byte {
	return append(be16(y), mo, d, h, mi, s, 0)
}

// ebcdic encodes the small ASCII subset the responder needs in CCSID 37.
func ebcdic(s string) []byte {
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'I':
			out[i] = 0xC1 + c - 'A'
		case c >= 'J' && c <= 'R':
			out[i] = 0xD1 + c - 'J'
		case c >= 'S' && c <= 'Z':
			out[i] = 0xE2 + c - 'S'
		case c >= '0' && c <= '9':
			out[i] = 0xF0 + c - '0'
		case c == '/':
			out[i] = 0x61
		case c == '*':
			out[i] = 0x5C
		default:
			out[i] = 0x40
		}
	}
	return out
}

// selfSigned makes a throwaway ECDSA certificate for 127.0.0.1 / ibmi.example.com.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "ibmi.example.com"},
		DNSNames:     []string{"ibmi.example.com"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create certificate: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}
