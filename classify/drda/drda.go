package drda

import (
	"encoding/binary"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Name is the protocol and service name this detector reports.
const Name = "drda"

// maxChecks bounds how many SECCHK commands of one flow are evaluated.
const maxChecks = 8

// secchk is what one SECCHK command carried.
type secchk struct {
	mech    uint16
	hasMech bool
	usrid   []byte
	pw      bool // PASSWORD present and non-empty
	newPW   bool // NEWPASSWORD present and non-empty
	token   bool // SECTKN present and non-empty
	mfa     int  // declared length of the additional factor, -1 if absent
}

// session is what the heads of one flow told.
type session struct {
	accsecMech   uint16
	hasAccsec    bool
	accsecMFA    int // additional factor length in ACCSEC, -1 if absent
	clientSeed   bool
	serverSeed   bool
	clientCCSID  int // UNICODEMGR level in EXCSAT, 0 if absent
	serverCCSID  int // UNICODEMGR level in EXCSATRD, -1 if EXCSATRD not seen
	checks       []secchk
	sqlCount     int
	sqlLen       int
	cmdCount     int
	cmdLen       int
	failures     int
	failCode     byte
	failInAccsec bool
}

// IsEXCSAT reports whether b starts with the DSS a DRDA client sends first:
// a request DSS holding exactly one EXCSAT command (§6.4).
func IsEXCSAT(b []byte) bool {
	if len(b) < 10 || b[2] != 0xD0 || b[3]&0x80 != 0 || b[3]&0x0F != dssRequest {
		return false
	}
	l := binary.BigEndian.Uint16(b)
	return l >= 10 && l&0x8000 == 0 &&
		binary.BigEndian.Uint16(b[6:]) == l-6 &&
		binary.BigEndian.Uint16(b[8:]) == cpEXCSAT
}

// Detect recognises a DRDA flow from the client's EXCSAT (or, for a flow
// picked up mid-stream, from well-formed DSSs in both directions) and fills
// v with the user ID and the credential and content findings.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if !IsEXCSAT(in.C2S) && !(in.MidStream && midStream(in.C2S, in.S2C)) {
		return false
	}
	v.Protocol, v.Service = Name, Name
	s := session{serverCCSID: -1, accsecMFA: -1}
	s.requests(in.C2S)
	s.replies(in.S2C)
	s.report(v)
	return true
}

// midStream accepts a flow whose start was not captured when the client head
// starts with a request or object DSS whose first DDM object fills it and the
// server head starts with a reply DSS.
func midStream(c2s, s2c []byte) bool {
	first := func(b []byte, types ...byte) bool {
		d, _, ok := readDSS(b)
		if !ok || !d.complete {
			return false
		}
		o, rest, ok := readObject(d.data)
		if !ok || !o.complete || len(rest) != 0 || o.cp < 0x1000 {
			return false
		}
		for _, t := range types {
			if d.typ == t {
				return true
			}
		}
		return false
	}
	return first(c2s, dssRequest, dssObject) && first(s2c, dssReply, dssObject)
}

// requests walks the client's DSSs.
func (s *session) requests(b []byte) {
	eachDSS(b, func(d dss) {
		switch d.typ {
		case dssRequest:
			eachObject(d.data, func(o object) bool {
				s.command(o)
				return true
			})
		case dssObject:
			eachObject(d.data, func(o object) bool {
				s.commandData(o)
				return true
			})
		}
	})
}

// command handles one request command.
func (s *session) command(o object) {
	switch o.cp {
	case cpEXCSAT:
		eachObject(o.data, func(p object) bool {
			if p.cp == cpMGRLVLLS {
				s.clientCCSID = unicodeLevel(p.data)
			}
			return true
		})
	case cpACCSEC:
		eachObject(o.data, func(p object) bool {
			switch p.cp {
			case cpSECMEC:
				if len(p.data) >= 2 {
					s.accsecMech, s.hasAccsec = binary.BigEndian.Uint16(p.data), true
				}
			case cpSECTKN:
				s.clientSeed = s.clientSeed || len(p.data) > 0
			case cpMFAFACTOR:
				s.accsecMFA = p.length
			}
			return true
		})
	case cpSECCHK:
		if len(s.checks) >= maxChecks {
			return
		}
		c := secchk{mfa: -1}
		eachObject(o.data, func(p object) bool {
			switch p.cp {
			case cpSECMEC:
				if len(p.data) >= 2 {
					c.mech, c.hasMech = binary.BigEndian.Uint16(p.data), true
				}
			case cpUSRID:
				c.usrid = p.data
			case cpPASSWORD:
				c.pw = p.length > 0
			case cpNEWPASSWD:
				c.newPW = p.length > 0
			case cpSECTKN:
				c.token = p.length > 0
			case cpMFAFACTOR:
				c.mfa = p.length
			}
			return true
		})
		s.checks = append(s.checks, c)
	case cpS38CMD:
		eachObject(o.data, func(p object) bool {
			s.commandData(p)
			return true
		})
	}
}

// commandData handles one command-data object (an OBJDSS member, or a
// parameter that carries text).
func (s *session) commandData(o object) {
	switch o.cp {
	case cpSQLSTT:
		s.sqlCount++
		s.sqlLen += sqlLength(o)
	case cpS38CMDST:
		s.cmdCount++
		s.cmdLen += o.length
	}
}

// sqlLength is the length of the statement text in an SQLSTT object: a
// nullable mixed-byte string followed by a nullable single-byte string, each
// a null indicator (0x00 = present) and a 4-byte length (§6.4). When the
// layout does not fit, the object's length stands in.
func sqlLength(o object) int {
	b := o.data
	n := 0
	for range 2 {
		if len(b) == 0 {
			break
		}
		if b[0] != 0x00 {
			b = b[1:]
			continue
		}
		if len(b) < 5 {
			return o.length
		}
		l := int(binary.BigEndian.Uint32(b[1:]))
		if l < 0 || l > o.length {
			return o.length
		}
		n += l
		b = b[min(len(b), 5+l):]
	}
	if n == 0 && o.length > 2 {
		return o.length
	}
	return n
}

// unicodeLevel returns the UNICODEMGR level (its CCSID) from a manager-level
// list, 0 when the list does not name it.
func unicodeLevel(b []byte) int {
	for ; len(b) >= 4; b = b[4:] {
		if binary.BigEndian.Uint16(b) == cpUNICODEMGR {
			return int(binary.BigEndian.Uint16(b[2:]))
		}
	}
	return 0
}

// replies walks the server's DSSs.
func (s *session) replies(b []byte) {
	eachDSS(b, func(d dss) {
		if d.typ != dssReply {
			return
		}
		eachObject(d.data, func(o object) bool {
			switch o.cp {
			case cpEXCSATRD:
				s.serverCCSID = 0
				eachObject(o.data, func(p object) bool {
					if p.cp == cpMGRLVLLS {
						s.serverCCSID = unicodeLevel(p.data)
					}
					return true
				})
			case cpACCSECRD:
				eachObject(o.data, func(p object) bool {
					switch p.cp {
					case cpSECTKN:
						s.serverSeed = s.serverSeed || len(p.data) > 0
					case cpSECCHKCD:
						// "Mechanism not supported" is ordinary negotiation: the
						// client retries ACCSEC with one the server offered.
						if len(p.data) == 1 && p.data[0] != 0 && p.data[0] != secchkNoSECMEC {
							s.fail(p.data[0], true)
						}
					}
					return true
				})
			case cpSECCHKRM:
				eachObject(o.data, func(p object) bool {
					if p.cp == cpSECCHKCD && len(p.data) == 1 && p.data[0] != 0 {
						s.fail(p.data[0], false)
					}
					return true
				})
			}
			return true
		})
	})
}

func (s *session) fail(cd byte, accsec bool) {
	if s.failures == 0 {
		s.failCode, s.failInAccsec = cd, accsec
	}
	s.failures++
}

// utf8Strings reports whether strings after EXCSAT are UTF-8: the server's
// answer decides when it was seen, else the client's request.
func (s *session) utf8Strings() bool {
	if s.serverCCSID >= 0 {
		return s.serverCCSID == ccsidUTF8
	}
	return s.clientCCSID == ccsidUTF8
}

// report turns the session into the verdict's user and findings.
func (s *session) report(v *detect.Verdict) {
	add := func(f detect.Finding) {
		for _, g := range v.Findings {
			if g.Kind == f.Kind && g.User == f.User && g.Mechanism == f.Mechanism &&
				g.Protocol == f.Protocol && g.Record == f.Record {
				return
			}
		}
		v.Add(f)
	}
	for _, c := range s.checks {
		mech, known := c.mech, c.hasMech
		if !known {
			mech, known = s.accsecMech, s.hasAccsec
		}
		user := ""
		if len(c.usrid) > 0 {
			user = decodeUser(c.usrid, s.utf8Strings())
		}
		if user != "" && v.User == "" {
			v.User = user
		}
		m := fmt.Sprintf("SECMEC %d", mech)
		switch {
		case known && (mech == secUSRIDPWD || mech == secUSRIDNWPWD) && (c.pw || c.newPW):
			what := "password"
			if c.newPW {
				what = "password and new password"
			}
			add(detect.Finding{
				Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
				Message: fmt.Sprintf("DRDA SECCHK sends the user ID and %s in clear (%s)", what, m),
				User:    user, Protocol: "drda SECCHK", Mechanism: m,
			})
		case known && (mech == secUSRSBSPWD || mech == secUSRSSBPWD) && (c.pw || c.token):
			// JTOpen puts the substitute in PASSWORD (§6.4); Derby's client
			// sends it as a SECTKN (recorded, drda-secmec8.pcap).
			msg := fmt.Sprintf("DRDA SECCHK sends the user ID and a password substitute (%s); it can be guessed offline", m)
			if !s.clientSeed || !s.serverSeed {
				msg = fmt.Sprintf("DRDA SECCHK sends the user ID and a password substitute (%s); the seeds were not both captured", m)
			}
			add(detect.Finding{
				Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
				Message: msg, User: user, Protocol: "drda SECCHK", Mechanism: m,
			})
		case user != "":
			// SECMEC 4 (user ID only), 7 (password encrypted with a
			// Diffie-Hellman key) and token mechanisms still show the user.
			add(detect.Finding{
				Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
				Message: fmt.Sprintf("DRDA SECCHK sends the user ID in clear (%s)", m),
				User:    user, Protocol: "drda SECCHK", Mechanism: m,
			})
		}
		if c.mfa >= 0 {
			add(mfaFinding(c.mfa, user, "drda SECCHK"))
		}
	}
	if s.accsecMFA >= 0 {
		add(mfaFinding(s.accsecMFA, v.User, "drda ACCSEC"))
	}
	if s.failures > 0 {
		where := "SECCHKRM"
		if s.failInAccsec {
			where = "ACCSECRD"
		}
		add(detect.Finding{
			Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
			Message: fmt.Sprintf("DRDA security check failed: %s (%s SECCHKCD 0x%02X)",
				secchkReason(s.failCode), where, s.failCode),
			User: v.User, Protocol: "drda " + where, Count: s.failures,
		})
	}
	if s.sqlCount > 0 {
		add(detect.Finding{
			Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("SQL statement text in clear (%d statements, %d bytes)", s.sqlCount, s.sqlLen),
			Protocol: "drda SQLSTT", Record: "sql", Length: s.sqlLen, Count: s.sqlCount,
		})
	}
	if s.cmdCount > 0 {
		add(detect.Finding{
			Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("CL command text in clear over DDM (%d commands, %d bytes)", s.cmdCount, s.cmdLen),
			Protocol: "drda S38CMD", Record: "cl-command", Length: s.cmdLen, Count: s.cmdCount,
		})
	}
}

// mfaFinding reports an additional authentication factor (an IBM i MFA
// code) sent in clear; only its length is kept.
func mfaFinding(n int, user, proto string) detect.Finding {
	who := ""
	if user != "" {
		who = " for user " + user
	}
	return detect.Finding{
		Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
		Message: fmt.Sprintf("DRDA additional authentication factor (MFA code, %d bytes) in clear%s", n, who),
		User:    user, Protocol: proto, Record: "mfa-factor", Length: n,
	}
}

// Reject reports that no more bytes can make Detect match a flow whose start
// was captured: the client's first DSS header is no request.
func Reject(in *detect.Input) bool {
	c := in.C2S
	return !in.MidStream && (len(c) > 2 && c[2] != 0xD0 || len(c) > 3 && (c[3]&0x80 != 0 || c[3]&0x0F != dssRequest))
}
