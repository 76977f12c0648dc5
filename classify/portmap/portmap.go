package portmap

import (
	"encoding/binary"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Port is the well-known port of the port mapper.
const Port = 449

// Service is the service name of the port mapper itself.
const Service = "as-svrmap"

// Status says what a server payload is as a port-mapper reply.
type Status uint8

// Reply states.
const (
	// Incomplete: too few bytes to tell yet.
	Incomplete Status = iota
	// Success: '+' and a port.
	Success
	// Failure: '-', the mapper does not know the name.
	Failure
	// Invalid: not a port-mapper reply.
	Invalid
)

// ParseRequest returns the service name a client asked for. The name is the
// whole payload (JTOpen sends it without terminator); trailing NUL, CR and LF
// are dropped because other clients are not known not to send them. ok is
// false unless the name matches ^[a-z][a-z0-9-]{1,38}$.
func ParseRequest(b []byte) (name string, ok bool) {
	end := len(b)
	for end > 0 && (b[end-1] == 0 || b[end-1] == '\r' || b[end-1] == '\n') {
		end--
	}
	if end < 2 || end > 39 || b[0] < 'a' || b[0] > 'z' {
		return "", false
	}
	for _, c := range b[1:end] {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return "", false
		}
	}
	return string(b[:end]), true
}

// ParseReply interprets the server's payload. A success is exactly 5 bytes,
// 0x2B and the port as uint32 (ports above 65535 and port 0 are invalid).
// A failure starts with 0x2D; whether it is 1 or 5 bytes long is not known,
// so up to 5 bytes are accepted.
func ParseReply(b []byte) (port uint16, st Status) {
	if len(b) == 0 {
		return 0, Incomplete
	}
	switch b[0] {
	case '+':
		if len(b) < 5 {
			return 0, Incomplete
		}
		p := binary.BigEndian.Uint32(b[1:5])
		if len(b) != 5 || p == 0 || p > 0xFFFF {
			return 0, Invalid
		}
		return uint16(p), Success
	case '-':
		if len(b) > 5 {
			return 0, Invalid
		}
		return 0, Failure
	}
	return 0, Invalid
}

// Detect is a detect.Func for the port-mapper exchange. On port 449 the
// request alone is enough (the reply may be lost or not yet seen); elsewhere
// a successful reply is required too, since a short lower-case word from the
// client is common in other protocols.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport == 17 || len(in.C2S) == 0 || in.C2S[0] < 'a' || in.C2S[0] > 'z' {
		return false
	}
	name, ok := ParseRequest(in.C2S)
	if !ok {
		return false
	}
	port, st := ParseReply(in.S2C)
	switch {
	case st == Invalid:
		return false
	case in.ServerPort == Port && !in.MidStream:
	case st != Success:
		return false
	}
	v.Protocol = "portmapper"
	v.Service = Service
	v.PortmapRequest = name
	switch st {
	case Success:
		v.PortmapPort = port
		v.Learn = append(v.Learn, detect.Mapping{Service: name, Port: port})
	case Failure:
		v.PortmapRefused = true
	}
	return true
}

// Reject reports that no more bytes can make Detect match: UDP, or a client
// head that can no longer be a service name (ParseRequest: a lower-case
// letter, name characters, then only NUL, CR or LF; at most 39 bytes).
func Reject(in *detect.Input) bool {
	if in.Transport == 17 {
		return true
	}
	trailer := false
	for i, c := range in.C2S {
		switch {
		case c == 0 || c == '\r' || c == '\n':
			trailer = true
		case trailer || i >= 39 || c < 'a' && i == 0 || c > 'z' ||
			(c < 'a' && (c < '0' || c > '9') && c != '-'):
			return true
		}
	}
	return false
}
