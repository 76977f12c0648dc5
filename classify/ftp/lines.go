package ftp

// maxLine bounds a control line; RFC 959 lines are short, and a longer run
// without a line end is not FTP.
const maxLine = 1024

// line returns the first line of b without its line end, and the rest
// after it. ok is false when b holds no complete line.
func line(b []byte) (ln, rest []byte, ok bool) {
	for i, c := range b {
		if c == '\n' {
			ln = b[:i]
			if len(ln) > 0 && ln[len(ln)-1] == '\r' {
				ln = ln[:len(ln)-1]
			}
			return ln, b[i+1:], true
		}
		if i >= maxLine {
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// command splits a command line into its verb and argument. verb is the
// upper-case verb when it is a known FTP command, else empty. ok is false
// when the line does not start with a 3-4 letter word followed by a space
// or the line end.
func command(ln []byte) (verb string, arg []byte, ok bool) {
	var buf [4]byte
	n := 0
	for n < len(ln) && n < 5 && isLetter(ln[n]) {
		n++
	}
	if n < 3 || n > 4 || (n < len(ln) && ln[n] != ' ') {
		return "", nil, false
	}
	for i := range n {
		buf[i] = ln[i] &^ 0x20
	}
	arg = ln[n:]
	if len(arg) > 0 {
		arg = arg[1:]
	}
	return knownVerb(buf[:n]), arg, true
}

// knownVerb returns b as a constant string when it is an FTP command of
// RFC 959, its extensions (RFC 2228, 2389, 2428, 3659, 4217) or an IBM i
// server subcommand; the switch on string(b) does not allocate.
func knownVerb(b []byte) string {
	switch string(b) {
	case "USER":
		return "USER"
	case "PASS":
		return "PASS"
	case "AUTH":
		return "AUTH"
	case "PORT":
		return "PORT"
	case "EPRT":
		return "EPRT"
	case "RCMD":
		return "RCMD"
	case "SITE":
		return "SITE"
	case "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PASV", "TYPE", "STRU",
		"MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO",
		"ABOR", "DELE", "RMD", "MKD", "PWD", "LIST", "NLST", "SYST", "STAT",
		"HELP", "NOOP", "FEAT", "OPTS", "PBSZ", "PROT", "CCC", "ADAT", "EPSV",
		"MDTM", "SIZE", "MLSD", "MLST", "LANG", "CLNT", "HOST", "XPWD", "XCWD",
		"XMKD", "XRMD", "XCUP", "MFMT", "ADDM", "ADDV", "CRTL", "CRTP", "CRTS",
		"DLTF", "DLTL":
		return "other"
	}
	return ""
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// replyCode returns the code of a reply line "NNN " or "NNN-"; cont says a
// multi-line reply starts.
func replyCode(ln []byte) (code int, cont, ok bool) {
	if len(ln) < 3 || !isDigit(ln[0]) || !isDigit(ln[1]) || !isDigit(ln[2]) || ln[0] < '1' || ln[0] > '6' {
		return 0, false, false
	}
	if len(ln) > 3 && ln[3] != ' ' && ln[3] != '-' {
		return 0, false, false
	}
	code = int(ln[0]-'0')*100 + int(ln[1]-'0')*10 + int(ln[2]-'0')
	return code, len(ln) > 3 && ln[3] == '-', true
}

// replies walks the server's replies, merging multi-line ones.
type replies struct {
	b   []byte
	bad bool // a line that is not a reply: stop trusting the stream
}

// reply is one server reply: its code, its text (the first line after the
// code, enough for 227/229) and the stream after it.
type reply struct {
	code int
	text []byte
	rest []byte
}

// next returns the next complete reply.
func (r *replies) next() (reply, bool) {
	if r.bad {
		return reply{}, false
	}
	ln, rest, ok := line(r.b)
	if !ok {
		return reply{}, false
	}
	code, cont, ok := replyCode(ln)
	if !ok {
		r.bad = true
		return reply{}, false
	}
	text := ln[min(4, len(ln)):]
	for cont {
		// RFC 959 §4.2: the reply ends at a line starting with the same
		// code and a space; lines in between are free text.
		ln, rest, ok = line(rest)
		if !ok {
			return reply{}, false
		}
		if c, more, ok := replyCode(ln); ok && c == code && !more {
			cont = false
		}
	}
	r.b = rest
	return reply{code: code, text: text, rest: rest}, true
}

// final returns the next reply that is not preliminary (1xx): the one that
// completes a command.
func (r *replies) final() (reply, bool) {
	for {
		rp, ok := r.next()
		if !ok || rp.code >= 200 {
			return rp, ok
		}
	}
}
