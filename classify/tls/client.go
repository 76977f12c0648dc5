package tls

// ClientHello is what a passive observer learns from a ClientHello.
type ClientHello struct {
	// Version is the legacy client_version (for the SSLv2 format: the
	// version field of the CLIENT-HELLO).
	Version uint16
	// Highest is the highest version offered: the largest non-GREASE entry
	// of supported_versions when present, else Version.
	Highest uint16
	SNI     string   // server_name host name, empty when absent
	ALPN    []string // offered ALPN protocol IDs in the client's order
	Suites  int      // number of cipher suites offered
	SSLv2   bool     // sent in the SSLv2-compatible CLIENT-HELLO format
	// Complete is set when the whole message was available; otherwise the
	// fields hold what the available bytes told.
	Complete bool
}

// Extension types read from hellos.
const (
	extServerName        = 0x0000
	extALPN              = 0x0010
	extSupportedVersions = 0x002b
)

// maxALPN bounds how many ALPN protocol IDs are kept.
const maxALPN = 16

// ParseClientHello parses a ClientHello at the start of b, a byte stream
// that begins at a record boundary (TLS record or SSLv2 header). ok is false
// when b does not start with a ClientHello; a truncated one is ok with
// Complete unset as long as its version is readable.
func ParseClientHello(b []byte) (ClientHello, bool) {
	if len(b) > 0 && b[0]&0x80 != 0 {
		return parseV2ClientHello(b)
	}
	if len(b) < 6 || b[5] != 0x01 {
		return ClientHello{}, false
	}
	msg, complete, spans, ok := firstMessage(b, nil)
	if !ok {
		return ClientHello{}, false
	}
	if spans {
		return clientHelloSpanning(b)
	}
	return parseClientHelloMsg(msg, complete)
}

// clientHelloSpanning reassembles a ClientHello that spans records (large
// post-quantum key shares) in a stack buffer kept out of the common path.
// It mirrors serverHelloSpanning on purpose: one generic version taking the
// parser as a function value makes the buffer escape to the heap (TestAllocs).
func clientHelloSpanning(b []byte) (ClientHello, bool) {
	var scratch [maxMessage]byte
	msg, complete, _, ok := firstMessage(b, scratch[:])
	if !ok {
		return ClientHello{}, false
	}
	return parseClientHelloMsg(msg, complete)
}

// parseClientHelloMsg parses a handshake message (header included).
// complete says msg holds the whole message.
func parseClientHelloMsg(msg []byte, complete bool) (ClientHello, bool) {
	if len(msg) < 6 || msg[0] != 0x01 {
		return ClientHello{}, false
	}
	r := reader{b: msg[4:]}
	ver := r.u16()
	if ver>>8 != 3 || ver&0xff > 4 {
		return ClientHello{}, false
	}
	h := ClientHello{Version: uint16(ver), Highest: uint16(ver)}
	r.bytes(32) // random
	if sid := r.u8(); sid > 32 {
		return ClientHello{}, false
	} else {
		r.bytes(sid)
	}
	cs := r.u16()
	if !r.short && (cs < 2 || cs%2 != 0) {
		return ClientHello{}, false
	}
	h.Suites = cs / 2
	r.bytes(cs)
	comp := r.u8()
	if !r.short && comp < 1 {
		return ClientHello{}, false
	}
	r.bytes(comp)
	if r.short {
		return h, true
	}
	h.Complete = complete
	if len(r.b) == 0 {
		return h, true // SSL 3.0 / early TLS hello without extensions
	}
	n := r.u16()
	if r.short {
		h.Complete = false
		return h, true
	}
	ext := r.b
	if len(ext) >= n {
		ext = ext[:n]
	} else {
		h.Complete = false // cut short: read the extensions that are there
	}
	parseClientExtensions(ext, &h)
	return h, true
}

// parseClientExtensions reads SNI, ALPN and supported_versions; a truncated
// trailing extension is ignored.
func parseClientExtensions(b []byte, h *ClientHello) {
	r := reader{b: b}
	for len(r.b) >= 4 {
		typ := r.u16()
		data := r.bytes(r.u16())
		if r.short {
			return
		}
		switch typ {
		case extServerName:
			h.SNI = serverName(data)
		case extALPN:
			h.ALPN = alpnList(data)
		case extSupportedVersions:
			if v := highestVersion(data); v != 0 {
				h.Highest = v
			}
		}
	}
}

// serverName returns the host_name entry of a server_name extension.
func serverName(b []byte) string {
	r := reader{b: b}
	list := reader{b: r.bytes(r.u16())}
	for !r.short && len(list.b) >= 3 {
		typ := list.u8()
		name := list.bytes(list.u16())
		if list.short {
			return ""
		}
		if typ == 0 && len(name) <= 255 && printable(name) {
			return string(name)
		}
	}
	return ""
}

// alpnList returns the protocol IDs of an ALPN extension.
func alpnList(b []byte) []string {
	r := reader{b: b}
	list := reader{b: r.bytes(r.u16())}
	if r.short {
		return nil
	}
	n := 0
	for l := (reader{b: list.b}); len(l.b) > 0 && n < maxALPN; n++ {
		l.bytes(l.u8())
		if l.short {
			break
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for len(list.b) > 0 && len(out) < n {
		p := list.bytes(list.u8())
		if list.short {
			break
		}
		if printable(p) {
			out = append(out, string(p))
		}
	}
	return out
}

// highestVersion returns the highest known version of a ClientHello
// supported_versions list, GREASE ignored; 0 when none.
func highestVersion(b []byte) uint16 {
	r := reader{b: b}
	list := reader{b: r.bytes(r.u8())}
	var best uint16
	for len(list.b) >= 2 {
		v := list.u16()
		if grease(v) {
			continue
		}
		if k := knownVersion(v); k > best {
			best = k
		}
	}
	return best
}

// parseV2ClientHello parses an SSLv2-format CLIENT-HELLO (RFC 6101
// Appendix E.1): 2-byte header with the top bit set, message type 1.
func parseV2ClientHello(b []byte) (ClientHello, bool) {
	if len(b) < 11 || b[0]&0x80 == 0 || b[2] != 0x01 {
		return ClientHello{}, false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	ver := int(b[3])<<8 | int(b[4])
	cs := int(b[5])<<8 | int(b[6])
	sid := int(b[7])<<8 | int(b[8])
	chal := int(b[9])<<8 | int(b[10])
	if ver != 0x0002 && (ver < 0x0300 || ver > 0x0303) {
		return ClientHello{}, false
	}
	if cs == 0 || cs%3 != 0 || (sid != 0 && sid != 16) || chal < 16 || chal > 32 || n != 9+cs+sid+chal {
		return ClientHello{}, false
	}
	return ClientHello{
		Version:  uint16(ver),
		Highest:  uint16(ver),
		Suites:   cs / 3,
		SSLv2:    true,
		Complete: len(b) >= 2+n,
	}, true
}
