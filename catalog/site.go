package catalog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// ParseSite reads a site file (format in README.md):
//
//	[HOST] PORT[-PORT][/tcp|/udp] NAME [tls] [key=value ...]   # comment
//
// An entry naming a service known to base inherits its attributes (IBMi,
// TLS, twin, upgrade, TLSExpected, functions, description); the line's
// own words override them. name is used in error messages ("file:line: ...").
func ParseSite(name string, r io.Reader, base *Catalog) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	var out []Entry
	var fixedTwin []bool
	n := 0
	for sc.Scan() {
		n++
		e, twinPort, ok, err := parseSiteLine(sc.Text(), base)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if ok {
			out = append(out, e)
			fixedTwin = append(fixedTwin, twinPort)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	// A twin remapped in the same file ("10.1.2.3 18476 as-signon" and
	// "10.1.2.3 19476 as-signon-s") gets its port from there.
	for i := range out {
		if out[i].TLSTwin == "" || fixedTwin[i] {
			continue
		}
		for j := range out {
			if strings.EqualFold(out[j].Name, out[i].TLSTwin) && out[j].Host == out[i].Host && out[j].Proto == out[i].Proto {
				out[i].TLSTwinPort = out[j].Port
				break
			}
		}
	}
	return out, nil
}

// parseSiteLine returns the entry, whether twin-port= was given, and
// whether the line held an entry at all.
func parseSiteLine(line string, base *Catalog) (Entry, bool, bool, error) {
	words, err := splitWords(line)
	if err != nil || len(words) == 0 {
		return Entry{}, false, false, err
	}
	var host netip.Addr
	if a, err := netip.ParseAddr(words[0]); err == nil {
		if a.Zone() != "" {
			return Entry{}, false, false, fmt.Errorf("host %q: zones are not supported", words[0])
		}
		host, words = a.Unmap(), words[1:]
	}
	if len(words) < 2 {
		return Entry{}, false, false, errors.New("want [HOST] PORT[/tcp|/udp] NAME [tls] [key=value ...]")
	}
	portText, protoText, hasProto := strings.Cut(words[0], "/")
	lo, hi, err := parsePorts(portText)
	if err != nil {
		return Entry{}, false, false, err
	}
	svc := words[1]
	if err := checkName(svc); err != nil {
		return Entry{}, false, false, err
	}
	e := Entry{Name: svc, Description: "site entry", Proto: TCP}
	if base != nil {
		if known, ok := base.ByName(svc); ok {
			e = known
			e.Name = svc
			e.Trojan = false
		}
	}
	if hasProto {
		if e.Proto, err = parseProto(protoText); err != nil {
			return Entry{}, false, false, err
		}
	}
	e.Port, e.PortHigh, e.Host, e.Source = lo, hi, host, "site"
	twinPortSet := false
	for _, w := range words[2:] {
		if strings.EqualFold(w, "tls") {
			e.TLS = true
			continue
		}
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return Entry{}, false, false, fmt.Errorf("unexpected word %q (want tls or key=value)", w)
		}
		v = unquote(v)
		switch strings.ToLower(k) {
		case "tls":
			e.TLS, err = parseYes(v)
		case "ibmi":
			e.IBMi, err = parseYes(v)
		case "expect-tls":
			e.TLSExpected, err = parseYes(v)
		case "trojan":
			e.Trojan, err = parseYes(v)
		case "twin":
			if err = checkName(v); err == nil {
				e.TLSTwin, e.TLSTwinPort = v, 0
				if base != nil && !twinPortSet {
					if t, ok := base.ByName(v); ok {
						e.TLSTwinPort = t.Port
					}
				}
			}
		case "twin-port":
			e.TLSTwinPort, err = parsePort(v)
			twinPortSet = true
		case "upgrade":
			e.Upgrade = v
		case "desc", "description":
			e.Description = v
		case "notes":
			e.Notes = v
		case "functions":
			e.Functions = nil
			for _, f := range strings.Split(v, ";") {
				if f = strings.TrimSpace(f); f != "" {
					e.Functions = append(e.Functions, f)
				}
			}
		default:
			return Entry{}, false, false, fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return Entry{}, false, false, fmt.Errorf("%s: %w", k, err)
		}
	}
	return e, twinPortSet, true, nil
}

// checkName accepts service names as printed in flow records.
func checkName(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("bad service name %q", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.+", r)) {
			return fmt.Errorf("bad service name %q (letters, digits, - _ . + only)", s)
		}
	}
	return nil
}

// splitWords splits on blanks, keeps "double quoted" parts together and
// drops a # comment that starts a word.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for _, r := range line {
		switch {
		case inQuote:
			cur.WriteRune(r)
			if r == '"' {
				inQuote = false
			}
		case r == '"':
			cur.WriteRune(r)
			inQuote, inWord = true, true
		case r == ' ' || r == '\t' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '#' && !inWord:
			return words, nil
		default:
			if r < ' ' || r == 0x7f {
				return nil, fmt.Errorf("control character %q", r)
			}
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inQuote {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// unquote removes the double quotes of a key="value" value; there are no
// escapes, so a value cannot hold a double quote.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
