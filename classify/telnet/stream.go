package telnet

// Telnet command bytes (RFC 854) and option codes.
const (
	iac  = 0xFF
	dont = 0xFE
	do   = 0xFD
	wont = 0xFC
	will = 0xFB
	sb   = 0xFA
	ec   = 0xF7
	el   = 0xF8
	se   = 0xF0
	eor  = 0xEF

	optBinary     = 0x00
	optTermType   = 0x18
	optEOR        = 0x19
	optNewEnviron = 0x27
	optStartTLS   = 0x2E

	tlsFollows = 0x01
)

// Line-editing bytes the data stream keeps: IAC EC and IAC EL become BS and
// NAK (^U, the usual kill-line key) so one editor handles both forms.
const (
	bs  = 0x08
	nak = 0x15
)

// maxSubs bounds the sub-negotiations and records kept per direction.
const maxSubs = 64

// sub is one sub-negotiation with IAC doubling removed.
type sub struct {
	opt  byte
	data []byte
}

// stream is one direction of a Telnet connection taken apart.
type stream struct {
	data    []byte   // NVT or binary data, IAC IAC undone, commands removed
	records [][]byte // data split at IAC EOR (complete records only)
	subs    []sub
	will    [256]bool // WILL sent for the option
	do      [256]bool // DO sent for the option
	follows bool      // START_TLS FOLLOWS sent: TLS comes next
}

// parse takes a direction apart. It stops at the end of the bytes, at an
// unterminated sub-negotiation or after START_TLS FOLLOWS (TLS follows).
func parse(b []byte) *stream {
	s := &stream{data: make([]byte, 0, len(b))}
	recStart := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c != iac {
			s.data = append(s.data, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			break
		}
		cmd := b[i+1]
		switch {
		case cmd == iac:
			s.data = append(s.data, iac)
			i += 2
		case cmd >= will && cmd <= dont:
			if i+2 >= len(b) {
				return s
			}
			switch cmd {
			case will:
				s.will[b[i+2]] = true
			case do:
				s.do[b[i+2]] = true
			}
			i += 3
		case cmd == sb:
			end, data, ok := subneg(b[i+2:])
			if !ok {
				return s
			}
			if len(s.subs) < maxSubs && len(b) > i+2 {
				s.subs = append(s.subs, sub{opt: b[i+2], data: data})
			}
			if len(data) > 0 && b[i+2] == optStartTLS && data[0] == tlsFollows {
				s.follows = true
				return s
			}
			i += 2 + end
		case cmd == eor:
			if len(s.records) < maxSubs {
				s.records = append(s.records, s.data[recStart:len(s.data):len(s.data)])
			}
			recStart = len(s.data)
			i += 2
		case cmd == ec:
			s.data = append(s.data, bs)
			i += 2
		case cmd == el:
			s.data = append(s.data, nak)
			i += 2
		default:
			i += 2
		}
	}
	return s
}

// subneg reads a sub-negotiation body (option byte first) up to IAC SE. end
// is the offset just past IAC SE; data is the body after the option byte
// with IAC IAC undone.
func subneg(b []byte) (end int, data []byte, ok bool) {
	if len(b) == 0 {
		return 0, nil, false
	}
	for i := 1; i+1 < len(b); i++ {
		if b[i] != iac {
			data = append(data, b[i])
			continue
		}
		switch b[i+1] {
		case iac:
			data = append(data, iac)
			i++
		case se:
			return i + 2, data, true
		default:
			// A command inside a sub-negotiation is a protocol error; end
			// the sub-negotiation here as most implementations do.
			return i, data, true
		}
	}
	return 0, nil, false
}

// startsTelnet reports whether b opens with a Telnet option negotiation or
// sub-negotiation: IAC WILL/WONT/DO/DONT <opt> or IAC SB <opt>.
func startsTelnet(b []byte) bool {
	if len(b) < 3 || b[0] != iac {
		return false
	}
	switch b[1] {
	case will, wont, do, dont:
	case sb:
		if b[2] == iac {
			return false
		}
	default:
		return false
	}
	// A second command, if the bytes go on with one, must be well formed
	// too; this keeps binary junk that happens to start FF FB out.
	if len(b) >= 6 && b[3] == iac {
		switch b[4] {
		case will, wont, do, dont, sb, se, iac, eor, 0xF1, 0xF2, 0xF9:
		default:
			return false
		}
	}
	return true
}
