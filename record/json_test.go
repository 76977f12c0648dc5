package record

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every golden flow (and run) line decodes and encodes back to the same bytes: the
// decoder loses no field the writer knows.
func TestGoldenRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	lines := 0
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecoder(name, bytes.NewReader(raw))
		var out []byte
		for {
			l, err := d.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%v", err)
			}
			switch {
			case l.Flow != nil:
				out = AppendFlow(out, l.Flow)
				lines++
			case l.Run != nil:
				out = AppendRun(out, l.Run) // read's output ends with its run summary
			default:
				t.Fatalf("%s:%d: not a flow or run line", name, l.Number)
			}
		}
		if !bytes.Equal(out, raw) {
			t.Errorf("%s: re-encoded lines differ from the file", name)
		}
	}
	if lines == 0 {
		t.Fatal("no lines read")
	}
}

// A broken line is named by its number and the lines after it are still read.
func TestDecoderBrokenLine(t *testing.T) {
	in := `{"schema":"ibmitap.flow/1","service":"telnet"}
{"schema":"ibmitap.flow/1","service":
{"schema":"ibmitap.finding/1","kind":"cleartext_password","severity":"critical","user":"BOB"}

{"schema":"ibmitap.run/1","inputs":["a.pcap"],"packets":3}
{"schema":"ibmitap.other/9"}
`
	d := NewDecoder("x.jsonl", strings.NewReader(in))
	var got []string
	for {
		l, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *LineError
		switch {
		case errors.As(err, &le):
			got = append(got, "err:"+err.Error())
		case err != nil:
			t.Fatal(err)
		case l.Flow != nil:
			got = append(got, "flow:"+l.Flow.Service)
		case l.Event != nil:
			got = append(got, "event:"+l.Event.Kind+":"+l.Event.User)
		case l.Run != nil:
			got = append(got, "run:"+l.Run.Inputs[0])
		}
	}
	want := []string{"flow:telnet", "err:x.jsonl: line 2: not a JSON object", "event:cleartext_password:BOB", "run:a.pcap", "err:x.jsonl: line 6: unknown schema"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: got %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestSeverityRank(t *testing.T) {
	if !(SeverityRank("critical") > SeverityRank("HIGH") && SeverityRank("high") > SeverityRank("info") && SeverityRank("info") > SeverityRank("bogus")) {
		t.Fatal("severity order broken")
	}
	f := Flow{Findings: []Finding{{Severity: "low"}, {Severity: "critical"}, {Severity: "high"}}}
	if f.Worst() != "critical" {
		t.Fatalf("worst = %q", f.Worst())
	}
	if (&Flow{Server: "[2001:db8::1]:9471"}).ServerAddr() != "2001:db8::1" {
		t.Fatal("server address of an IPv6 endpoint")
	}
}

func TestDecodeLine(t *testing.T) {
	l, err := DecodeLine([]byte(` {"schema":"ibmitap.run/1","sensor":"a","inputs":[]}` + "\n"))
	if err != nil || l.Run == nil || l.Run.Sensor != "a" {
		t.Fatalf("run: %+v %v", l, err)
	}
	for _, bad := range []string{"", "null", "{}", `{"schema":"x"}`, `{"schema":"ibmitap.flow/1","packets_c2s":-1}`} {
		if _, err := DecodeLine([]byte(bad)); err == nil {
			t.Errorf("DecodeLine(%q) accepted", bad)
		}
	}
}
