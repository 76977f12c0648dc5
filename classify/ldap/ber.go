package ldap

// maxLen bounds a BER length: LDAP messages in a flow head are small, and a
// huge length is a sign of foreign bytes.
const maxLen = 1 << 24

// elem reads one BER element (definite length, one-byte tag: LDAP uses no
// high tag numbers) at the start of b. When b ends inside the value, val
// holds what is there and complete is false. ok is false when the header is
// malformed or not all there.
func elem(b []byte) (tag byte, val, rest []byte, complete, ok bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, false, false
	}
	tag = b[0]
	n, h := int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, false, false // indefinite, oversized or cut
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		h += k
		if n > maxLen {
			return 0, nil, nil, false, false
		}
	}
	if len(b)-h < n {
		return tag, b[h:], nil, false, true
	}
	return tag, b[h : h+n], b[h+n:], true, true
}

// integer decodes a BER INTEGER/ENUMERATED value of at most 4 bytes.
func integer(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 4 {
		return 0, false
	}
	n := int(int8(v[0]))
	for _, c := range v[1:] {
		n = n<<8 | int(c)
	}
	return n, true
}

// Protocol operation tags (RFC 4511 §4.2 - §4.14, Appendix B).
const (
	opBindRequest      = 0x60
	opBindResponse     = 0x61
	opUnbindRequest    = 0x42
	opSearchRequest    = 0x63
	opSearchEntry      = 0x64
	opSearchDone       = 0x65
	opExtendedRequest  = 0x77
	opExtendedResponse = 0x78
)

// request reports whether tag is a client protocol operation.
func request(tag byte) bool {
	switch tag {
	case opBindRequest, opUnbindRequest, opSearchRequest, 0x66 /* modify */, 0x68, /* add */
		0x4a /* del */, 0x6c /* modDN */, 0x6e /* compare */, 0x50 /* abandon */, opExtendedRequest:
		return true
	}
	return false
}

// response reports whether tag is a server protocol operation.
func response(tag byte) bool {
	switch tag {
	case opBindResponse, opSearchEntry, opSearchDone, 0x67, 0x69, 0x6b, 0x6d, 0x6f,
		0x73 /* search reference */, opExtendedResponse, 0x79 /* intermediate */ :
		return true
	}
	return false
}

// message is one LDAPMessage.
type message struct {
	id       int
	op       byte
	body     []byte // protocolOp contents
	complete bool   // the whole message is in the head
}

// parseMessage reads the LDAPMessage at the start of b: SEQUENCE {
// messageID INTEGER, protocolOp, controls [0] OPTIONAL }. ok is false when b
// does not start with one (or not enough of one to see its operation).
func parseMessage(b []byte, ops func(byte) bool) (m message, rest []byte, ok bool) {
	tag, seq, rest, complete, ok := elem(b)
	if !ok || tag != 0x30 {
		return message{}, nil, false
	}
	tag, idv, after, idOK, ok := elem(seq)
	if !ok || tag != 0x02 || !idOK {
		return message{}, nil, false
	}
	id, ok := integer(idv)
	if !ok || id < 0 {
		return message{}, nil, false
	}
	tag, body, after, opOK, ok := elem(after)
	if !ok || !ops(tag) {
		return message{}, nil, false
	}
	if complete {
		if !opOK {
			return message{}, nil, false // operation longer than the message
		}
		if len(after) > 0 {
			if t, _, r, c, ok := elem(after); !ok || t != 0xa0 || !c || len(r) > 0 {
				return message{}, nil, false
			}
		}
	}
	return message{id: id, op: tag, body: body, complete: complete && opOK}, rest, true
}
