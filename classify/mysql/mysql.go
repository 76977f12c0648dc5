package mysql

import (
	"bytes"
	"encoding/binary"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// Capability flags (the low 16 bits travel in every handshake).
const (
	clientProtocol41 = 0x0200
	clientSSL        = 0x0800
)

// sslRequestLen is the payload length of the short handshake response a
// client sends to ask for TLS: capabilities, max packet, charset, 23 zero
// bytes.
const sslRequestLen = 32

// Detect recognises a session from the server's initial handshake packet.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	hs, srest, ok := packet(in.S2C, 0)
	if !ok {
		// Nothing but the server's whole handshake packet can decide
		// (Reject too): its header and protocol byte, then the length
		// the header gives.
		v.Wait = detect.Wait{C2S: detect.Never, S2C: 5}
		if s := in.S2C; len(s) >= 5 {
			v.Wait.S2C = 4 + (int(s[0]) | int(s[1])<<8 | int(s[2])<<16)
		}
		return false
	}
	caps, ok := handshake(hs)
	if !ok {
		return false
	}
	v.Protocol = "mysql"
	resp, crest, ok := packet(in.C2S, 1)
	if !ok {
		if len(in.C2S) == 0 && caps&clientSSL == 0 {
			starttls.NotOffered(v, "MySQL SSL", "the server does not offer CLIENT_SSL")
		}
		return true
	}
	if len(resp) < 4 {
		return true
	}
	ccaps := binary.LittleEndian.Uint32(resp)
	switch {
	case len(resp) == sslRequestLen && ccaps&clientSSL != 0:
		starttls.Accepted(v, "MySQL SSL request", crest, srest)
	case caps&clientSSL == 0:
		starttls.NotOffered(v, "MySQL SSL", "the server does not offer CLIENT_SSL")
		user(resp, ccaps, v)
		password(resp, ccaps, serverPlugin(hs, caps), crest, srest, v)
	default:
		user(resp, ccaps, v)
		password(resp, ccaps, serverPlugin(hs, caps), crest, srest, v)
	}
	return true
}

// packet splits the first packet off b when its sequence number is seq.
func packet(b []byte, seq byte) (payload, rest []byte, ok bool) {
	if len(b) < 4 || b[3] != seq {
		return nil, nil, false
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	if n == 0 || 4+n > len(b) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// handshake parses an initial handshake (protocol 10) and returns the
// server's capability flags (both halves).
func handshake(p []byte) (caps uint32, ok bool) {
	if len(p) < 1+1+4+8+1+2 || p[0] != 10 {
		return 0, false
	}
	i := bytes.IndexByte(p[1:], 0)
	if i < 1 || i > 64 || !starttls.Text(p[1:1+i]) {
		return 0, false
	}
	r := p[1+i+1:]
	if len(r) < 4+8+1+2 || r[12] != 0 {
		return 0, false
	}
	caps = uint32(binary.LittleEndian.Uint16(r[13:]))
	if caps&clientProtocol41 == 0 {
		return 0, false // pre-4.1 servers are out of scope
	}
	if len(r) >= 4+8+1+2+1+2+2 {
		caps |= uint32(binary.LittleEndian.Uint16(r[18:])) << 16
	}
	return caps, true
}

// user reads the user name of a HandshakeResponse41 (capabilities, max
// packet, charset, 23 filler bytes, then the NUL-terminated name).
func user(resp []byte, ccaps uint32, v *detect.Verdict) {
	if ccaps&clientProtocol41 == 0 || len(resp) <= 32 {
		return
	}
	name := resp[32:]
	i := bytes.IndexByte(name, 0)
	if i < 1 || i > 64 || !starttls.Text(name[:i]) {
		return
	}
	v.User = string(name[:i])
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, or a server whose first packet is no protocol
// 10 handshake (sequence 0, first payload byte 10).
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	s := in.S2C
	if len(s) >= 4 && s[3] != 0 || len(s) >= 5 && s[4] != 10 {
		return true
	}
	if len(s) >= 4 {
		n := int(s[0]) | int(s[1])<<8 | int(s[2])<<16
		if n < 16 || n > 1024 {
			return true
		}
		if len(s) >= 4+n {
			_, ok := handshake(s[4 : 4+n])
			return !ok
		}
	}
	return false
}
