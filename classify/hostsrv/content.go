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
		stmt := func(cp uint16, ll int, d []byte) {
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
		}
		if h.TemplateLen >= 4 && be32(msg[HeaderLen:])&orsCompressed != 0 {
			// LL(4) CP=0x3832 uncompressed-length(4), then RLE to the end.
			if len(params) < 10 || be16(params[4:]) != cpCompressed {
				return
			}
			r := rle{src: params[10:], left: int(be32(params[6:]))}
			for cp, ll, d, ok := r.param(); ok; cp, ll, d, ok = r.param() {
				stmt(cp, ll, d)
			}
			return
		}
		walk(params, partial, stmt)
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

// rle reads the database server's run-length encoding as a stream: escape
// 0x1B; 1B 1B is a literal 0x1B; 1B p1 p2 c1 c2 repeats the pattern p1 p2
// c times. Repeats are skipped by arithmetic, never written out, so walking
// a compressed request costs time in its compressed size only (a 39-byte
// request may declare 16 KiB or 4 GiB of parameters).
type rle struct {
	src   []byte
	left  int     // bytes the declared uncompressed length still allows
	pat   [2]byte // pattern of the current repeat
	run   int     // bytes of the current repeat still to come
	phase int     // index in pat of the next repeated byte
	buf   [12]byte
	done  bool // the last parameter ran past the data
}

// next returns the next decoded byte; ok is false at the end of the data or
// of the declared length.
func (r *rle) next() (c byte, ok bool) {
	if r.left <= 0 {
		return 0, false
	}
	for r.run == 0 {
		switch {
		case len(r.src) == 0:
			return 0, false
		case r.src[0] != 0x1B:
			c, r.src = r.src[0], r.src[1:]
			r.left--
			return c, true
		case len(r.src) >= 2 && r.src[1] == 0x1B:
			r.src = r.src[2:]
			r.left--
			return 0x1B, true
		case len(r.src) < 5:
			r.src = nil
			return 0, false
		}
		r.pat = [2]byte{r.src[1], r.src[2]}
		r.run, r.phase = 2*int(be16(r.src[3:])), 0
		r.src = r.src[5:]
	}
	c = r.pat[r.phase]
	r.phase ^= 1
	r.run--
	r.left--
	return c, true
}

// read fills dst and returns how many bytes it got.
func (r *rle) read(dst []byte) int {
	for i := range dst {
		c, ok := r.next()
		if !ok {
			return i
		}
		dst[i] = c
	}
	return len(dst)
}

// skip passes over n decoded bytes and reports whether they were all there.
func (r *rle) skip(n int) bool {
	for n > 0 {
		if r.run > 0 {
			k := min(n, r.run, r.left)
			if k <= 0 {
				return false
			}
			r.run -= k
			r.left -= k
			r.phase ^= k & 1
			n -= k
			continue
		}
		if _, ok := r.next(); !ok {
			return false
		}
		n--
	}
	return true
}

// param reads the next LL/CP parameter of an RLE stream: its code point,
// declared length and at most its first six data bytes (all the content
// checks read), in r's own buffer. A parameter that runs past the data is
// returned too; the one after it is not.
func (r *rle) param() (cp uint16, ll int, d []byte, ok bool) {
	if r.done || r.read(r.buf[:6]) < 6 {
		return 0, 0, nil, false
	}
	n := be32(r.buf[:])
	if n < 6 || n > MaxLength {
		return 0, 0, nil, false
	}
	ll = int(n)
	want := min(ll-6, 6)
	got := r.read(r.buf[6 : 6+want])
	r.done = got < want || !r.skip(ll-6-got)
	return be16(r.buf[4:]), ll, r.buf[6 : 6+got], true
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
