package hostsrv

import "github.com/ibmitap/ibmitap/classify/detect"

// Protocol is the detect.Verdict protocol name for the host-server datastream.
const Protocol = "hostserver"

// maxFirst bounds the length of a connection's first message; set-up
// messages are 22 to 200 bytes.
const maxFirst = 1 << 20

// Detect is a detect.Func for the host-server datastream on any port. A
// connection seen from its start must open with one of the set-up requests a
// client sends first (0x7001 seed exchange, 0x7003/0x7103 attribute exchange,
// 0x7106 host-connection hand-over, ping), and the server's first bytes, once
// there, must be a header of the same server. A connection picked up in the
// middle needs two known messages whose lengths chain exactly in one
// direction. Once recognised, the set-up, sign-on and service messages of
// both heads are walked for findings.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport == 17 {
		return false
	}
	var sid uint16
	cs, ss := 0, 0
	if in.MidStream {
		var ok bool
		if cs, ss, sid, ok = midStream(in.C2S, in.S2C); !ok {
			return false
		}
	} else {
		var ok bool
		if sid, ok = opening(in.C2S, in.S2C); !ok {
			return false
		}
	}
	v.Protocol = Protocol
	v.Service = ServiceName(sid)
	var s session
	s.level = -1
	if cs >= 0 {
		s.requests(in.C2S[cs:], in.C2SFull || in.C2SHole)
	}
	if ss >= 0 {
		s.replies(in.S2C[ss:])
	}
	s.report(v)
	return true
}

// OpeningRequest reports whether msg, a complete message, is one a client
// sends first on a host-server connection (§2.5 rule 5 of the protocol
// notes).
func OpeningRequest(h Header, msg []byte) bool {
	if h.Length > maxFirst || uint64(h.Length) != uint64(len(msg)) {
		return false
	}
	switch h.ID {
	case 0x7001: // exchange random seeds: 8-byte client seed as template
		return h.Length == 28 && h.TemplateLen == 8 && h.ServerAttr == 0 && h.ServerID != ServerHostCnn
	case 0x7003: // sign-on exchange attributes
		return h.ServerID == ServerSignon && attrExchange(h, msg)
	case 0x7103: // host-connection exchange attributes, same layout
		return h.ServerID == ServerHostCnn && attrExchange(h, msg)
	case 0x7106: // get new connection: 64-byte connection request ID
		return h.ServerID == ServerHostCnn && h.Length == 84 && h.TemplateLen == 64
	case 0x7FFE, 0x7FFF: // ping, JPing
		return true
	}
	return false
}

// attrExchange checks the 0x7003/0x7103 layout: no template, zero
// attributes, and parameters that chain exactly to the end, starting with
// the client version (LL 10) and datastream level (LL 8).
func attrExchange(h Header, msg []byte) bool {
	if h.TemplateLen != 0 || h.ClientAttr != 0 || h.ServerAttr != 0 || len(msg) < 38 {
		return false
	}
	if _, ok := Chain(msg[HeaderLen:]); !ok {
		return false
	}
	return be32(msg[20:]) == 10 && be16(msg[24:]) == 0x1101 && be32(msg[30:]) == 8 && be16(msg[34:]) == 0x1102
}

// opening applies the first-message rules to a connection seen from its
// start and returns the server ID.
func opening(c2s, s2c []byte) (uint16, bool) {
	if len(c2s) > 0 && c2s[0] != 0 || len(c2s) > 6 && c2s[6] != 0xE0 {
		return 0, false // fast exit: lengths are < 16 MiB, byte 6 is 0xE0
	}
	h, ok := ParseHeader(c2s)
	if !ok || uint64(h.Length) > uint64(len(c2s)) || !OpeningRequest(h, c2s[:h.Length]) {
		return 0, false
	}
	// Pipelined requests must be more of the same connection.
	if rest := c2s[h.Length:]; len(rest) >= HeaderLen {
		n, ok := ParseHeader(rest)
		if !ok || !sameConn(h.ServerID, n.ServerID) {
			return 0, false
		}
	}
	// The server's first bytes must be a reply header of the same server.
	if len(s2c) > 0 && s2c[0] != 0 {
		return 0, false
	}
	if len(s2c) >= HeaderLen {
		r, ok := ParseHeader(s2c)
		if !ok || !sameConn(h.ServerID, r.ServerID) {
			return 0, false
		}
	}
	return h.ServerID, true
}

// sameConn reports whether a message of server b may follow one of server a
// on the same connection: the database IDs share one, and a host-connection
// hand-over (0x7106) is followed by the target server's datastream.
func sameConn(a, b uint16) bool {
	return a == b || database(a) && database(b) || a == ServerHostCnn
}

// midStream finds, in either head, two messages with known IDs whose
// lengths chain exactly, and returns where each head's messages begin (-1
// when none were found in that head) and the server ID.
func midStream(c2s, s2c []byte) (cs, ss int, sid uint16, ok bool) {
	cs, sc := chainStart(c2s, false)
	ss, sr := chainStart(s2c, true)
	switch {
	case cs >= 0:
		return cs, ss, sc, true
	case ss >= 0:
		return cs, ss, sr, true
	}
	return -1, -1, 0, false
}

// chainStart returns the first offset in b where a message with a known
// request (or reply) ID is followed exactly by another one of the same
// connection, and the first one's server ID; -1 if there is none.
func chainStart(b []byte, reply bool) (int, uint16) {
	for i := 0; i+HeaderLen <= len(b); i++ {
		if b[i] != 0 || b[i+6] != 0xE0 {
			continue
		}
		h, ok := ParseHeader(b[i:])
		if !ok || !KnownID(h, reply) {
			continue
		}
		j := uint64(i) + uint64(h.Length)
		if j+HeaderLen > uint64(len(b)) {
			continue
		}
		n, ok := ParseHeader(b[j:])
		if ok && KnownID(n, reply) && sameConn(h.ServerID, n.ServerID) {
			return i, h.ServerID
		}
	}
	return -1, 0
}

// KnownID reports whether h's request ID (or reply ID when reply is set) is
// one the protocol notes list for its server. Used to pick up connections in
// the middle.
func KnownID(h Header, reply bool) bool {
	id := h.ID
	if reply {
		switch {
		case id >= 0xF001 && id <= 0xF008, id == 0xFFFE, id == 0xFFFF:
			return true
		case id >= 0xF103 && id <= 0xF107:
			return h.ServerID == ServerHostCnn
		}
	} else {
		switch {
		case id >= 0x7001 && id <= 0x7008, id == 0x7FFE, id == 0x7FFF:
			return true
		case id >= 0x7103 && id <= 0x7108:
			return h.ServerID == ServerHostCnn
		}
	}
	switch h.ServerID {
	case ServerSQL, ServerNDB, ServerROI, ServerXA:
		if reply {
			return id == 0x2800
		}
		return id >= 0x1800 && id <= 0x181F || id >= 0x18A0 && id <= 0x18A9 ||
			id >= 0x1D00 && id <= 0x1D04 || id == 0x1E00 || id == 0x1E01 ||
			id == 0x1F00 || id == 0x1F01 || id == 0x1F80 || id == 0x1F81 || id == 0x1FFF
	case ServerRmtCmd:
		if reply {
			return id >= 0x8001 && id <= 0x8003 || id == 0x9003
		}
		return id >= 0x1001 && id <= 0x1004
	case ServerCentral:
		return id >= 0x1001 && id <= 0x1003 || id == 0x1201 || id == 0x1301 || !reply && id == 0x1400
	case ServerDataQ:
		if reply {
			return id >= 0x8000 && id <= 0x8003
		}
		return id <= 0x0006
	case ServerFile:
		if reply {
			return id >= 0x8001 && id <= 0x801F
		}
		return id >= 0x0001 && id <= 0x001F
	case ServerNetPrint:
		// Network-print IDs are not listed; its requests use a 12-byte template.
		return !reply && h.TemplateLen == 12
	}
	return false
}

// Reject reports that no more bytes can make Detect match a flow whose start
// was captured: UDP, or a first byte of either direction that no datastream
// header has (message lengths stay below 16 MiB; byte 6 is 0xE0).
func Reject(in *detect.Input) bool {
	if in.Transport == 17 {
		return true
	}
	if in.MidStream {
		return false
	}
	c, s := in.C2S, in.S2C
	return len(c) > 0 && c[0] != 0 || len(c) > 6 && c[6] != 0xE0 || len(s) > 0 && s[0] != 0
}
