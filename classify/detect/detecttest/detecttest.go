package detecttest

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Unhex decodes hex written with any white space between the digits.
func Unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		tb.Fatalf("bad hex %.40q: %v", s, err)
	}
	return b
}

// MustHex is Unhex for package-level fixtures: it panics on bad hex.
func MustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// ReadHex reads a file of hex digits (white space ignored).
func ReadHex(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Unhex(tb, string(b))
}

// LoadFollow reads a `tshark -q -z follow,tcp,raw,N` dump: client lines flush
// left, server lines indented by a tab. It returns the two directions.
func LoadFollow(tb testing.TB, path string) (c2s, s2c []byte) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		b, err := hex.DecodeString(strings.TrimSpace(line))
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if strings.HasPrefix(line, "\t") {
			s2c = append(s2c, b...)
		} else {
			c2s = append(c2s, b...)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return c2s, s2c
}

// Secrets returns extra plus every fake password in the module's
// testdata/secrets.txt, found by walking up from the working directory to
// go.mod. A test that uses it fails when the file cannot be found, so a
// moved file cannot silently turn the no-secrets checks into no-ops.
func Secrets(tb testing.TB, extra ...string) []string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "secrets.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	out := append([]string(nil), extra...)
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// MaskSpans returns a copy of b with every byte inside one of spans
// ([from, to) offsets) replaced by a different, non-zero byte: the fuzz
// oracles re-run a detector on it and require the same verdict, which
// proves the masked bytes (passwords, substitutes, SQL text) never reach the
// output.
func MaskSpans(b []byte, spans [][2]int) []byte {
	out := append([]byte(nil), b...)
	hit := make([]bool, len(b))
	for _, s := range spans {
		for i := max(s[0], 0); i < s[1] && i < len(b); i++ {
			hit[i] = true
		}
	}
	for i, h := range hit {
		if h {
			if out[i] ^= 0x5A; out[i] == 0 {
				out[i] = 0x21
			}
		}
	}
	return out
}

// SecretSpans finds the byte ranges of in.C2S that hold secrets a detector
// reads (passwords, substitutes, statement text), plus a key that changes
// when the parse around them changes (0 if there is none).
type SecretSpans func(in *detect.Input) (spans [][2]int, key int)

// CheckMasked is the masking oracle of the fuzz targets: with every secret
// byte replaced, det must give exactly the verdict v it gave on in. It
// returns "" or what differed; an input whose parse masking changes is not
// judged.
func CheckMasked(in *detect.Input, v *detect.Verdict, find SecretSpans, det detect.Func) string {
	spans, key := find(in)
	if len(spans) == 0 {
		return ""
	}
	m := *in
	m.C2S = MaskSpans(in.C2S, spans)
	if s2, k2 := find(&m); k2 != key || !slices.Equal(s2, spans) {
		return "" // masking changed the parse itself
	}
	var w detect.Verdict
	det(&m, &w)
	if !reflect.DeepEqual(*v, w) {
		return "verdict depends on secret bytes"
	}
	return ""
}

// SameStrings fails when a string of v differs from that of w, the verdict
// on the masked head: every string the verdict carries (Strings: user,
// findings, TLS names, learned mappings, expectations) must read the same.
// When masking changed the parse (another protocol, other findings) there
// is nothing to compare.
func SameStrings(t testing.TB, v, w *detect.Verdict) {
	t.Helper()
	if v.Protocol != w.Protocol || len(v.Findings) != len(w.Findings) {
		return
	}
	for i := range v.Findings {
		if v.Findings[i].Kind != w.Findings[i].Kind {
			return
		}
	}
	if v.User != w.User {
		t.Fatalf("a secret reached User: %q vs %q", v.User, w.User)
	}
	if a, b := Strings(v), Strings(w); !slices.Equal(a, b) {
		t.Fatalf("a secret reached the verdict:\n%q\n%q", a, b)
	}
}

// Kinds lists the findings of v as "kind/severity", comma-separated, in
// their order: the form the detector tables compare.
func Kinds(v *detect.Verdict) string {
	var b strings.Builder
	for i, f := range v.Findings {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.Kind + "/" + f.Severity)
	}
	return b.String()
}

// Flow loads the two directions of a recorded flow, testdata/flows/NAME.c2s.hex
// and NAME.s2c.hex (written by scripts/flowhex.sh from the capture of that
// name in the module's testdata).
func Flow(tb testing.TB, name string) (c2s, s2c []byte) {
	tb.Helper()
	return ReadHex(tb, filepath.Join("testdata", "flows", name+".c2s.hex")),
		ReadHex(tb, filepath.Join("testdata", "flows", name+".s2c.hex"))
}

// Upgrade is what an upgrade detector's table expects of one flow.
type Upgrade struct {
	Protocol string
	How      string // UpgradeHow when the upgrade succeeded; "" when it did not
	TLS      uint16 // negotiated TLS version after the upgrade; 0 when none
	User     string
	Kinds    string // as Kinds gives them
}

// CheckUpgrade compares a verdict with what the table expects.
func CheckUpgrade(t testing.TB, v *detect.Verdict, w Upgrade) {
	t.Helper()
	NoSecrets(t, v)
	how := ""
	if v.Upgraded {
		how = v.UpgradeHow
	}
	if v.Protocol != w.Protocol || how != w.How || v.TLS.Negotiated != w.TLS || v.User != w.User || Kinds(v) != w.Kinds {
		t.Errorf("got protocol %q upgrade %q TLS %#04x user %q findings %q\nwant protocol %q upgrade %q TLS %#04x user %q findings %q",
			v.Protocol, how, v.TLS.Negotiated, v.User, Kinds(v), w.Protocol, w.How, w.TLS, w.User, w.Kinds)
	}
}

// NoSecrets fails when a fake password of testdata/secrets.txt appears in
// any string of v.
func NoSecrets(t testing.TB, v *detect.Verdict) {
	t.Helper()
	all := v.User + "|" + v.UpgradeHow
	for _, f := range v.Findings {
		all += "|" + strings.Join([]string{f.Message, f.User, f.Protocol, f.Mechanism, f.Record}, "|")
	}
	for _, s := range Secrets(t) {
		if strings.Contains(all, s) {
			t.Fatalf("a password reached the verdict: %q", all)
		}
	}
}

// RejectCase is one byte-literal fixture of a detector's Reject rule on a
// TCP flow. Want says whether Reject must rule the heads out. A case
// that must not be ruled out is the opening of a real session: none of
// its prefixes (either direction cut anywhere) may be ruled out either,
// since Reject must hold for every longer head.
type RejectCase struct {
	Name      string
	C2S, S2C  []byte
	MidStream bool
	Want      bool
}

// CheckRejects runs reject over cases. A case ruled out must not be
// recognised by det on the same heads.
func CheckRejects(t *testing.T, reject detect.RejectFunc, det detect.Func, cases []RejectCase) {
	t.Helper()
	for _, tc := range cases {
		in := detect.Input{C2S: tc.C2S, S2C: tc.S2C, Transport: 6, ClientPort: 40000, ServerPort: 30000, MidStream: tc.MidStream}
		if got := reject(&in); got != tc.Want {
			t.Errorf("%s: Reject = %v, want %v", tc.Name, got, tc.Want)
			continue
		}
		if tc.Want {
			var v detect.Verdict
			if det(&in, &v) {
				t.Errorf("%s: ruled out but recognised as %q", tc.Name, v.Protocol)
			}
			continue
		}
		if msg := PrefixRejected(&in, reject); msg != "" {
			t.Errorf("%s: %s", tc.Name, msg)
		}
	}
}

// PrefixRejected returns "" when reject rules out none of the prefixes
// of in's heads (each direction cut at a grid of lengths and at every
// byte of its first 64), else which prefix it ruled out. Run it on heads
// the detector matches: a Reject must never rule out what more bytes turn
// into a match.
func PrefixRejected(in *detect.Input, reject detect.RejectFunc) string {
	cuts := func(n int) []int {
		var c []int
		for i := 0; i <= min(n, 64); i++ {
			c = append(c, i)
		}
		for _, i := range []int{128, 256, 512, 1024, 4096} {
			if i < n {
				c = append(c, i)
			}
		}
		return append(c, n)
	}
	for _, i := range cuts(len(in.C2S)) {
		for _, j := range cuts(len(in.S2C)) {
			p := *in
			p.C2S, p.S2C = in.C2S[:i], in.S2C[:j]
			if reject(&p) {
				return fmt.Sprintf("the prefix (%d, %d bytes) is ruled out", i, j)
			}
		}
	}
	return ""
}
