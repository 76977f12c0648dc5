package hostsrv

import (
	"encoding/binary"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/ebcdic"
)

// Code points of the sign-on family (4-byte LL, 2-byte CP).
const (
	cpSeed      = 0x1103
	cpUserID    = 0x1104
	cpSubst     = 0x1105
	cpOldPw     = 0x110C
	cpNewPw     = 0x110D
	cpToken     = 0x1115
	cpPwLevel   = 0x1119
	cpMFAOffer  = 0x112E
	cpMFAFactor = 0x112F
)

// auth is what one authenticating request (0x7002, 0x7004, 0x7005, 0x7007,
// 0x7008, 0x7104) showed. Lengths are -1 when the parameter was absent.
type auth struct {
	id        uint16
	corr      uint32
	authType  byte
	user      string
	subLen    int
	tokenLen  int
	mfaLen    int
	protected bool // 0x7005 carried protected old/new passwords
}

// failure is a non-zero return code in a reply to an authenticating request.
type failure struct {
	id   uint16
	corr uint32
	rc   uint32
}

// tally counts records of one kind of sensitive content.
type tally struct{ count, longest, total int }

func (t *tally) add(n int) {
	t.count++
	t.total += n
	if n > t.longest {
		t.longest = n
	}
}

// session accumulates what the two heads of one connection showed.
type session struct {
	clientSeed, serverSeed bool
	level                  int // password level from 0x1119 or 0xF001 byte 5; -1 unknown
	mfaOffered             bool
	auths                  []auth
	failures               []failure
	replyUsers             []string
	tokenReplies           int // 0xF007/0xF008 replies carrying a token
	sql, cl, pgm           tally
}

// authRequest reports whether id is a request that authenticates or names
// a user.
func authRequest(id uint16) bool {
	switch id {
	case 0x7002, 0x7004, 0x7005, 0x7007, 0x7008, 0x7104:
		return true
	}
	return false
}

// requestName is how findings name the message that carried something.
func requestName(id uint16) string {
	switch id {
	case 0x7002:
		return "start server"
	case 0x7004:
		return "sign-on info"
	case 0x7005:
		return "change password"
	case 0x7007:
		return "generate profile token"
	case 0x7008:
		return "generate identity token"
	case 0x7104:
		return "host connection user info"
	case 0xF002:
		return "start server reply"
	case 0xF004:
		return "sign-on info reply"
	case 0xF005:
		return "change password reply"
	case 0xF007, 0xF008:
		return "profile token reply"
	case 0xF104:
		return "host connection user info reply"
	}
	return "message"
}

// requests walks the client's messages. When the head will not grow (full
// or ended at a hole), a trailing incomplete message is still searched for
// the lengths of SQL and command text.
func (s *session) requests(b []byte, final bool) {
	off := 0
	for h, msg := range Messages(b) {
		s.request(h, msg, false)
		off += len(msg)
	}
	if !final {
		return
	}
	if h, ok := ParseHeader(b[off:]); ok {
		s.request(h, b[off:], true)
	}
}

func (s *session) request(h Header, msg []byte, partial bool) {
	switch {
	case partial && authRequest(h.ID):
		s.authRequest(h, msg, true)
		return
	case partial:
	case h.ID == 0x7001:
		s.clientSeed = s.clientSeed || h.TemplateLen >= 8
		return
	case h.ID == 0x7003 || h.ID == 0x7103:
		for cp, d := range Params(msg[h.ParamStart():]) {
			if cp == cpSeed && len(d) == 8 {
				s.clientSeed = true
			}
		}
		return
	case authRequest(h.ID):
		s.authRequest(h, msg, false)
		return
	}
	s.content(h, msg, partial)
}

// authRequest records what one authenticating request carries. msg is cut
// short when partial (the head ended inside it): the parameters that fit
// are read as usual, and a credential that was cut still counts with its
// declared length (only lengths are reported); a cut user ID is dropped.
func (s *session) authRequest(h Header, msg []byte, partial bool) {
	a := auth{id: h.ID, corr: h.Correlation, subLen: -1, tokenLen: -1, mfaLen: -1}
	if h.TemplateLen >= 1 && h.ID != 0x7104 && len(msg) > HeaderLen {
		a.authType = msg[HeaderLen]
	}
	if h.ParamStart() > len(msg) {
		return
	}
	params := msg[h.ParamStart():]
	n := 0
	for cp, d := range Params(params) {
		n += 6 + len(d)
		a.param(cp, d, len(d))
	}
	if rest := params[n:]; partial && len(rest) >= 6 {
		// The parameter the head ended in: its length field is there.
		if ll := be32(rest); ll >= 6 && ll <= MaxLength && uint64(ll) > uint64(len(rest)) {
			switch cp := be16(rest[4:]); cp {
			case cpSubst, cpToken, cpMFAFactor, cpOldPw, cpNewPw:
				a.param(cp, nil, int(ll)-6)
			}
		}
	}
	s.auths = append(s.auths, a)
}

// param records one parameter of an authenticating request: d is its data,
// n its declared data length (more than len(d) when the head cut it).
func (a *auth) param(cp uint16, d []byte, n int) {
	switch cp {
	case cpUserID:
		if u, ok := userID(d); ok && a.user == "" {
			a.user = u
		}
	case cpSubst:
		a.subLen = n
	case cpToken:
		a.tokenLen = n
	case cpMFAFactor:
		if n >= 4 {
			a.mfaLen = n - 4 // CCSID 1208, then UTF-8
		}
	case cpOldPw, cpNewPw:
		a.protected = true
	}
}

// userID decodes a 0x1104 parameter: 10 EBCDIC bytes in requests, a uint32
// CCSID and the EBCDIC bytes in replies.
func userID(d []byte) (string, bool) {
	if len(d) <= 10 {
		return ebcdic.DecodeName(d)
	}
	if len(d) <= 14 {
		return ebcdic.DecodeName(d[4:])
	}
	return "", false
}

// replies walks the server's messages for the server seed, the password
// level, return codes and tokens.
func (s *session) replies(b []byte) {
	for h, msg := range Messages(b) {
		switch h.ID {
		case 0xF001:
			// The return code, then the 8-byte server seed at offset
			// 24. IBM's client reads the seed there whatever the
			// template length says, so the detector does too.
			if len(msg) >= HeaderLen+12 {
				s.serverSeed = true
				s.level = int(h.ServerAttr)
			}
			s.replyParams(h, msg)
		case 0xF003, 0xF103:
			s.replyParams(h, msg)
		case 0xF002, 0xF004, 0xF005, 0xF007, 0xF008, 0xF104:
			if h.TemplateLen >= 4 {
				if rc := be32(msg[HeaderLen:]); rc != 0 {
					s.failures = append(s.failures, failure{id: h.ID, corr: h.Correlation, rc: rc})
				}
			}
			s.replyParams(h, msg)
		}
	}
}

func (s *session) replyParams(h Header, msg []byte) {
	for cp, d := range Params(msg[h.ParamStart():]) {
		switch cp {
		case cpSeed:
			s.serverSeed = s.serverSeed || len(d) == 8
		case cpPwLevel:
			if len(d) == 1 {
				s.level = int(d[0])
			}
		case cpMFAOffer:
			s.mfaOffered = len(d) == 1 && d[0] == 1
		case cpUserID:
			if u, ok := userID(d); ok {
				s.replyUsers = append(s.replyUsers, u)
			}
		case cpToken:
			if h.ID == 0xF007 || h.ID == 0xF008 {
				s.tokenReplies++
			}
		}
	}
}

// mechanism names the password protection from the substitute's length,
// falling back on the authentication-type byte.
func mechanism(n int, authType byte) string {
	switch {
	case n == 8:
		return "DES"
	case n == 20:
		return "SHA-1"
	case n == 64:
		return "SHA-512"
	case authType == 1:
		return "DES"
	case authType == 3:
		return "SHA-1"
	case authType == 7:
		return "SHA-512"
	}
	return fmt.Sprintf("substitute of %d bytes", n)
}

// tokenKind names the token of authentication type t.
func tokenKind(t byte) (mech, sev string) {
	switch t {
	case 0x02:
		return "profile token", detect.SevHigh
	case 0x05:
		return "kerberos token", detect.SevMedium
	case 0x06:
		return "identity token", detect.SevHigh
	}
	return "authentication token", detect.SevHigh
}

// levelText describes the password level for finding messages.
func (s *session) levelText() string {
	if s.level < 0 {
		return ""
	}
	return fmt.Sprintf(", password level %d", s.level)
}

// report turns what was seen into the verdict's user and findings.
func (s *session) report(v *detect.Verdict) {
	var fs findings
	covered := map[string]bool{}
	// A token names no user; the reply (0xF002 0x1104) may.
	for _, a := range s.auths {
		if a.user != "" && v.User == "" {
			v.User = a.user
		}
	}
	if v.User == "" && len(s.replyUsers) > 0 {
		v.User = s.replyUsers[0]
	}
	for _, a := range s.auths {
		proto := fmt.Sprintf("host-server 0x%04X %s", a.id, requestName(a.id))
		who := forUser(a.user)
		material := false
		if a.subLen > 0 {
			material = true
			mech := mechanism(a.subLen, a.authType)
			if s.clientSeed && s.serverSeed {
				msg := fmt.Sprintf("%s password substitute%s and both seeds in clear: an offline-guessable password verifier%s",
					mech, who, s.levelText())
				if a.protected {
					msg += "; the protected new password can be unmasked by anyone who knows or cracks the old one"
				}
				fs.add(detect.Finding{Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
					Message: msg, User: a.user, Protocol: proto, Mechanism: mech, Length: a.subLen})
				covered[a.user] = true
			} else if a.user != "" {
				fs.add(detect.Finding{Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
					Message: fmt.Sprintf("user ID %s in clear with a %s password substitute; the seed exchange before it was not captured", a.user, mech),
					User:    a.user, Protocol: proto, Mechanism: mech, Length: a.subLen})
			}
		}
		if a.tokenLen > 0 {
			material = true
			mech, sev := tokenKind(a.authType)
			user := a.user
			if user == "" {
				user = v.User
			}
			fs.add(detect.Finding{Kind: detect.KindPasswordHashExposed, Severity: sev,
				Message: fmt.Sprintf("%s (%d bytes, a bearer credential that can be replayed until it expires) in clear%s", mech, a.tokenLen, forUser(user)),
				User:    user, Protocol: proto, Mechanism: mech, Length: a.tokenLen})
			covered[user] = true
		}
		if a.mfaLen >= 0 {
			fs.add(detect.Finding{Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
				Message: fmt.Sprintf("additional authentication factor (MFA code, %d bytes) in clear%s", a.mfaLen, who),
				User:    a.user, Protocol: proto, Record: "mfa-factor", Length: a.mfaLen})
		}
		if !material && a.user != "" && !covered[a.user] {
			fs.add(detect.Finding{Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
				Message: "user ID " + a.user + " in clear", User: a.user, Protocol: proto})
		}
	}
	if s.tokenReplies > 0 {
		fs.add(detect.Finding{Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
			Message: "profile token returned in clear (a bearer credential that can be replayed until it expires)",
			User:    v.User, Protocol: "host-server 0xF007 profile token reply", Mechanism: "profile token",
			Count: s.tokenReplies})
	}
	for _, f := range s.failures {
		user := v.User
		for _, a := range s.auths {
			if a.corr == f.corr && a.user != "" {
				user = a.user
			}
		}
		what, ok := authFailure(f.rc)
		if !ok {
			continue
		}
		who := forUser(user)
		fs.add(detect.Finding{Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
			Message: fmt.Sprintf("authentication failed%s: %s (return code 0x%08X)", who, what, f.rc),
			User:    user, Protocol: fmt.Sprintf("host-server 0x%04X %s", f.id, requestName(f.id))})
	}
	for _, u := range s.replyUsers {
		if !covered[u] && !fs.hasUser(u) {
			fs.add(detect.Finding{Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
				Message: "user ID " + u + " in clear", User: u, Protocol: "host-server reply"})
		}
	}
	s.reportContent(&fs)
	for _, f := range fs {
		v.Add(f)
	}
}

// forUser is the " for user X" part of a message, empty without a user.
func forUser(u string) string {
	if u == "" {
		return ""
	}
	return " for user " + u
}

// findings collects findings, counting repeats of the same one.
type findings []detect.Finding

func (fs *findings) add(f detect.Finding) {
	if f.Count == 0 {
		f.Count = 1
	}
	for i := range *fs {
		g := &(*fs)[i]
		if g.Kind == f.Kind && g.User == f.User && g.Protocol == f.Protocol && g.Mechanism == f.Mechanism &&
			g.Record == f.Record && g.Message == f.Message {
			g.Count += f.Count
			return
		}
	}
	*fs = append(*fs, f)
}

func (fs findings) hasUser(u string) bool {
	for _, f := range fs {
		if f.User == u {
			return true
		}
	}
	return false
}

func be16(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func be32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}
