package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/ibmitap/ibmitap/catalog"
)

// Column widths (content only) for the ports table; with borders and
// padding the table fits in 120 columns. Cells are wrapped here, not by
// tablewriter, so the layout does not depend on its width heuristics.
var portsCols = [...]struct {
	head     string
	width    int
	maxLines int
}{
	{"PORT", 15, 3},
	{"NAME", 16, 3},
	{"IBM I", 5, 1},
	{"TLS", 16, 3},
	{"DESCRIPTION", 22, 4},
	{"FUNCTIONS", 16, 3},
	{"FLAGS", 7, 3},
}

// Ports writes catalog entries as a table: port(s)/protocol (and the host
// of a host-bound site entry), name, IBM i, TLS (yes, the TLS twin and its
// port, or the in-band upgrade), description, client functions and flags
// (trojan, site).
func Ports(w io.Writer, entries []catalog.Entry) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
	head := make([]any, len(portsCols))
	for i, c := range portsCols {
		head[i] = c.head
	}
	t.Header(head...)
	for _, e := range entries {
		cells := [len(portsCols)]string{
			portsPort(e), e.Name, portsYes(e.IBMi), portsTLS(e), portsDesc(e),
			strings.Join(e.Functions, ", "), portsFlags(e),
		}
		row := make([]any, len(cells))
		for i, s := range cells {
			row[i] = portsWrap(s, portsCols[i].width, portsCols[i].maxLines)
		}
		if err := t.Append(row...); err != nil {
			return fmt.Errorf("ports table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("ports table: %w", err)
	}
	return nil
}

func portsPort(e catalog.Entry) string {
	s := strconv.Itoa(int(e.Port))
	if e.PortHigh != e.Port {
		s += "-" + strconv.Itoa(int(e.PortHigh))
	}
	s += "/" + e.Proto.String()
	if e.Host.IsValid() {
		s += " @" + e.Host.String()
	}
	return s
}

// portsDesc adds the notes of a general-list entry, whose description is
// only the application's name ("GNUtella: peer-to-peer file sharing").
func portsDesc(e catalog.Entry) string {
	if e.Source != "general" {
		return e.Description
	}
	n := strings.TrimSpace(strings.ReplaceAll(e.Notes, "*", ""))
	if n == "" {
		return e.Description
	}
	return e.Description + ": " + n
}

func portsYes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// portsTLS says how the service is protected: "yes" for implicit TLS,
// else the TLS twin ("as-signon-s 9476") and/or the upgrade ("AUTH TLS").
func portsTLS(e catalog.Entry) string {
	if e.TLS {
		return "yes"
	}
	var parts []string
	if e.TLSTwin != "" {
		tw := e.TLSTwin
		if e.TLSTwinPort != 0 {
			tw += " " + strconv.Itoa(int(e.TLSTwinPort))
		}
		parts = append(parts, tw)
	}
	if e.Upgrade != "" {
		parts = append(parts, e.Upgrade)
	}
	return strings.Join(parts, "; ")
}

func portsFlags(e catalog.Entry) string {
	var f []string
	if e.Trojan {
		f = append(f, "trojan")
	}
	if e.Source == "site" {
		f = append(f, "site")
	}
	return strings.Join(f, " ")
}

// portsWrap word-wraps s to width runes per line, splits words longer
// than a line, and cuts after maxLines lines with an ellipsis.
func portsWrap(s string, width, maxLines int) string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for utf8.RuneCountInString(word) > width {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			r := []rune(word)
			lines = append(lines, string(r[:width]))
			word = string(r[width:])
		}
		switch {
		case cur == "":
			cur = word
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) <= width:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		last := []rune(lines[maxLines-1])
		if len(last) >= width {
			last = last[:width-1]
		}
		lines[maxLines-1] = string(last) + "…"
	}
	return strings.Join(lines, "\n")
}
