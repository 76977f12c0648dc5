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
	declared := map[string]bool{}
	n := 0
	for sc.Scan() {
		n++
		e, twinPort, ok, err := parseSiteLine(sc.Text(), base, declared)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if ok {
			out = append(out, e)
			fixedTwin = append(fixedTwin, twinPort)
			declared[strings.ToLower(e.Name)] = true
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
// whether the line held an entry at all. declared holds the (lower-case)
// names earlier lines of the file defined.
//
// A name the catalog does not know must be declared: the line carries at
// least one attribute (tls, desc=, twin=, ibmi= ...), or an earlier line
// declared it. A bare "PORT NAME" with an unknown name is a typo
// ("as-databse") and an error. A host is an IP address: host names are
// refused, not resolved (a capture's addresses are what they were, and a
// lookup at start-up would make the result depend on today's DNS).
func parseSiteLine(line string, base *Catalog, declared map[string]bool) (_ Entry, _ bool, _ bool, err error) {
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
	} else if hostName(words[0]) {
		return Entry{}, false, false, fmt.Errorf("host %q: use its IP address (host names are not resolved)", words[0])
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
		} else if len(words) == 2 && !declared[strings.ToLower(svc)] {
			defer func() { err = unknownName(base, svc, err) }()
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

// unknownName is the error of a bare line naming a service nobody
// declared, unless the line already failed for another reason.
func unknownName(base *Catalog, svc string, err error) error {
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("unknown service %q", svc)
	if near := base.nearestName(svc); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return errors.New(msg + "; a new service needs a declaration on its line, e.g. desc=\"...\" or twin=NAME-s")
}

// hostName reports whether w looks like a DNS name rather than a port or
// range: letters, digits, dots and hyphens with at least one dot and one
// letter.
func hostName(w string) bool {
	if !strings.Contains(w, ".") || strings.ContainsAny(w, "/:") {
		return false
	}
	letter := false
	for _, r := range w {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letter = true
		case r >= '0' && r <= '9', r == '.', r == '-':
		default:
			return false
		}
	}
	return letter
}

// nearestName returns the catalog's service name closest to name (at most
// two edits away), or "".
func (c *Catalog) nearestName(name string) string {
	best, bestD := "", 3
	for _, e := range c.All() {
		if d := editDistance(strings.ToLower(name), strings.ToLower(e.Name)); d < bestD {
			best, bestD = e.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
