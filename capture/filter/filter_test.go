package filter

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func vmFor(t testing.TB, expr string, target Target) *bpf.VM {
	t.Helper()
	prog, err := Compile(expr, target)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatalf("%q: vm: %v", expr, err)
	}
	return vm
}

// TestVerdicts checks each expression against hand-made frames whose
// expected verdicts follow from tcpdump's documented meaning.
func TestVerdicts(t *testing.T) {
	frames := synthFrames(t)
	cases := []struct {
		expr string
		want []string // names of the matching frames
	}{
		{"", names(frames)},
		{"tcp", []string{"v4 tcp 1234>80", "v4 tcp 8471>50000", "v4 options tcp 80", "v4 non-first fragment", "v6 tcp 80", "v6 frag tcp"}},
		{"udp", []string{"v4 udp 53", "v4 first fragment udp 53", "v6 udp 53"}},
		{"ip6", []string{"v6 tcp 80", "v6 udp 53", "v6 frag tcp"}},
		{"port 80", []string{"v4 tcp 1234>80", "v4 options tcp 80", "v4 sctp 80", "v6 tcp 80"}},
		{"tcp dst port 80", []string{"v4 tcp 1234>80", "v4 options tcp 80", "v6 tcp 80"}},
		{"src port 53", []string{"v4 first fragment udp 53", "v6 udp 53"}},
		{"portrange 8000-8500", []string{"v4 tcp 8471>50000"}},
		{"host 10.0.0.1", []string{"v4 tcp 1234>80", "v4 options tcp 80", "v4 non-first fragment", "v4 first fragment udp 53", "v4 icmp", "v4 sctp 80", "arp 10.0.0.1>10.0.0.9"}},
		{"ip host 10.0.0.9", nil},
		{"dst host 10.0.0.9", []string{"arp 10.0.0.1>10.0.0.9"}},
		{"net 10.1.0.0/16 or net 172.16.0.0/12", []string{"v4 tcp 8471>50000", "v4 udp 53"}},
		{"src net 2001:db8::/32", []string{"v6 tcp 80", "v6 udp 53", "v6 frag tcp"}},
		{"host fe80::1", []string{"v6 udp 53"}},
		{"vlan", []string{"vlan 100 v4 tcp 80", "vlan 200 v6 udp", "qinq 10/20 v4 tcp"}},
		{"vlan 100 and tcp port 80", []string{"vlan 100 v4 tcp 80"}},
		{"vlan 10 and vlan 20 and tcp", []string{"qinq 10/20 v4 tcp"}},
		{"vlan 200 && udp && port 53", []string{"vlan 200 v6 udp"}},
		{"not ip and not ip6", []string{"vlan 100 v4 tcp 80", "vlan 200 v6 udp", "qinq 10/20 v4 tcp", "arp 10.0.0.1>10.0.0.9"}}, // a load past the end rejects
		{"tcp port 80 or 53", []string{"v4 tcp 1234>80", "v4 options tcp 80", "v6 tcp 80"}},
		{"port 80 or 53", []string{"v4 tcp 1234>80", "v4 udp 53", "v4 options tcp 80", "v4 first fragment udp 53", "v4 sctp 80", "v6 tcp 80", "v6 udp 53"}},
		// and/or bind equally, left to right: (tcp or udp) and port 53.
		{"tcp or udp and port 53", []string{"v4 udp 53", "v4 first fragment udp 53", "v6 udp 53"}},
		{"tcp or (udp and port 53)", []string{"v4 tcp 1234>80", "v4 tcp 8471>50000", "v4 udp 53", "v4 options tcp 80", "v4 non-first fragment", "v4 first fragment udp 53", "v6 tcp 80", "v6 udp 53", "v6 frag tcp"}},
		{"!tcp && !udp", []string{"v4 icmp", "v4 sctp 80", "vlan 100 v4 tcp 80", "vlan 200 v6 udp", "qinq 10/20 v4 tcp", "arp 10.0.0.1>10.0.0.9"}},
		{"host 10.0.0.2 and not port 80", []string{"v4 udp 53", "v4 non-first fragment", "v4 first fragment udp 53", "v4 icmp"}},
	}
	for _, c := range cases {
		vm := vmFor(t, c.expr, Frames)
		var got []string
		for _, f := range frames {
			if verdict(t, vm, f.data) {
				got = append(got, f.name)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q matched\n %q\nwant\n %q", c.expr, got, c.want)
		}
	}
}

func names(fs []frame) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.name)
	}
	return out
}

// TestLongProgram forces conditional jumps beyond 255 instructions, which
// must go through trampolines.
func TestLongProgram(t *testing.T) {
	var parts []string
	for i := 0; i < 80; i++ {
		parts = append(parts, fmt.Sprintf("host 2001:db8::%x", i+100))
	}
	parts = append(parts, "host 10.0.0.1")
	expr := strings.Join(parts, " or ")
	prog, err := Compile(expr, Frames)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) < 600 {
		t.Fatalf("program has %d instructions; the test needs long jumps", len(prog))
	}
	vm := vmFor(t, expr, Frames)
	for _, f := range synthFrames(t) {
		want := strings.HasPrefix(f.name, "v4") && f.name != "v4 tcp 8471>50000" && f.name != "v4 udp 53" || strings.HasPrefix(f.name, "arp")
		if got := verdict(t, vm, f.data); got != want {
			t.Errorf("%s: verdict %v, want %v", f.name, got, want)
		}
	}
}

func TestSocketTarget(t *testing.T) {
	prog, err := Compile("vlan 100 and tcp", Socket)
	if err != nil {
		t.Fatal(err)
	}
	var ext []bpf.Extension
	for _, i := range prog {
		if e, ok := i.(bpf.LoadExtension); ok {
			ext = append(ext, e.Num)
		}
		// The kernel removed the tag: tcp still reads the EtherType at 12.
		if l, ok := i.(bpf.LoadAbsolute); ok && l.Size == 2 && l.Off == 16 {
			t.Errorf("socket program reads a shifted EtherType: %v", prog)
		}
	}
	if !slices.Equal(ext, []bpf.Extension{bpf.ExtVLANTagPresent, bpf.ExtVLANTag}) {
		t.Errorf("extensions %v", ext)
	}
	if _, err := CompileRaw("tcp port 80", Socket); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"icmp", "filter: 'icmp' is outside the pure-Go subset (host, net, port, portrange, tcp, udp, ip, ip6, vlan, and/or/not); build with -tags pcap for full tcpdump syntax"},
		{"tcp and ether host 1:2:3:4:5:6", "filter: 'ether' is outside the pure-Go subset"},
		{"tcp[13] & 2 != 0", "filter: 'tcp[13]' is outside the pure-Go subset"},
		{"host example.com", "filter: host 'example.com': give an address"},
		{"port http", "filter: port 'http' is not a number 0-65535"},
		{"port 70000", "filter: port '70000' is not a number 0-65535"},
		{"portrange 10", "filter: portrange '10' is not LOW-HIGH"},
		{"net 10.1.2.3/8", "filter: net '10.1.2.3/8' has bits set outside the /8 mask"},
		{"vlan 5000", "filter: vlan ID '5000' is not a number 0-4095"},
		{"(tcp", "filter: syntax error at the end of the expression: expected ')'"},
		{"tcp)", "filter: syntax error at ')' (offset 3): expected and, or or the end"},
		{"tcp and", "filter: syntax error at the end of the expression: expected a primitive"},
		{"host", "filter: syntax error at the end of the expression: expected a value after 'host'"},
		{"src and tcp", "filter: syntax error at 'and' (offset 4): expected host, net, port, portrange or a value"},
		{"port 80 or 1.2.3.4.5", "filter: port '1.2.3.4.5' is not a number 0-65535"},
		{"tcp host 1.2.3.4", "filter: 'tcp host' is not valid"},
		{"ip6 host 1.2.3.4", "the address family does not match ip6"},
		{"10.0.0.1", "filter: syntax error at '10.0.0.1' (offset 0): expected host, net, port or portrange before a value"},
		{"tcp & udp", "filter: syntax error at '&' (offset 4): expected and, or or the end"},
	}
	for _, c := range cases {
		_, err := Compile(c.expr, Frames)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.expr, err, c.want)
		}
	}
}

func TestParseDump(t *testing.T) {
	// "ip6 and tcp" in tcpdump -ddd form, as libpcap compiles it.
	good := "9\n40 0 0 12\n21 0 6 34525\n48 0 0 20\n21 3 0 6\n21 0 3 44\n48 0 0 54\n21 0 1 6\n6 0 0 262144\n6 0 0 0\n"
	prog, err := ParseDump(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) != 9 {
		t.Fatalf("%d instructions", len(prog))
	}
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatal("does not disassemble")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range synthFrames(t) {
		want := f.name == "v6 tcp 80" || f.name == "v6 frag tcp"
		if got := verdict(t, vm, f.data); got != want {
			t.Errorf("%s: %v", f.name, got)
		}
	}
	if FormatDump(prog) != good {
		t.Errorf("FormatDump does not give back the file:\n%s", FormatDump(prog))
	}
	path := filepath.Join(t.TempDir(), "f.bpf")
	os.WriteFile(path, []byte(good), 0o644)
	if _, err := ReadDumpFile(path); err != nil {
		t.Fatal(err)
	}
	bad := []struct{ in, want string }{
		{"", "empty: no instruction count"},
		{"x\n", "line 1: want the instruction count"},
		{"2\n6 0 0 1\n", "1 instructions, but the count line says 2"},
		{"1\n6 0 0 1\n6 0 0 1\n", "line 3: more instructions than the count 1"},
		{"1\n6 0 0\n", "line 2: want \"code jt jf k\""},
		{"1\n6 0 300 1\n", "line 2: field 3 \"300\" is not a 8-bit decimal number"},
		{"2\n21 0 1 6\n6 0 0 1\n", "instruction 0 jumps past the end"},
		{"2\n5 0 0 1\n6 0 0 1\n", "instruction 0 jumps past the end"},
		{"1\n40 0 0 12\n", "the last instruction is not a return"},
	}
	for _, b := range bad {
		if _, err := ParseDump(strings.NewReader(b.in)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: error %v, want %q", b.in, err, b.want)
		}
	}
	if _, err := ReadDumpFile(filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "bpf file: open") {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(path, []byte("x"), 0o644)
	if _, err := ReadDumpFile(path); err == nil || !strings.Contains(err.Error(), path+": line 1") {
		t.Errorf("bad file error does not name it: %v", err)
	}
}
