package ldap

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// secretSpans returns the [start, end) ranges of the client head that hold
// bind secrets: a simple bind's password [0] and SASL credentials (for
// PLAIN only the authzid and the password, the authcid being the reported
// user). It follows the detector's walk over complete requests and stops at
// the first StartTLS request. start is where the walk began (-1: none).
func secretSpans(in *detect.Input) (spans [][2]int, start int) {
	c := in.C2S
	if in.MidStream {
		c = resync(in.C2S, request)
		if c == nil {
			return nil, -1
		}
	} else if !recognise(in.C2S, in.S2C) {
		return nil, -1
	}
	start = len(in.C2S) - len(c)
	mark := func(d []byte) {
		if len(d) > 0 {
			at := cap(in.C2S) - cap(d)
			spans = append(spans, [2]int{at, at + len(d)})
		}
	}
	for n := 0; n < maxMessages; n++ {
		m, rest, ok := parseMessage(c, request)
		if !ok || !m.complete {
			break
		}
		c = rest
		switch m.op {
		case opExtendedRequest:
			if extendedName(m.body) == startTLSOID {
				return spans, start
			}
		case opBindRequest:
			_, _, r, _, ok := elem(m.body) // version
			if !ok {
				continue
			}
			_, _, r, _, ok = elem(r) // name
			if !ok {
				continue
			}
			tag, auth, _, _, ok := elem(r)
			if !ok {
				continue
			}
			switch tag {
			case 0x80:
				mark(auth)
			case 0xa3:
				tag, mech, r, whole, ok := elem(auth)
				if !ok || !whole || tag != 0x04 {
					continue
				}
				_, cred, _, _, ok := elem(r)
				if !ok {
					continue
				}
				f := bytes.SplitN(cred, []byte{0}, 3)
				if bytes.EqualFold(mech, []byte("PLAIN")) && len(f) == 3 {
					mark(f[0]) // masking never makes a NUL, so the split stays
					mark(f[2])
				} else {
					mark(cred)
				}
			}
		}
	}
	return spans, start
}

// TestMaskingOracle checks the oracle on the recorded simple bind and on
// SASL PLAIN: it finds the passwords, masking them keeps the verdict, and
// masking the reported name is noticed.
func TestMaskingOracle(t *testing.T) {
	simple := flowInput(t, "ldap-simple-bind", false)
	plain := detect.Input{C2S: bindMsg(1, "", "PLAIN", []byte("admin\x00bob\x00plainpw"))}
	for _, tc := range []struct {
		in       detect.Input
		secret   int
		reported string
	}{
		{simple, len("Fake-Pw-ldap-4M"), "uid=alice"},
		{plain, len("admin") + len("plainpw"), "bob"},
	} {
		var v detect.Verdict
		if !Detect(&tc.in, &v) {
			t.Fatal("not recognised")
		}
		spans, _ := secretSpans(&tc.in)
		n := 0
		for _, s := range spans {
			n += s[1] - s[0]
		}
		if n != tc.secret {
			t.Errorf("secret spans %v cover %d bytes, want %d", spans, n, tc.secret)
		}
		if msg := checkMasked(&tc.in, &v); msg != "" {
			t.Error(msg)
		}
		at := bytes.Index(tc.in.C2S, []byte(tc.reported))
		m := tc.in
		m.C2S = detecttest.MaskSpans(tc.in.C2S, [][2]int{{at, at + len(tc.reported)}})
		var w detect.Verdict
		Detect(&m, &w)
		if reflect.DeepEqual(v, w) {
			t.Errorf("masking %q left the verdict alone", tc.reported)
		}
	}
}

// checkMasked runs the masking oracle over this package's secret fields.
func checkMasked(in *detect.Input, v *detect.Verdict) string {
	return detecttest.CheckMasked(in, v, secretSpans, Detect)
}
