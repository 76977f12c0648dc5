package ssh

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

func FuzzSSHDetect(f *testing.F) {
	f.Add([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), []byte("banner\r\nSSH-1.99-x\r\n"))
	f.Add([]byte("\x00\x01"), []byte("Authorised use only\r\nZugang nur für Berechtigte\r\nSSH-2.0-OpenSSH_8.7\r\n"))
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		var v detect.Verdict
		ok := Detect(&detect.Input{C2S: c2s, S2C: s2c, Transport: 6}, &v)
		if ok != (v.Protocol == "ssh") || ok != v.Encrypted {
			t.Fatalf("Detect = %v, verdict %+v", ok, v)
		}
		if ok {
			if msg := detecttest.PrefixRejected(&detect.Input{C2S: c2s, S2C: s2c, Transport: 6}, Reject); msg != "" {
				t.Fatalf("Reject is not sound: %s", msg)
			}
		}
	})
}
