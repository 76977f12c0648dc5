package smb

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// recordedLogins loads the recorded sessions whose client head carries an
// NTLMSSP AUTHENTICATE message, with where that message starts.
func recordedLogins(tb testing.TB) (ins []detect.Input, at []int, users []string) {
	tb.Helper()
	for _, tc := range captureTests {
		h := flowHeads(tb, "../../testdata/"+tc.file)[0]
		i := bytes.Index(h.c2s, []byte("NTLMSSP\x00\x03\x00\x00\x00"))
		if i < 0 {
			continue
		}
		var v detect.Verdict
		Detect(input(h), &v)
		ins, at, users = append(ins, *input(h)), append(at, i), append(users, v.User)
	}
	if len(ins) < 4 {
		tb.Fatalf("%d recorded NTLM logons, want at least 4", len(ins))
	}
	return ins, at, users
}

// FuzzSMBLogin is the secret oracle on SMB: in a recorded session, the
// AUTHENTICATE message's LM and NT responses (what NTLM sends instead of the
// password, guessable offline) are replaced by a fuzzed secret repeated to
// their length; no form of the responses reaches the verdict, which names
// the same user and finding (detecttest.CheckLogin).
func FuzzSMBLogin(f *testing.F) {
	ins, at, users := recordedLogins(f)
	for m := range uint8(len(ins)) {
		f.Add(m, []byte("Fake-Pw-smb-8W"))
	}
	f.Fuzz(func(t *testing.T, mode uint8, secret []byte) {
		k := int(mode) % len(ins)
		build := func(pw []byte) detecttest.Login {
			in := ins[k]
			in.C2S = bytes.Clone(in.C2S)
			l := detecttest.Login{In: in, User: users[k], Kind: detect.KindPasswordHashExposed}
			m := in.C2S[at[k]:]
			for _, field := range []int{12, 20} { // LmChallengeResponse, NtChallengeResponse
				n := int(binary.LittleEndian.Uint16(m[field:]))
				off := int(binary.LittleEndian.Uint32(m[field+4:]))
				if n == 0 || off+n > len(m) {
					continue
				}
				for i := range n {
					m[off+i] = pw[i%len(pw)]
				}
				l.Forms = append(l.Forms, bytes.Clone(m[off:off+n]))
			}
			return l
		}
		detecttest.CheckLogin(t, Detect, build, detecttest.Keep(secret, 64, "secret", func(byte) bool { return true }))
	})
}
