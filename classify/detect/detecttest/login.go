package detecttest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Login is one login exchange built around a password by a login fuzz
// target, with what the detector must make of it.
type Login struct {
	In detect.Input
	// Forms are the forms the password took on the wire: the password
	// itself, its base64, its obfuscation, a digest or proof derived from
	// it. Their hex and base64 renderings are checked too.
	Forms [][]byte
	// User is the user ID the verdict must report ("" when the detector
	// reports none for this exchange): a user ID may reach the verdict.
	User string
	// Kind is a finding kind the verdict must hold ("" for none), so an
	// exchange the detector no longer reads as a login fails instead of
	// passing without proving anything.
	Kind string
}

// Other returns a password of the same length as pw with every byte
// changed: 'x' for every byte but an 'x', which becomes 'y'. Letters keep
// every framing the builders use (no line end, quote, NUL or base64 padding
// appears or vanishes).
func Other(pw []byte) []byte {
	out := make([]byte, len(pw))
	for i, c := range pw {
		out[i] = 'x'
		if c == 'x' {
			out[i] = 'y'
		}
	}
	return out
}

// CheckLogin is the secret oracle of the login fuzz targets. build makes a
// complete login exchange around a password; CheckLogin runs det on the one
// around pw and on the one around Other(pw) and fails when
//   - the exchange is not recognised, or lacks the user ID or finding kind
//     the Login names (the exchange must be read as a login);
//   - a form of pw (raw, hex or base64) appears in a string of the verdict
//     more often than the same text appears in the verdict on the other
//     password (so a password that happens to be a word of a message or
//     the user ID is no leak);
//   - the two verdicts differ in anything: nothing of the verdict may
//     depend on the password's bytes.
//
// It returns the verdict on pw.
func CheckLogin(t testing.TB, det detect.Func, build func(pw []byte) Login, pw []byte) *detect.Verdict {
	t.Helper()
	l := build(pw)
	var v detect.Verdict
	if !det(&l.In, &v) {
		t.Fatalf("a login exchange was not recognised:\nc2s %.300q\ns2c %.300q", l.In.C2S, l.In.S2C)
	}
	if v.User != l.User {
		t.Fatalf("user %q, want %q\nc2s %.300q", v.User, l.User, l.In.C2S)
	}
	if l.Kind != "" && !HasKind(&v, l.Kind) {
		t.Fatalf("no %s finding: %s\nc2s %.300q", l.Kind, Kinds(&v), l.In.C2S)
	}
	alt := build(Other(pw))
	var w detect.Verdict
	det(&alt.In, &w)
	got, other := strings.Join(Strings(&v), "\x00"), strings.Join(Strings(&w), "\x00")
	for _, f := range l.Forms {
		if len(f) == 0 {
			continue
		}
		for _, s := range []string{string(f), hex.EncodeToString(f), base64.StdEncoding.EncodeToString(f), base64.RawStdEncoding.EncodeToString(f)} {
			if strings.Count(got, s) > strings.Count(other, s) {
				t.Fatalf("the password (as %q) reached the verdict:\n%q", s, Strings(&v))
			}
		}
	}
	if !reflect.DeepEqual(v, w) {
		t.Fatalf("the verdict depends on the password:\n%+v\n%+v", v, w)
	}
	return &v
}

// LoginBuilder makes, for a mode and fuzzed user and surrounding bytes, the
// builder of a login exchange around a password (CheckLogin's build).
type LoginBuilder func(mode uint8, user, extra []byte) func(pw []byte) Login

// FuzzLogin is the body of a login fuzz target: it seeds f with one input a
// mode (modes of them, with user, pw and extra), then fuzzes the mode, the
// user, the password and the surrounding bytes through CheckLogin. keep
// says which password bytes a mode's wire form can carry; the password is
// cut to 128 of them ("secret" when none is left).
func FuzzLogin(f *testing.F, det detect.Func, build LoginBuilder, modes uint8, keep func(mode uint8, c byte) bool, user, pw, extra string) {
	for m := range modes {
		f.Add(m, []byte(user), []byte(pw), []byte(extra))
	}
	f.Fuzz(func(t *testing.T, mode uint8, user, pw, extra []byte) {
		p := Keep(pw, 128, "secret", func(c byte) bool { return keep(mode, c) })
		CheckLogin(t, det, build(mode, user, extra), p)
	})
}

// AnyMode turns a byte filter into FuzzLogin's keep for every mode.
func AnyMode(ok func(c byte) bool) func(mode uint8, c byte) bool {
	return func(_ uint8, c byte) bool { return ok(c) }
}

// NotNUL accepts every byte but the NUL: what a NUL-terminated or
// NUL-separated field can carry.
func NotNUL(c byte) bool { return c != 0 }

// HasKind reports whether v holds a finding of kind.
func HasKind(v *detect.Verdict, kind string) bool {
	for _, f := range v.Findings {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// Strings returns every string a verdict carries, its findings', learned
// mappings' and expectations' included. It walks the type by reflection, so
// a string field added later is checked without anyone remembering to.
func Strings(v *detect.Verdict) []string {
	var out []string
	collect(reflect.ValueOf(*v), &out)
	return out
}

var addrType = reflect.TypeFor[netip.Addr]()

func collect(r reflect.Value, out *[]string) {
	switch {
	case r.Type() == addrType:
		if a := r.Interface().(netip.Addr); a.IsValid() {
			*out = append(*out, a.String())
		}
	case r.Kind() == reflect.String:
		*out = append(*out, r.String())
	case r.Kind() == reflect.Struct:
		for i := range r.NumField() {
			if r.Type().Field(i).IsExported() {
				collect(r.Field(i), out)
			}
		}
	case r.Kind() == reflect.Slice && r.Type().Elem().Kind() == reflect.Uint8:
		*out = append(*out, string(r.Bytes()))
	case r.Kind() == reflect.Slice || r.Kind() == reflect.Array:
		for i := range r.Len() {
			collect(r.Index(i), out)
		}
	case r.Kind() == reflect.Pointer && !r.IsNil():
		collect(r.Elem(), out)
	}
}

// Keep returns b without the bytes that ok refuses, cut to at most n bytes,
// or def when nothing is left: how a login fuzz target turns fuzzed bytes
// into a field the wire can carry (a user ID without blanks, a password
// without a line end).
func Keep(b []byte, n int, def string, ok func(c byte) bool) []byte {
	out := make([]byte, 0, min(len(b), n))
	for _, c := range b {
		if len(out) == n {
			break
		}
		if ok(c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return []byte(def)
	}
	return out
}

// Graphic accepts printable ASCII other than the blank.
func Graphic(c byte) bool { return c > 0x20 && c < 0x7f }

// TextByte accepts what a text protocol line of greeting or reply text is
// made of: printable bytes, the tab and bytes above 0x7f (UTF-8), never a
// control byte.
func TextByte(c byte) bool { return c >= 0x20 && c != 0x7f || c == '\t' }

// NotLineEnd accepts any byte but CR, LF and NUL: what a text protocol line
// can carry.
func NotLineEnd(c byte) bool { return c != '\r' && c != '\n' && c != 0 }

// Cat concatenates its arguments, strings or byte slices, into one slice:
// the builders write an exchange as its pieces.
func Cat(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case []byte:
			b.Write(p)
		case byte:
			b.WriteByte(p)
		default:
			panic("detecttest.Cat: a part is neither string, []byte nor byte")
		}
	}
	return b.Bytes()
}

// B64 is standard base64 with padding, as SASL responses carry it.
func B64(b []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(b))
}
