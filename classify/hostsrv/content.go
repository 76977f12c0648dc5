package hostsrv

import (
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Database and remote-command code points.
const (
	cpStmtText    = 0x3807 // CCSID(2) + length(2) + text, under SQL requests only
	cpExtStmtText = 0x3831 // CCSID(2) + length(4) + text, under SQL requests only
	cpCompressed  = 0x3832 // RLE-compressed parameters follow
	cpCmdEBCDIC   = 0x1101 // 0x1002 command text in the job CCSID (level < 10)
	cpCmdCCSID    = 0x1104 // 0x1002 CCSID(4) + command text (level >= 10)
	cpPgmParm     = 0x1103 // 0x1003 max-length(4) usage(2) data
)

// orsCompressed is the ORS bitmap bit saying a database request's
// parameters are RLE-compressed.
const orsCompressed = 0x00080000

// maxInflate bounds the RLE-decoded parameters kept from one request: only
// the LL/CP and length fields are read, not the text.
const maxInflate = 16 << 10

// sqlRequest reports whether a database message's code points 0x3807 and
// 0x3831 are statement text: SQL functions (0x18xx) and request parameter
// blocks (0x1D00-0x1D04) on the SQL server ID. Elsewhere (0x1F80 set
// attributes, native database 0xE005) the same numbers mean other things.
func sqlRequest(h Header) bool {
	return h.ServerID == ServerSQL && (h.ID>>8 == 0x18 || h.ID >= 0x1D00 && h.ID <= 0x1D04)
}

// content looks for SQL statement, CL command and program-call parameters
// in one request. msg may be cut short (partial) when the head ended inside
// it; only length fields are read, so a cut text still counts.
func (s *session) content(h Header, msg []byte, partial bool) {
	if uint64(len(msg)) > uint64(h.Length) {
		msg = msg[:h.Length]
	}
	ps := h.ParamStart()
	if ps > len(msg) {
		return
	}
	switch {
	case sqlRequest(h):
		params := msg[ps:]
		if h.TemplateLen >= 4 && be32(msg[HeaderLen:])&orsCompressed != 0 {
			// LL(4) CP=0x3832 uncompressed-length(4), then RLE to the end.
			if len(params) < 10 || be16(params[4:]) != cpCompressed {
				return
			}
			params, partial = inflate(params[10:], int(be32(params[6:]))), true
		}
		walk(params, partial, func(cp uint16, ll int, d []byte) {
			switch cp {
			case cpStmtText:
				if len(d) >= 4 {
					s.sql.add(textLen(int(be16(d[2:])), ll-10))
				}
			case cpExtStmtText:
				if len(d) >= 6 {
					s.sql.add(textLen(int(be32(d[2:])), ll-12))
				}
			}
		})
	case h.ServerID == ServerRmtCmd && h.ID == 0x1002:
		walk(msg[ps:], partial, func(cp uint16, ll int, d []byte) {
			switch cp {
			case cpCmdEBCDIC:
				s.cl.add(ll - 6)
			case cpCmdCCSID:
				if ll >= 10 {
					s.cl.add(ll - 10)
				}
			}
		})
	case h.ServerID == ServerRmtCmd && h.ID == 0x1003:
		n := 0
		walk(msg[ps:], partial, func(cp uint16, ll int, d []byte) {
			if cp == cpPgmParm && ll >= 12 {
				n += ll - 12
			}
		})
		s.pgm.add(n)
	}
}

// textLen is the declared text length, or what the parameter can hold if
// the declaration claims more.
func textLen(declared, room int) int {
	if room < 0 {
		return 0
	}
	return min(declared, room)
}

// walk calls fn for each LL/CP parameter of b with its declared length and
// its data. When partial is set a last parameter that runs past b is passed
// too, with its data cut short.
func walk(b []byte, partial bool, fn func(cp uint16, ll int, d []byte)) {
	for len(b) >= 6 {
		ll := be32(b)
		if ll < 6 || ll > MaxLength {
			return
		}
		if uint64(ll) > uint64(len(b)) {
			if partial {
				fn(be16(b[4:]), int(ll), b[6:])
			}
			return
		}
		fn(be16(b[4:]), int(ll), b[6:ll])
		b = b[ll:]
	}
}

// inflate undoes the database server's run-length encoding: escape 0x1B;
// 1B 1B is a literal 0x1B; 1B p1 p2 c1 c2 repeats the pattern p1 p2 c times.
// The output stops at want or maxInflate bytes, whichever is smaller.
func inflate(src []byte, want int) []byte {
	limit := min(want, maxInflate)
	if limit <= 0 {
		return nil
	}
	out := make([]byte, 0, min(limit, 4*len(src)+16))
	for i := 0; i < len(src) && len(out) < limit; {
		c := src[i]
		switch {
		case c != 0x1B:
			out = append(out, c)
			i++
		case i+1 < len(src) && src[i+1] == 0x1B:
			out = append(out, 0x1B)
			i += 2
		case i+5 <= len(src):
			for n := int(be16(src[i+3:])); n > 0 && len(out) < limit; n-- {
				out = append(out, src[i+1], src[i+2])
			}
			i += 5
		default:
			return out
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// reportContent adds one finding per kind of sensitive content seen.
func (s *session) reportContent(fs *findings) {
	if s.sql.count > 0 {
		fs.add(detect.Finding{Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("SQL statement text in clear (%s, longest %d bytes)", plural(s.sql.count, "statement"), s.sql.longest),
			Protocol: "host-server database", Record: "sql", Length: s.sql.longest, Count: s.sql.count})
	}
	if s.cl.count > 0 {
		fs.add(detect.Finding{Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("CL command text in clear (%s, longest %d bytes)", plural(s.cl.count, "command"), s.cl.longest),
			Protocol: "host-server 0x1002 run command", Record: "cl-command", Length: s.cl.longest, Count: s.cl.count})
	}
	if s.pgm.count > 0 {
		fs.add(detect.Finding{Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("program call with its parameters in clear (%s, %d bytes of parameter data)", plural(s.pgm.count, "call"), s.pgm.total),
			Protocol: "host-server 0x1003 call program", Record: "program-call", Length: s.pgm.total, Count: s.pgm.count})
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
