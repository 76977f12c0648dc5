package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// row is one table row of the general port list as printed (seed 004).
type row struct {
	Name    string // as printed
	TCP     string // TCP column as printed ("" when empty)
	UDP     string // UDP column as printed
	Notes   string
	Section string // section heading for tables without protocol columns
}

// rec is one catalog record derived from a row: one port or range on one protocol.
type rec struct {
	Name, Proto   string
	Port, High    int
	Trojan, TLS   bool
	Description   string
	Notes, Source string
}

// table header layouts found on the page.
var headers = []struct {
	cols []string
	kind string // "tcpudp", "ports" (protocol not stated), "tcp"
}{
	{[]string{"Service", "TCP", "UDP", "Notes"}, "tcpudp"},
	{[]string{"Service", "Ports", "Notes"}, "ports"},
	{[]string{"Service", "TCP Port", "Notes"}, "tcp"},
}

var (
	reSingle = regexp.MustCompile(`^(\d+)$`)
	reRange  = regexp.MustCompile(`^(\d+)\s*(?:-|to)\s*(\d+)(\s*\?)?$`)
	rePlus   = regexp.MustCompile(`^(\d+)\+$`)
	// a port column may also hold a reference to another row ("RTSP",
	// "H.323 HostCall"), "dyn >=1024", "selected", "user-specified".
	reWordy  = regexp.MustCompile(`^(?:dyn\s*>=\s*\d+(?:\s*<=\s*\d+)?|[A-Za-z][A-Za-z0-9.\- ]{0,20})$`)
	reTrojan = regexp.MustCompile(`(?i)used by trojan`)
	reSlug   = regexp.MustCompile(`[^a-z0-9]+`)
	reAcro   = regexp.MustCompile(`^([A-Z][A-Za-z0-9]{1,7}) - (.+)$`)
)

// portLike reports whether a column can be a port column (empty counts).
func portLike(s string) bool {
	if s == "" {
		return true
	}
	for _, t := range strings.Split(s, ",") {
		t, _ = primary(t)
		if !(reSingle.MatchString(t) || reRange.MatchString(t) || rePlus.MatchString(t) ||
			reWordy.MatchString(t)) {
			return false
		}
	}
	return true
}

// parseRows reads the tables of the line-per-cell rendering (seed 004):
// after a header, each row is one line per column followed by a blank
// line; a table ends at the first group whose port columns are empty or
// not ports.
func parseRows(text string) []row {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	var rows []row
	for i := 0; i < len(lines); i++ {
		kind, n := "", 0
		for _, h := range headers {
			if i+len(h.cols) <= len(lines) && equal(lines[i:i+len(h.cols)], h.cols) {
				kind, n = h.kind, len(h.cols)
				break
			}
		}
		if kind == "" {
			continue
		}
		section := heading(lines, i)
		j := i + n
		if j < len(lines) && lines[j] == "" {
			j++
		}
		for j+n <= len(lines) {
			g := lines[j : j+n]
			if g[0] == "" || (j+n < len(lines) && lines[j+n] != "") {
				break
			}
			var r row
			r.Name, r.Section = g[0], section
			switch kind {
			case "tcpudp":
				r.TCP, r.UDP, r.Notes = g[1], g[2], g[3]
			case "tcp":
				r.TCP, r.Notes = g[1], g[2]
			case "ports":
				r.TCP, r.Notes = g[1], g[2]
			}
			if (r.TCP == "" && r.UDP == "") || !portLike(r.TCP) || !portLike(r.UDP) {
				break
			}
			if kind == "ports" {
				r.Notes = strings.TrimSpace(r.Notes + " (protocol not stated in the source; listed as TCP)")
			}
			rows = append(rows, r)
			j += n + 1
		}
		i = j - 1
	}
	return append(rows, napster(lines)...)
}

// napster reads the bullet list of the Napster section ("· client: 6600
// to 6699 (primary)"), the only ports the page gives outside a table.
func napster(lines []string) []row {
	var rows []row
	in := false
	for _, l := range lines {
		switch {
		case l == "Napster":
			in = true
		case l == "PalTalk":
			in = false
		case in && strings.HasPrefix(l, "·"):
			body := strings.TrimSpace(strings.TrimPrefix(l, "·"))
			k := strings.LastIndex(body, ": ")
			if k < 0 {
				continue
			}
			ports := strings.TrimSpace(body[k+2:])
			if ports == "" || ports[0] < '0' || ports[0] > '9' || !portLike(ports) {
				continue
			}
			rows = append(rows, row{Name: "Napster " + body[:k], TCP: ports,
				Notes: "Napster TCP ports (summary of the Napster section)", Section: "Napster"})
		}
	}
	return rows
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// heading finds the section title above a table: the nearest preceding
// short line that is not a sentence.
func heading(lines []string, i int) string {
	for k := i - 1; k >= 0; k-- {
		l := lines[k]
		if l == "" || len(l) > 40 {
			continue
		}
		if c := l[len(l)-1]; c == '.' || c == '?' || c == ':' {
			continue
		}
		return l
	}
	return ""
}

// name derives a service name: "SMTPs - secure SMTP" -> "smtps"; other
// names are slugged ("GNUtella" -> "gnutella", "LPD / printer" -> "lpd-printer").
func name(r row) (string, string) {
	n := r.Name
	if r.Section == "Ultima Online" {
		n = "Ultima Online " + n
	}
	if m := reAcro.FindStringSubmatch(n); m != nil {
		return strings.ToLower(m[1]), n
	}
	return strings.Trim(reSlug.ReplaceAllString(strings.ToLower(n), "-"), "-"), n
}

// records turns the rows into catalog records, one per port or range and
// protocol. Column text that is not a fixed port (references to other
// rows, "dyn >=1024", "5800+") is kept in the notes.
func records(rows []row) ([]rec, []string, error) {
	var out []rec
	var skipped []string
	for _, r := range rows {
		nm, desc := name(r)
		all := r.Name + " " + r.Notes
		trojan := reTrojan.MatchString(all)
		lower := strings.ToLower(all)
		tls := strings.Contains(lower, "secure") && (strings.Contains(all, "SSL") || strings.Contains(all, "TLS"))
		var extra []string
		n0 := len(out)
		for _, col := range []struct{ proto, text string }{{"tcp", r.TCP}, {"udp", r.UDP}} {
			if col.text == "" {
				continue
			}
			odd := false
			for _, t := range strings.Split(col.text, ",") {
				t = strings.TrimSpace(t)
				lo, hi, exact, err := portSpec(t)
				if err != nil {
					return nil, nil, fmt.Errorf("row %q: %w", r.Name, err)
				}
				if !exact {
					odd = true
				}
				if lo < 0 {
					continue
				}
				out = append(out, rec{Name: nm, Proto: col.proto, Port: lo, High: hi, Trojan: trojan,
					TLS: tls, Description: desc, Source: "general"})
			}
			if odd {
				extra = append(extra, strings.ToUpper(col.proto)+" listed as: "+col.text)
			}
		}
		notes := strings.TrimSpace(r.Notes)
		if len(extra) > 0 {
			notes = strings.TrimSpace(notes + " [" + strings.Join(extra, "; ") + "]")
		}
		for k := n0; k < len(out); k++ {
			out[k].Notes = notes
		}
		if len(out) == n0 {
			skipped = append(skipped, fmt.Sprintf("%s (TCP %q, UDP %q)", r.Name, r.TCP, r.UDP))
		}
	}
	return out, skipped, nil
}

// portSpec parses one port token; lo < 0 means no fixed port, exact=false
// that the token says more than the record can hold.
func portSpec(t string) (lo, hi int, exact bool, err error) {
	t, prim := primary(t)
	lo, hi, exact, err = portSpec1(t)
	return lo, hi, exact && !prim, err
}

// primary strips the Napster section's "(primary)" marker.
func primary(t string) (string, bool) {
	t = strings.TrimSpace(t)
	s := strings.TrimSpace(strings.TrimSuffix(t, "(primary)"))
	return s, s != t
}

func portSpec1(t string) (lo, hi int, exact bool, err error) {
	num := func(s string) (int, error) {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > 65535 {
			return 0, fmt.Errorf("bad port %q", s)
		}
		return v, nil
	}
	if m := reSingle.FindStringSubmatch(t); m != nil {
		v, err := num(m[1])
		return v, v, true, err
	}
	if m := reRange.FindStringSubmatch(t); m != nil {
		a, err := num(m[1])
		if err != nil {
			return 0, 0, false, err
		}
		b, err := num(m[2])
		if err != nil || b < a {
			return 0, 0, false, fmt.Errorf("bad range %q", t)
		}
		return a, b, m[3] == "", nil
	}
	if m := rePlus.FindStringSubmatch(t); m != nil {
		v, err := num(m[1])
		return v, v, false, err
	}
	return -1, -1, false, nil
}
