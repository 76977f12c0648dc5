package hostsrv

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// secretSpans returns the [start, end) ranges of the client head that hold
// secrets the detector reads only the length of: substitutes, tokens, MFA
// codes and protected passwords of authenticating requests, SQL statement
// text, CL command text and program parameters. It follows the detector's
// own walk (the same start, messages and parameters), so a verdict must not
// change when these bytes do. start is where the walk began (-1: none).
func secretSpans(in *detect.Input) (spans [][2]int, start int) {
	if in.Transport == 17 {
		return nil, -1
	}
	start = 0
	if in.MidStream {
		cs, _, _, ok := midStream(in.C2S, in.S2C)
		if !ok {
			return nil, -1
		}
		start = cs
	} else if _, ok := opening(in.C2S, in.S2C); !ok {
		return nil, -1
	}
	if start < 0 {
		return nil, start
	}
	b := in.C2S[start:]
	mark := func(d []byte) {
		if len(d) > 0 {
			at := cap(in.C2S) - cap(d)
			spans = append(spans, [2]int{at, at + len(d)})
		}
	}
	visit := func(h Header, msg []byte, partial bool) {
		if uint64(len(msg)) > uint64(h.Length) {
			msg = msg[:h.Length]
		}
		ps := h.ParamStart()
		if ps > len(msg) {
			return
		}
		params := msg[ps:]
		switch {
		case authRequest(h.ID):
			walk(params, partial, func(cp uint16, _ int, d []byte) {
				switch cp {
				case cpSubst, cpToken, cpMFAFactor, cpOldPw, cpNewPw:
					mark(d)
				}
			})
		case sqlRequest(h):
			if h.TemplateLen >= 4 && be32(msg[HeaderLen:])&orsCompressed != 0 {
				return // the text is RLE-coded: its bytes are structure too
			}
			walk(params, partial, func(cp uint16, _ int, d []byte) {
				switch {
				case cp == cpStmtText && len(d) > 4:
					mark(d[4:])
				case cp == cpExtStmtText && len(d) > 6:
					mark(d[6:])
				}
			})
		case h.ServerID == ServerRmtCmd && (h.ID == 0x1002 || h.ID == 0x1003):
			walk(params, partial, func(cp uint16, _ int, d []byte) {
				if h.ID == 0x1002 && (cp == cpCmdEBCDIC || cp == cpCmdCCSID) || h.ID == 0x1003 && cp == cpPgmParm {
					mark(d)
				}
			})
		}
	}
	off := 0
	for h, msg := range Messages(b) {
		visit(h, msg, false)
		off += len(msg)
	}
	if in.C2SFull || in.C2SHole {
		if h, ok := ParseHeader(b[off:]); ok {
			visit(h, b[off:], true)
		}
	}
	return spans, start
}

// TestMaskingOracle checks the oracle on the real database flow: it finds
// the substitute and the statement, masking them keeps the verdict, and
// masking the user ID (which is reported) is noticed.
func TestMaskingOracle(t *testing.T) {
	in := &detect.Input{C2S: detecttest.Unhex(t, jtDatabaseC2S), S2C: detecttest.Unhex(t, jtDatabaseS2C), Transport: 6}
	var v detect.Verdict
	if !Detect(in, &v) {
		t.Fatal("not recognised")
	}
	spans, _ := secretSpans(in)
	n := 0
	for _, s := range spans {
		n += s[1] - s[0]
	}
	if n != 20+140 {
		t.Errorf("secret spans %v cover %d bytes, want 160 (substitute and statement)", spans, n)
	}
	if msg := checkMasked(in, &v); msg != "" {
		t.Error(msg)
	}
	user := bytes.Index(in.C2S, []byte{0xC9, 0xC2, 0xD4, 0xE3, 0xE2, 0xE3}) // IBMTST
	m := *in
	m.C2S = detecttest.MaskSpans(in.C2S, [][2]int{{user, user + 6}})
	var w detect.Verdict
	Detect(&m, &w)
	if reflect.DeepEqual(v, w) {
		t.Error("masking the user ID left the verdict alone")
	}
}

// checkMasked runs the masking oracle over this package's secret fields.
func checkMasked(in *detect.Input, v *detect.Verdict) string {
	return detecttest.CheckMasked(in, v, secretSpans, Detect)
}
