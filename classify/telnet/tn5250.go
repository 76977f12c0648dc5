package telnet

import (
	"encoding/binary"
	"strings"

	"github.com/ibmitap/ibmitap/classify/ebcdic"
)

// 5250 record layout (RFC 1205, docs/protocols.md, "Telnet and TN5250").
const (
	recGDS         = 0x12A0
	flowDisplay    = 0x0000
	flowStartup    = 0x0090
	opPutGet       = 3
	esc5250        = 0x04
	cmdWTD         = 0x11
	cmdReadInput   = 0x42
	cmdReadMDT     = 0x52
	cmdReadMDTAlt  = 0x82
	cmdClearUnit   = 0x40
	cmdClearUnitAl = 0x20
	cmdClearFmt    = 0x50
	aidEnter       = 0xF1
	orderSBA       = 0x11
	orderSF        = 0x1D
	maxFields      = 128
)

// record is one 5250 record: its flow type, opcode and data after the
// variable header.
type record struct {
	flow   uint16
	opcode byte
	data   []byte
}

// parseRecord checks the GDS header of a record taken from between two
// IAC EORs. The length field must match what arrived.
func parseRecord(b []byte) (record, bool) {
	if len(b) < 10 || binary.BigEndian.Uint16(b[2:]) != recGDS ||
		int(binary.BigEndian.Uint16(b)) != len(b) {
		return record{}, false
	}
	vh := int(b[6])
	if vh < 4 || 6+vh > len(b) {
		return record{}, false
	}
	return record{flow: binary.BigEndian.Uint16(b[4:]), opcode: b[9], data: b[6+vh:]}, true
}

// records returns the valid 5250 records of a direction.
func records(s *stream) []record {
	var out []record
	for _, r := range s.records {
		if rec, ok := parseRecord(r); ok {
			out = append(out, rec)
		}
	}
	return out
}

// field is one input field of a 5250 screen: where its data starts
// (1-based, as the client's SBA names it), its length and its attribute.
type field struct {
	row, col int
	length   int
	attr     byte
}

// nonDisplay reports a non-display attribute (0x27, with or without the
// column-separator and blink bits): the sign-on password field.
func (f field) nonDisplay() bool { return f.attr&0x07 == 0x07 }

// screen is the format table a server's records built and the read command
// that invited the client's answer.
type screen struct {
	fields []field
	read   byte
	width  int
}

// signonScreen finds the first screen whose format table has a non-display
// input field and returns it with the read command that followed.
func signonScreen(recs []record, width int) (screen, bool) {
	sc := screen{width: width}
	for _, r := range recs {
		if r.flow != flowDisplay {
			continue
		}
		sc.commands(r.data)
		if sc.read != 0 && sc.passwordField() >= 0 {
			return sc, true
		}
	}
	return screen{}, false
}

// passwordField is the index of the first non-display input field, -1 if
// none.
func (sc *screen) passwordField() int {
	for i, f := range sc.fields {
		if f.nonDisplay() {
			return i
		}
	}
	return -1
}

// commands walks the 5250 commands of one server record (each ESC + code).
func (sc *screen) commands(b []byte) {
	for len(b) >= 2 && b[0] == esc5250 {
		cmd := b[1]
		b = b[2:]
		switch cmd {
		case cmdClearUnit, cmdClearFmt:
			sc.fields, sc.read = sc.fields[:0], 0
		case cmdClearUnitAl:
			sc.fields, sc.read = sc.fields[:0], 0
			b = skip(b, 1)
		case cmdWTD:
			b = sc.writeToDisplay(skip(b, 2))
		case cmdReadInput, cmdReadMDT, cmdReadMDTAlt:
			sc.read = cmd
			b = skip(b, 2)
		case 0x62, 0x72, 0x02, 0x12, 0x0A:
			// read screen, read immediate, save/restore screen: no operands
		default:
			return
		}
	}
}

// skip drops n bytes, or all when fewer are left.
func skip(b []byte, n int) []byte {
	if n > len(b) {
		return nil
	}
	return b[n:]
}

// writeToDisplay follows the orders of a write-to-display command, keeping
// the current buffer address so that each input field's start is known, and
// returns the bytes after it (the next ESC).
func (sc *screen) writeToDisplay(b []byte) []byte {
	row, col := 1, 1
	adv := func(n int) {
		col += n
		for sc.width > 0 && col > sc.width {
			col -= sc.width
			row++
		}
	}
	for len(b) > 0 {
		switch b[0] {
		case esc5250:
			return b
		case orderSBA:
			if len(b) < 3 {
				return nil
			}
			row, col = int(b[1]), int(b[2])
			b = b[3:]
		case 0x13, 0x14, 0x12: // IC, MC, WEA
			b = skip(b, 3)
		case 0x02: // RA: repeat to row, col
			if len(b) < 4 {
				return nil
			}
			row, col = int(b[1]), int(b[2])
			adv(1)
			b = b[4:]
		case 0x03: // EA: row, col, length, attribute types
			if len(b) < 4 {
				return nil
			}
			row, col = int(b[1]), int(b[2])
			b = skip(b, 3+int(b[3]))
		case 0x01: // SOH: length, header data
			if len(b) < 2 {
				return nil
			}
			b = skip(b, 2+int(b[1]))
		case 0x10: // TD: 2-byte length, transparent data
			if len(b) < 3 {
				return nil
			}
			n := int(binary.BigEndian.Uint16(b[1:]))
			adv(n)
			b = skip(b, 3+n)
		case 0x15: // WDSF: 2-byte length including itself
			if len(b) < 3 {
				return nil
			}
			b = skip(b, 1+int(binary.BigEndian.Uint16(b[1:])))
		case orderSF:
			var f field
			var input bool
			f, input, b = startField(b[1:])
			// The attribute takes a screen position; the field's data starts
			// right after it.
			adv(1)
			if input && len(sc.fields) < maxFields {
				f.row, f.col = row, col
				sc.fields = append(sc.fields, f)
			}
			// tn5250 leaves the address at the field's start after an input
			// field; servers follow with an SBA before writing on.
		default:
			adv(1)
			b = b[1:]
		}
	}
	return nil
}

// startField reads an SF order's operands: for an input field the FFW and
// any FCWs (bytes whose top three bits are not 001), then the attribute byte
// (0x20-0x3F) and a 2-byte length.
func startField(b []byte) (f field, input bool, rest []byte) {
	i := 0
	if len(b) > 0 && b[0]&0xE0 != 0x20 {
		input = true
		i = 2
		for i < len(b) && b[i]&0xE0 != 0x20 {
			i += 2
		}
	}
	if i+3 > len(b) {
		return field{}, false, nil
	}
	f.attr = b[i]
	f.length = int(binary.BigEndian.Uint16(b[i+1:]))
	return f, input, b[i+3:]
}

// signonReply is what the client's answer to the sign-on screen carried.
type signonReply struct {
	user     string
	password bool // the non-display field was sent with data
	pwRow    int
	pwCol    int
	pwLen    int // length of the password field as defined by the screen
}

// readSignon finds the client's Enter on the sign-on screen and takes out the
// user field (the input field before the non-display one) and whether the
// password field carried data. The value itself is never kept.
func readSignon(recs []record, sc screen) (signonReply, bool) {
	pw := sc.passwordField()
	for _, r := range recs {
		if r.flow != flowDisplay || r.opcode != opPutGet || len(r.data) < 3 || r.data[2] != aidEnter {
			continue
		}
		values := fieldValues(r.data[3:], sc)
		if values == nil {
			continue
		}
		out := signonReply{pwRow: sc.fields[pw].row, pwCol: sc.fields[pw].col, pwLen: sc.fields[pw].length}
		out.password = len(trimEBCDIC(values[pw])) > 0
		if pw > 0 {
			if u, ok := ebcdic.DecodeName(trimEBCDIC(values[pw-1])); ok {
				out.user = strings.TrimSpace(u)
			}
		}
		return out, true
	}
	return signonReply{}, false
}

// fieldValues maps the field data of a put/get record to the screen's
// fields: SBA-addressed segments after Read MDT Fields, all fields at full
// length, in order, after Read Input Fields. nil when the data does not fit.
func fieldValues(b []byte, sc screen) [][]byte {
	values := make([][]byte, len(sc.fields))
	if sc.read == cmdReadInput {
		for i, f := range sc.fields {
			if f.length > len(b) {
				return nil
			}
			values[i], b = b[:f.length], b[f.length:]
		}
		return values
	}
	matched := false
	for len(b) >= 3 && b[0] == orderSBA {
		row, col := int(b[1]), int(b[2])
		b = b[3:]
		end := 0
		for end < len(b) && b[end] != orderSBA {
			end++
		}
		for i, f := range sc.fields {
			if f.row == row && f.col == col {
				values[i] = b[:min(end, max(f.length, 0))]
				matched = true
			}
		}
		b = b[end:]
	}
	if !matched {
		return nil
	}
	return values
}

// trimEBCDIC drops trailing EBCDIC blanks and NULs.
func trimEBCDIC(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == 0x40 || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}

// startupCode returns the 4-character response code of a TN5250E startup
// response record (flow type 0x0090), five bytes after the variable header.
func startupCode(recs []record) (string, bool) {
	for _, r := range recs {
		if r.flow == flowStartup && len(r.data) >= 9 {
			return ebcdic.Decode(r.data[5:9]), true
		}
	}
	return "", false
}

// is5250Type reports whether a TERMINAL-TYPE names a 5250 display or
// printer (§7.2).
func is5250Type(t string) bool {
	t = strings.ToUpper(t)
	for _, p := range []string{"IBM-3179", "IBM-3180", "IBM-3196", "IBM-3477", "IBM-5251",
		"IBM-5291", "IBM-5292", "IBM-5555", "IBM-3812", "IBM-5553"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// screenWidth is 132 for the 27x132 terminal types, else 80.
func screenWidth(t string) int {
	t = strings.ToUpper(t)
	if strings.HasPrefix(t, "IBM-3180") || strings.HasPrefix(t, "IBM-3477") {
		return 132
	}
	return 80
}
