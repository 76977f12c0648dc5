package tls

// ServerHello is what a passive observer learns from the server's first
// flight: a ServerHello (or HelloRetryRequest), an SSLv2 SERVER-HELLO, or an
// alert refusing the handshake.
type ServerHello struct {
	Version     uint16 // legacy server_version (0x0303 even for TLS 1.3)
	Negotiated  uint16 // supported_versions when present, else Version
	CipherSuite uint16
	ALPN        string // selected ALPN protocol (TLS 1.2 and older; 1.3 encrypts it)
	// HelloRetry is set for a HelloRetryRequest (RFC 8446 §4.1.3).
	HelloRetry bool
	// Downgrade is set when the random carries the RFC 8446 §4.1.3 downgrade
	// sentinel: a TLS 1.3 server negotiating an older version.
	Downgrade bool
	SSLv2     bool // an SSLv2 SERVER-HELLO: SSL 2.0 was negotiated
	// Alert is set when the server answered with an alert record instead;
	// AlertLevel and AlertDesc are its bytes (zero when encrypted or cut).
	Alert      bool
	AlertLevel uint8
	AlertDesc  uint8
	Complete   bool // the whole message was available
}

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest
// (SHA-256 of "HelloRetryRequest").
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// downgradePrefix starts the last 8 bytes of a downgrading server's random
// ("DOWNGRD" then 0x01 or 0x00).
var downgradePrefix = [7]byte{0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44}

// ParseServerHello parses the server's answer at the start of b, a byte
// stream that begins at a record boundary: a ServerHello, a
// HelloRetryRequest, an alert record, or an SSLv2 SERVER-HELLO. ok is false
// for anything else; a truncated ServerHello is ok with Complete unset as
// long as its version is readable.
func ParseServerHello(b []byte) (ServerHello, bool) {
	if len(b) > 0 && b[0]&0x80 != 0 {
		return parseV2ServerHello(b)
	}
	if len(b) > 0 && b[0] == recAlert {
		return parseAlert(b)
	}
	if len(b) < 6 || b[5] != 0x02 {
		return ServerHello{}, false
	}
	msg, complete, spans, ok := firstMessage(b, nil)
	if !ok {
		return ServerHello{}, false
	}
	if spans {
		return serverHelloSpanning(b)
	}
	return parseServerHelloMsg(msg, complete)
}

// serverHelloSpanning reassembles a ServerHello that spans records.
func serverHelloSpanning(b []byte) (ServerHello, bool) {
	var scratch [maxMessage]byte
	msg, complete, _, ok := firstMessage(b, scratch[:])
	if !ok {
		return ServerHello{}, false
	}
	return parseServerHelloMsg(msg, complete)
}

func parseServerHelloMsg(msg []byte, complete bool) (ServerHello, bool) {
	if len(msg) < 6 || msg[0] != 0x02 {
		return ServerHello{}, false
	}
	r := reader{b: msg[4:]}
	ver := r.u16()
	if ver>>8 != 3 || ver&0xff > 4 {
		return ServerHello{}, false
	}
	h := ServerHello{Version: uint16(ver), Negotiated: uint16(ver)}
	if random := r.bytes(32); !r.short {
		h.HelloRetry = [32]byte(random) == helloRetryRandom
		h.Downgrade = [7]byte(random[24:31]) == downgradePrefix && random[31] <= 1
	}
	if sid := r.u8(); sid > 32 {
		return ServerHello{}, false
	} else {
		r.bytes(sid)
	}
	suite := r.u16()
	r.u8() // compression
	if r.short {
		return h, true
	}
	h.CipherSuite = uint16(suite)
	h.Complete = complete
	if len(r.b) < 2 {
		return h, true
	}
	n := r.u16()
	ext := r.b
	if len(ext) >= n {
		ext = ext[:n]
	} else {
		h.Complete = false
	}
	parseServerExtensions(ext, &h)
	return h, true
}

// parseServerExtensions reads supported_versions and ALPN.
func parseServerExtensions(b []byte, h *ServerHello) {
	r := reader{b: b}
	for len(r.b) >= 4 {
		typ := r.u16()
		data := r.bytes(r.u16())
		if r.short {
			return
		}
		switch typ {
		case extSupportedVersions:
			if len(data) == 2 {
				if v := knownVersion(int(data[0])<<8 | int(data[1])); v != 0 {
					h.Negotiated = v
				}
			}
		case extALPN:
			if l := alpnList(data); len(l) > 0 {
				h.ALPN = l[0]
			}
		}
	}
}

// parseAlert recognises an alert record (content type 0x15): in plaintext
// during the handshake it is 2 bytes, level 1 or 2.
func parseAlert(b []byte) (ServerHello, bool) {
	frag, _, _, ok := record(b, recAlert)
	if !ok {
		return ServerHello{}, false
	}
	h := ServerHello{Alert: true, Version: uint16(b[1])<<8 | uint16(b[2])}
	if len(frag) >= 2 && int(b[3])<<8|int(b[4]) == 2 {
		if frag[0] != 1 && frag[0] != 2 {
			return ServerHello{}, false
		}
		h.AlertLevel, h.AlertDesc, h.Complete = frag[0], frag[1], true
	}
	return h, true
}

// parseV2ServerHello parses an SSLv2 SERVER-HELLO: 2-byte header with the
// top bit set, message type 4, session-id-hit, certificate type, version
// 0x0002.
func parseV2ServerHello(b []byte) (ServerHello, bool) {
	if len(b) < 7 || b[2] != 0x04 || b[3] > 1 || b[5] != 0x00 || b[6] != 0x02 {
		return ServerHello{}, false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	if n < 11 {
		return ServerHello{}, false
	}
	return ServerHello{
		Version:    0x0002,
		Negotiated: 0x0002,
		SSLv2:      true,
		Complete:   len(b) >= 2+n,
	}, true
}
