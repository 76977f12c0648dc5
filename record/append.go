package record

import (
	"strconv"
	"unicode/utf8"
)

// The flow record and the finding event are written by hand, field by field
// in declaration order, because a sensor writes one per flow: reflection
// (encoding/json) cost more than classifying the flow. The output is exactly
// what encoding/json writes with SetEscapeHTML(false) (TestAppendMatchesJSON
// compares them on every golden record and on filled and fuzzed records):
// a field added to Flow, Finding or Event must be added here too, or that
// test fails.

// appendFlow appends r as a JSON object and a newline.
func appendFlow(b []byte, r *Flow) []byte {
	b = append(b, `{"schema":`...)
	b = appendString(b, r.Schema)
	b = appendStringField(b, `,"community_id":`, r.CommunityID)
	b = appendStringField(b, `,"start":`, r.Start)
	b = appendStringField(b, `,"end":`, r.End)
	b = appendStringField(b, `,"transport":`, r.Transport)
	b = appendStringField(b, `,"client":`, r.Client)
	b = appendStringField(b, `,"server":`, r.Server)
	b = appendStringField(b, `,"service":`, r.Service)
	b = appendBoolField(b, `,"ibmi":`, r.IBMi)
	b = appendStringField(b, `,"label_source":`, r.LabelSource)
	b = append(b, `,"encrypted":`...)
	switch {
	case r.Encrypted == nil:
		b = append(b, "null"...)
	default:
		b = strconv.AppendBool(b, *r.Encrypted)
	}
	b = appendStringField(b, `,"tls_version":`, r.TLSVersion)
	b = appendStringField(b, `,"sni":`, r.SNI)
	b = append(b, `,"alpn":`...)
	if r.ALPN == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, s := range r.ALPN {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	b = appendStringField(b, `,"user":`, r.User)
	b = appendUintField(b, `,"packets_c2s":`, r.PacketsC2S)
	b = appendUintField(b, `,"packets_s2c":`, r.PacketsS2C)
	b = appendUintField(b, `,"bytes_c2s":`, r.BytesC2S)
	b = appendUintField(b, `,"bytes_s2c":`, r.BytesS2C)
	b = append(b, `,"findings":`...)
	if r.Findings == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Findings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendFinding(b, &r.Findings[i], true)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOmitString(b, `,"protocol":`, r.Protocol)
	b = appendOmitString(b, `,"tls_offered":`, r.TLSOffered)
	b = appendOmitString(b, `,"portmap_request":`, r.PortmapRequest)
	b = appendOmitInt(b, `,"portmap_port":`, r.PortmapPort)
	b = appendOmitBool(b, `,"portmap_refused":`, r.PortmapRefused)
	b = appendOmitString(b, `,"control":`, r.Control)
	b = appendOmitBool(b, `,"mid_stream":`, r.MidStream)
	b = appendStringField(b, `,"end_reason":`, r.EndReason)
	b = appendOmitBool(b, `,"uninspected":`, r.Uninspected)
	b = appendOmitUint(b, `,"vlan":`, uint64(r.VLAN))
	b = appendOmitString(b, `,"sensor":`, r.Sensor)
	b = appendOmitUint(b, `,"gap_bytes_c2s":`, r.GapBytesC2S)
	b = appendOmitUint(b, `,"gap_bytes_s2c":`, r.GapBytesS2C)
	if r.Evidence != nil {
		b = appendStringField(b, `,"evidence":{"file":`, r.Evidence.File)
		b = appendUintField(b, `,"first_packet":`, r.Evidence.FirstPacket)
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// appendEvent appends ev as a JSON object and a newline. The embedded
// finding's user is shadowed by the event's own (encoding/json's rule for
// a name at a shallower depth).
func appendEvent(b []byte, ev *Event) []byte {
	b = append(b, `{"schema":`...)
	b = appendString(b, ev.Schema)
	b = appendStringField(b, `,"time":`, ev.Time)
	b = appendStringField(b, `,"community_id":`, ev.CommunityID)
	b = appendStringField(b, `,"transport":`, ev.Transport)
	b = appendStringField(b, `,"client":`, ev.Client)
	b = appendStringField(b, `,"server":`, ev.Server)
	b = appendStringField(b, `,"service":`, ev.Service)
	b = appendBoolField(b, `,"ibmi":`, ev.IBMi)
	b = appendStringField(b, `,"user":`, ev.User)
	b = appendOmitUint(b, `,"vlan":`, uint64(ev.VLAN))
	b = appendOmitString(b, `,"sensor":`, ev.Sensor)
	b = append(b, ',')
	b = appendFinding(b, &ev.Finding, false)
	return append(b, "}\n"...)
}

// appendFinding appends the members of x (without braces); withUser says
// whether its user member is written.
func appendFinding(b []byte, x *Finding, withUser bool) []byte {
	b = append(b, `"kind":`...)
	b = appendString(b, x.Kind)
	b = appendStringField(b, `,"severity":`, x.Severity)
	b = appendStringField(b, `,"message":`, x.Message)
	if withUser {
		b = appendOmitString(b, `,"user":`, x.User)
	}
	b = appendOmitString(b, `,"protocol":`, x.Protocol)
	b = appendOmitString(b, `,"mechanism":`, x.Mechanism)
	b = appendOmitString(b, `,"record":`, x.Record)
	b = appendOmitInt(b, `,"length":`, x.Length)
	b = appendOmitInt(b, `,"port":`, x.Port)
	b = appendOmitInt(b, `,"tls_port":`, x.TLSPort)
	b = appendOmitString(b, `,"learned":`, x.Learned)
	b = appendOmitInt(b, `,"count":`, x.Count)
	b = appendOmitString(b, `,"basis":`, x.Basis)
	return b
}

func appendStringField(b []byte, name, s string) []byte {
	return appendString(append(b, name...), s)
}

func appendOmitString(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, name...), s)
}

func appendBoolField(b []byte, name string, v bool) []byte {
	return strconv.AppendBool(append(b, name...), v)
}

func appendOmitBool(b []byte, name string, v bool) []byte {
	if !v {
		return b
	}
	return append(append(b, name...), "true"...)
}

func appendUintField(b []byte, name string, v uint64) []byte {
	return strconv.AppendUint(append(b, name...), v, 10)
}

func appendOmitUint(b []byte, name string, v uint64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendUint(append(b, name...), v, 10)
}

func appendOmitInt(b []byte, name string, v int) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), int64(v), 10)
}

const hexDigits = "0123456789abcdef"

// plain8 reports whether all eight bytes of s are plain, eight at a time:
// none below 0x20, none at or above 0x80, no quote, no backslash. (The
// word tricks are exact for "is there any such byte", all that is asked.)
func plain8(s string) bool {
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return (x&highs)|(x-0x20*ones)&^x&highs|zero(x^'"'*ones)|zero(x^'\\'*ones) == 0
}

// plain marks the bytes a JSON string holds as they are: printable ASCII
// but quote and backslash. One load per byte in appendString's loop.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string the way encoding/json does
// without HTML escaping: quote and backslash escaped, \b \f \n \r \t by
// name, other control bytes as \u00XX, invalid UTF-8 as \ufffd, and U+2028
// and U+2029 (line separators to JavaScript) as \u2028 and \u2029.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
			continue
		}
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
