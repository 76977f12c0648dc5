package telnet

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// FuzzTelnetDetect splits the fuzz bytes into a client and a server head at
// split and checks the detector neither panics nor reports odd verdicts.
// It then builds a login from the same bytes whose password is known and
// checks that the password reaches no field of the verdict.
func FuzzTelnetDetect(f *testing.F) {
	c, s := loadFollow(f, "rec-login-ok")
	f.Add(append(c, s...), uint16(len(c)))
	cl := cat(tnClientOpen, envClearPW, tnTermType, tnBinaryEOR, signonEnter)
	f.Add(cat(cl, tnServerOpen, signonRecord), uint16(len(cl)))
	banner := []byte("Notice to user: authorized use only\r\n")
	f.Add(append(banner, "bob\nS3cr3t!pw\nls"...), uint16(len(banner)))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		n := min(int(split), len(data))
		var v detect.Verdict
		if !Detect(&detect.Input{C2S: data[:n], S2C: data[n:]}, &v) {
			if v.Protocol != "" || len(v.Findings) != 0 {
				t.Fatalf("rejected but filled: %+v", v)
			}
		} else {
			if v.Protocol != ProtoTelnet && v.Protocol != Proto5250 {
				t.Fatalf("protocol %q", v.Protocol)
			}
			if !utf8.ValidString(v.User) {
				t.Fatalf("user not UTF-8: %q", v.User)
			}
			for _, f := range v.Findings {
				if f.Kind == "" || f.Severity == "" || f.Message == "" {
					t.Fatalf("bad finding %+v", f)
				}
			}
		}
		checkSecret(t, data, split)
	})
}

// checkSecret is the secret oracle. The bytes before split are a server
// banner (anything, Telnet commands included); the rest, cut at LF and
// reduced to printable ASCII, are the user name, the password and further
// client lines. The top bits of split choose an echoing or line-mode server,
// empty Enters before the name and the prompt. The session is then what a
// real one looks like, so the password is known: the line answering
// "Password:", typed after a non-empty name. It is also sent as IBMSUBSPW. When the password is at least
// six bytes and appears neither in the server text nor inside another
// client line (then showing it would show nothing secret), no string of
// the verdict may contain it.
func checkSecret(t *testing.T, data []byte, split uint16) {
	n := min(int(split&0x0FFF), len(data))
	banner := data[:n]
	fields := bytes.Split(data[n:], []byte{'\n'})
	for i, fl := range fields {
		fields[i] = bytes.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7E {
				return -1
			}
			return r
		}, fl)
	}
	// An empty name answered by a password prompt is ambiguous in line
	// mode (a banner line ending like a prompt would take the place of the
	// empty answer), so the oracle wants a name.
	if len(fields) < 2 || len(bytes.TrimSpace(fields[0])) == 0 {
		return
	}
	user, pw, more := fields[0], fields[1], fields[2:]
	echo, empties := split&0x1000 != 0, int(split>>13&3)
	prompt := []byte("vm login: ")
	if split&0x8000 != 0 {
		prompt = []byte("Username: ")
	}
	server := cat(hx(`FF FB 01 FF FB 03 FF FD 18`), banner, []byte("\r\n"))
	for range empties {
		server = cat(server, prompt, []byte("\r\n"))
	}
	server = cat(server, prompt)
	if echo {
		server = cat(server, user)
	}
	server = cat(server, []byte("\r\nPassword: \r\n$ "))
	if len(pw) < 6 || bytes.Contains(bytes.ToLower(parse(server).data), bytes.ToLower(pw)) {
		return
	}
	for _, other := range append([][]byte{user}, more...) {
		if bytes.Contains(bytes.ToLower(other), bytes.ToLower(pw)) {
			return
		}
	}
	// The same session with the password replaced by a string of the same
	// length tells words of the detector's own (a password "telnet" is in
	// every message) from a leak.
	mask := bytes.Repeat([]byte{'~'}, len(pw))
	secret := strings.ToLower(string(pw))
	if strings.Contains(secret, "~") {
		return
	}
	got := verdictText(user, pw, more, server, empties)
	masked := verdictText(user, mask, more, server, empties)
	for i := range got {
		if strings.Count(got[i], secret) > strings.Count(masked[i], secret) {
			t.Fatalf("password %q leaked: %s\nmasked: %s\nserver %q", pw, got[i], masked[i], server)
		}
	}
}

// verdictText runs the detector on the client side of a login (typed at the
// prompts, then also after NEW-ENVIRON with the password as IBMSUBSPW) and
// returns every string of each verdict, lower-cased.
func verdictText(user, pw []byte, more [][]byte, server []byte, empties int) []string {
	typed := bytes.Repeat([]byte("\r\n"), empties)
	typed = cat(typed, user, []byte("\r\n"), pw, []byte("\r\n"))
	for _, m := range more {
		typed = cat(typed, m, []byte("\r\n"))
	}
	neg := hx(`FF FD 01 FF FD 03 FF FB 18`)
	env := cat(hx(`FF FB 27 FF FA 27 00 00`), []byte("USER\x01"), user,
		[]byte("\x03IBMSUBSPW\x01"), pw, hx(`FF F0`))
	var out []string
	for _, c := range [][]byte{cat(neg, typed), cat(neg, env, typed)} {
		var v detect.Verdict
		Detect(&detect.Input{C2S: c, S2C: server}, &v)
		text := v.Protocol + "|" + v.Service + "|" + v.User + "|" + v.UpgradeHow
		for _, f := range v.Findings {
			text += "|" + f.Kind + "|" + f.Message + "|" + f.User + "|" + f.Protocol + "|" + f.Mechanism + "|" + f.Record
		}
		out = append(out, strings.ToLower(text))
	}
	return out
}
