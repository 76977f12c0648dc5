package catalog

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed data/ibmi.txt
var ibmiData string

//go:embed data/general.tsv
var generalData string

// parseIBMi reads the hand-curated IBM i file (data/ibmi.txt): "|"-separated
// columns, "#" comments. Twin ports are resolved from the twin's own row.
func parseIBMi(name, text string) ([]Entry, error) {
	var out []Entry
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 12 {
			return nil, fmt.Errorf("%s:%d: want 12 fields, have %d", name, n+1, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		e := Entry{Name: f[0], Upgrade: f[6], Description: f[9], Notes: f[10], Source: "ibmi"}
		var err error
		if e.Port, e.PortHigh, err = parsePorts(f[1]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
		}
		if e.Proto, err = parseProto(f[2]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
		}
		if e.IBMi, err = parseYes(f[3]); err != nil {
			return nil, fmt.Errorf("%s:%d: ibmi: %w", name, n+1, err)
		}
		if e.TLS, err = parseYes(f[4]); err != nil {
			return nil, fmt.Errorf("%s:%d: tls: %w", name, n+1, err)
		}
		e.TLSTwin = f[5]
		if e.TLSExpected, err = parseYes(f[7]); err != nil {
			return nil, fmt.Errorf("%s:%d: expect: %w", name, n+1, err)
		}
		if f[8] != "" {
			e.Functions = strings.Split(f[8], ";")
		}
		if e.Name == "" || f[11] == "" {
			return nil, fmt.Errorf("%s:%d: name and source are required", name, n+1)
		}
		out = append(out, e)
	}
	for i := range out {
		if out[i].TLSTwin == "" {
			continue
		}
		t := findName(out, out[i].TLSTwin)
		if t < 0 {
			return nil, fmt.Errorf("%s: %s: twin %q has no row", name, out[i].Name, out[i].TLSTwin)
		}
		out[i].TLSTwinPort = out[t].Port
	}
	return out, nil
}

// parseGeneral reads the generated general list (data/general.tsv).
func parseGeneral(name, text string) ([]Entry, error) {
	var out []Entry
	for n, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 8 {
			return nil, fmt.Errorf("%s:%d: want 8 fields, have %d", name, n+1, len(f))
		}
		e := Entry{Name: f[0], Source: f[5], Description: f[6], Notes: f[7]}
		var err error
		if e.Proto, err = parseProto(f[1]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
		}
		if e.Port, e.PortHigh, err = parsePorts(f[2]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
		}
		if e.Trojan, err = parseYes(f[3]); err != nil {
			return nil, fmt.Errorf("%s:%d: trojan: %w", name, n+1, err)
		}
		if e.TLS, err = parseYes(f[4]); err != nil {
			return nil, fmt.Errorf("%s:%d: tls: %w", name, n+1, err)
		}
		if e.Source != "general" && e.Source != "iana" {
			return nil, fmt.Errorf("%s:%d: unknown source %q", name, n+1, e.Source)
		}
		out = append(out, e)
	}
	return out, nil
}

func findName(es []Entry, name string) int {
	for i := range es {
		if strings.EqualFold(es[i].Name, name) {
			return i
		}
	}
	return -1
}

// parsePorts reads "N" or "N-M".
func parsePorts(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err = parsePort(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err = parsePort(b)
	if err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("bad port range %q", s)
	}
	return lo, hi, nil
}

func parsePort(s string) (uint16, error) {
	if s == "" || len(s) > 5 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("bad port %q", s)
	}
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return uint16(v), nil
}

func parseProto(s string) (Proto, error) {
	switch strings.ToLower(s) {
	case "tcp":
		return TCP, nil
	case "udp":
		return UDP, nil
	}
	return 0, fmt.Errorf("bad protocol %q (want tcp or udp)", s)
}

func parseYes(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "1":
		return true, nil
	case "no", "n", "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("bad yes/no value %q", s)
}

// String returns "tcp", "udp" or the protocol number.
func (p Proto) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return strconv.Itoa(int(p))
}
