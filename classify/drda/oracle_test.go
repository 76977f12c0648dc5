package drda

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// secretSpans returns the [start, end) ranges of the client head that hold
// secrets the detector reads only the length of: PASSWORD, NEWPASSWORD,
// SECTKN and the additional factor of ACCSEC and SECCHK, S38CMDST and the
// text of SQLSTT. It follows the detector's own walk; continued DSSs are
// left alone (their data is a joined copy).
func secretSpans(in *detect.Input) [][2]int {
	if !IsEXCSAT(in.C2S) && !(in.MidStream && midStream(in.C2S, in.S2C)) {
		return nil
	}
	var spans [][2]int
	mark := func(d []byte) {
		if len(d) > 0 {
			at := cap(in.C2S) - cap(d)
			spans = append(spans, [2]int{at, at + len(d)})
		}
	}
	var data func(o object)
	data = func(o object) {
		switch o.cp {
		case cpS38CMDST:
			mark(o.data)
		case cpSQLSTT:
			// The text of each string sqlLength walks, never its headers.
			b := o.data
			for range 2 {
				if len(b) == 0 {
					break
				}
				if b[0] != 0x00 {
					b = b[1:]
					continue
				}
				if len(b) < 5 {
					break
				}
				l := int(binary.BigEndian.Uint32(b[1:]))
				if l > o.length {
					break
				}
				mark(b[5:min(len(b), 5+l)])
				b = b[min(len(b), 5+l):]
			}
		}
	}
	credentials := func(o object) bool {
		switch o.cp {
		case cpPASSWORD, cpNEWPASSWD, cpSECTKN, cpMFAFACTOR:
			mark(o.data)
		}
		return true
	}
	b := in.C2S
	for i := 0; i < maxDSS && len(b) > 0; i++ {
		d, rest, ok := readDSS(b)
		if !ok {
			break
		}
		if b[0]&0x80 == 0 {
			switch d.typ {
			case dssRequest:
				eachObject(d.data, func(o object) bool {
					switch o.cp {
					case cpACCSEC, cpSECCHK:
						eachObject(o.data, credentials)
					case cpS38CMD:
						eachObject(o.data, func(p object) bool { data(p); return true })
					}
					return true
				})
			case dssObject:
				eachObject(d.data, func(o object) bool { data(o); return true })
			}
		}
		b = rest
	}
	return spans
}

// TestMaskingOracle checks the oracle on the recorded Derby flow: it finds
// the password and the statements, masking them keeps the verdict, and
// masking the user ID (which is reported) is noticed.
func TestMaskingOracle(t *testing.T) {
	c, s := loadFollow(t, "drda-secmec3")
	in := &detect.Input{C2S: c, S2C: s}
	var v detect.Verdict
	if !Detect(in, &v) {
		t.Fatal("not recognised")
	}
	spans := secretSpans(in)
	n := 0
	for _, s := range spans {
		n += s[1] - s[0]
	}
	if n != len("Fake-Pw-derby-3X")+48+52+42 {
		t.Errorf("secret spans %v cover %d bytes", spans, n)
	}
	if msg := checkMasked(in, &v); msg != "" {
		t.Error(msg)
	}
	user := bytes.Index(c, []byte("drdauser"))
	m := *in
	m.C2S = detecttest.MaskSpans(c, [][2]int{{user, user + 8}})
	var w detect.Verdict
	Detect(&m, &w)
	if reflect.DeepEqual(v, w) {
		t.Error("masking the user ID left the verdict alone")
	}
}

// checkMasked runs the masking oracle over this package's secret fields.
func checkMasked(in *detect.Input, v *detect.Verdict) string {
	return detecttest.CheckMasked(in, v, func(in *detect.Input) ([][2]int, int) { return secretSpans(in), 0 }, Detect)
}
