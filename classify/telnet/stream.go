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

// knownOption reports whether o is a Telnet option number in use: the RFC
// registry runs from 0 (BINARY) to 49 (0x31: ECHO 1, SGA 3, STATUS 5, TM 6,
// TTYPE 24, EOR 25, NAWS 31, TSPEED 32, LFLOW 33, LINEMODE 34, XDISPLOC 35,
// ENVIRON 36, AUTHENTICATION 37, ENCRYPT 38, NEW-ENVIRON 39, TN3270E 40,
// CHARSET 42, COM-PORT 44, KERMIT 47, START_TLS 46 ...), then PRAGMA-LOGON,
// SSPI-LOGON and PRAGMA-HEARTBEAT (138-140) and EXOPL (255). Anything else in
// an opening negotiation is binary junk.
func knownOption(o byte) bool {
	return o <= 0x31 || (o >= 0x8A && o <= 0x8C) || o == 0xFF
}

// maxOpening bounds how many opening commands are checked.
const maxOpening = 64

// opening parses the run of Telnet commands at the start of b, up to the
// first data byte. n counts the option negotiations (WILL, WONT, DO, DONT
// and complete sub-negotiations, all on known options); NOP and GA may sit
// between them. rest is what follows the run: data, or nil when the run is
// all of b, is cut short, or ends with START_TLS FOLLOWS. ok is false when
// the run holds anything malformed: an unknown command or option, or a
// sub-negotiation with a stray command inside.
func opening(b []byte) (n int, rest []byte, ok bool) {
	i := 0
	for i < len(b) && b[i] == iac && n < maxOpening {
		if i+1 >= len(b) {
			return n, nil, true // cut after IAC: wait for more
		}
		switch cmd := b[i+1]; cmd {
		case will, wont, do, dont:
			if i+2 >= len(b) {
				return n, nil, true
			}
			if !knownOption(b[i+2]) {
				return n, nil, false
			}
			n++
			i += 3
		case sb:
			end, ok := subnegEnd(b[i+2:])
			if !ok {
				return n, nil, false
			}
			if end < 0 {
				return n, nil, true // cut inside: wait for more
			}
			n++
			if b[i+2] == optStartTLS && end > 3 && b[i+3] == tlsFollows {
				return n, nil, true // TLS follows: the Telnet part is over
			}
			i += 2 + end
		case 0xF1, 0xF9: // NOP, GA
			i += 2
		case iac:
			return n, b[i:], true // escaped 0xFF: data starts here
		default:
			return n, nil, false
		}
	}
	return n, b[i:], true
}

// subnegEnd checks a sub-negotiation body (option byte first) and returns
// the offset just past its IAC SE, -1 when b ends before it. ok is false for
// an unknown option or an IAC inside followed by anything but IAC or SE.
func subnegEnd(b []byte) (end int, ok bool) {
	if len(b) == 0 {
		return -1, true
	}
	if !knownOption(b[0]) || b[0] == 0xFF {
		return 0, false
	}
	for i := 1; i < len(b); i++ {
		if b[i] != iac {
			continue
		}
		if i+1 >= len(b) {
			return -1, true
		}
		switch b[i+1] {
		case iac:
			i++
		case se:
			return i + 2, true
		default:
			return 0, false
		}
	}
	return -1, true
}

// utf16Text reports whether b looks like UTF-16LE text behind a byte-order
// mark (FF FE, which reads as IAC DONT): zero high bytes in the next code
// units.
func utf16Text(b []byte) bool {
	if len(b) < 8 || b[0] != 0xFF || b[1] != 0xFE {
		return false
	}
	zeros := 0
	for i := 3; i < len(b) && i < 16; i += 2 {
		if b[i] == 0 {
			zeros++
		}
	}
	return zeros >= 2
}

// telnetOpening grades how a direction opens: strong when it is a
// well-formed run of at least three option negotiations, or two followed by
// terminal text or nothing, or exactly one three-byte command and nothing
// else (a lone refusal); weak when it is one negotiation followed by
// terminal text.
func telnetOpening(b []byte) (strong, weak bool) {
	if len(b) < 3 || b[0] != iac || utf16Text(b) {
		return false, false
	}
	n, rest, ok := opening(b)
	if !ok || n == 0 {
		return false, false
	}
	if n == 1 {
		return len(b) == 3, nvtText(rest)
	}
	// Two commands followed by binary are still one chance in a few
	// million for random bytes; real openings send more, or text, or
	// nothing yet.
	return n >= 3 || len(rest) == 0 || nvtText(rest), true
}

// mayOpen tells what telnetOpening may still answer for b or any longer
// head that starts with it. Every check of telnetOpening is settled by the
// bytes it has read: a malformed command stays malformed, data after a
// single negotiation that is no terminal text stays so (nvtText reads at
// most 16 bytes), and a UTF-16 byte-order mark only ever rules more out.
func mayOpen(b []byte) (strong, weak bool) {
	if len(b) == 0 {
		return true, true
	}
	if b[0] != iac || utf16Text(b) {
		return false, false
	}
	n, rest, ok := opening(b)
	switch {
	case !ok:
		return false, false
	case len(rest) == 0:
		return true, true // the run of commands is not over
	case n == 0:
		return false, false // an escaped 0xFF: data before any negotiation
	case n == 1:
		return false, nvtText(rest)
	}
	return true, true
}

// nvtText reports whether b opens with terminal text: the first bytes (up to
// 16) printable ASCII, CR, LF, TAB, BS, DEL, ESC or NUL.
func nvtText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b[:min(len(b), 16)] {
		if (c < 0x20 || c > 0x7F) && c != '\r' && c != '\n' && c != '\t' && c != bs && c != 0x1B && c != 0 {
			return false
		}
	}
	return true
}

// startsTelnet reports whether the connection opens with Telnet option
// negotiation: one direction strongly, or both directions weakly (a server
// that sends a single IAC DO and then its banner, answered in kind).
func startsTelnet(c2s, s2c []byte) bool {
	cs, cw := telnetOpening(c2s)
	ss, sw := telnetOpening(s2c)
	return cs || ss || (cw && sw)
}
