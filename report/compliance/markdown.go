package compliance

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// mdEscape makes text taken from the wire (or any data) inert in Markdown:
// no markup, links, HTML or table breaks.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '<', '>', '~', '&':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString("\uFFFD")
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

type mdWriter struct {
	w   *bufio.Writer
	err error
}

func (m *mdWriter) p(format string, a ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, a...)
	}
}

// row writes one table row; every cell is escaped.
func (m *mdWriter) row(cells ...string) {
	for i := range cells {
		cells[i] = mdEscape(cells[i])
	}
	m.p("| %s |\n", strings.Join(cells, " | "))
}

func (m *mdWriter) head(cells ...string) {
	m.p("| %s |\n|%s\n", strings.Join(cells, " | "), strings.Repeat("---|", len(cells)))
}

// WriteMarkdown writes the report as Markdown, for tickets.
func WriteMarkdown(w io.Writer, r *Report) error {
	m := &mdWriter{w: bufio.NewWriter(w)}
	m.p("# IBM i plaintext and credential exposure report\n\n")
	m.p("Schema %s. Period %s to %s.", Schema, mdEscape(r.Period.From), mdEscape(r.Period.Until))
	if r.Redacted {
		m.p(" User profiles are replaced by keyed pseudonyms.")
	}
	m.p("\n\n## Scope and coverage\n\n")
	m.head("Item", "Value")
	for _, kv := range coverageRows(r) {
		m.row(kv[0], kv[1])
	}
	m.p("\n%s\n\n## Controls\n\n", mdEscape(r.Coverage.Statement))
	m.head("Control", "Status", "Evidence (flows)", "Requirements", "Verdict")
	for _, c := range r.Controls {
		m.row(c.ID+": "+c.Title, statusWord[c.Status], fmt.Sprint(c.Evidence), strings.Join(c.Requirements, "; "), c.Reason)
	}
	m.p("\n")
	for _, c := range r.Controls {
		m.p("- **%s**: %s\n", mdEscape(c.ID), mdEscape(c.Summary))
	}
	m.p("\n## IBM i systems\n\n")
	if len(r.Systems) == 0 {
		m.p("No IBM i system was seen.\n\n")
	}
	for _, y := range r.Systems {
		m.p("### %s\n\n%d flows: %d plaintext, %d TLS.\n\n", mdEscape(y.Address), y.Flows, y.Plaintext, y.TLS)
		m.head("Service", "Port", "Plaintext", "TLS", "No payload", "Bytes", "Clients", "Users", "TLS versions", "First seen", "Last seen")
		for _, s := range y.Services {
			m.row(s.Service, portText(s.Port), fmt.Sprint(s.Plaintext), fmt.Sprint(s.TLS), fmt.Sprint(s.NoPayload), fmt.Sprint(s.Bytes),
				listed(s.Clients, s.ClientCount), listed(s.Users, s.UserCount), strings.Join(s.TLSVersions, ", "), s.FirstSeen, s.LastSeen)
		}
		m.p("\n")
	}
	m.p("## Credential exposure\n\n")
	for _, class := range classes {
		m.p("### %s (`%s`)\n\n", classTitle[class], class)
		n := 0
		rows, more := capRows(exposuresOf(r, class))
		for _, e := range rows {
			if n == 0 {
				m.head("User", "System", "Service", "Mechanism", "Clients", "Flows", "First seen", "Last seen")
			}
			n++
			m.row(orDash(e.User), e.System, e.Service, strings.Join(e.Mechanisms, ", "), listed(e.Clients, e.ClientCount), fmt.Sprint(e.Flows), e.FirstSeen, e.LastSeen)
		}
		if n == 0 {
			m.p("None seen.\n")
		}
		if more > 0 {
			m.p("\n%s\n", moreText(more))
		}
		m.p("\n")
	}
	m.p("## Clients\n\n")
	m.head("Client", "IBM i functions (inferred)", "Services", "Plaintext services", "Users", "Flows")
	clients, more := capRows(r.Clients)
	for _, c := range clients {
		m.row(c.Address, strings.Join(c.Functions, "; "), strings.Join(c.Services, ", "), strings.Join(c.Plaintext, ", "), listed(c.Users, c.UserCount), fmt.Sprint(c.Flows))
	}
	if more > 0 {
		m.p("\n%s\n", moreText(more))
	}
	m.p("\n## Enforcement impact\n\nWhat stops working if TLS only were enforced today, per server.\n\n")
	if len(r.EnforcementImpact) == 0 {
		m.p("Nothing: no plaintext use of a server that a TLS-only setting would close.\n")
	} else {
		m.head("Measure", "System", "Server", "Port", "Clients", "Users", "Plaintext flows", "Last seen", "Note")
		impact, more := capRows(r.EnforcementImpact)
		for _, x := range impact {
			m.row(x.Measure, x.System, x.Service, portText(x.Port), listed(x.Clients, x.ClientCount), listed(x.Users, x.UserCount), fmt.Sprint(x.Flows), x.LastSeen, impactNote(x))
		}
		if more > 0 {
			m.p("\n%s\n", moreText(more))
		}
	}
	m.p("\n## Findings\n\n")
	findings, moreFindings := capRows(r.Findings)
	m.head("Severity", "Kind", "System", "Service", "Flows", "Clients", "Users", "Remedy")
	for _, g := range findings {
		m.row(g.Severity, g.Kind, g.System, g.Service, fmt.Sprint(g.Count), listed(g.Clients, g.ClientCount), listed(g.Users, g.UserCount), g.Remedy)
	}
	if moreFindings > 0 {
		m.p("\n%s\n", moreText(moreFindings))
	}
	m.p("\n## Remediation\n\n")
	for _, x := range r.Remediation {
		m.p("### %s (`%s`)\n\nApplies to: %s (%s).\n\n", mdEscape(x.Title), x.ID, mdEscape(strings.Join(x.Targets, ", ")), mdEscape(strings.Join(x.Kinds, ", ")))
		for i, s := range x.Steps {
			m.p("%d. %s\n", i+1, mdEscape(s))
		}
		for _, s := range x.Cautions {
			m.p("\n> Caution: %s\n", mdEscape(s))
		}
		m.p("\n")
	}
	m.p("## Trend\n\n")
	m.head(append([]string{"Date (UTC)", "Plaintext flows", "TLS flows"}, severitiesDesc...)...)
	for _, d := range r.Trend {
		cells := []string{d.Date, fmt.Sprint(d.Plaintext), fmt.Sprint(d.TLS)}
		for _, s := range severitiesDesc {
			cells = append(cells, fmt.Sprint(d.Findings[s]))
		}
		m.row(cells...)
	}
	m.p("\n## Evidence\n\nThe earliest flows of each finding group.\n\n")
	m.head("Severity", "Kind", "System", "Service", "Community ID", "Client", "Server", "First seen", "Last seen", "Capture")
	for _, g := range findings {
		for _, s := range g.Samples {
			m.row(g.Severity, g.Kind, g.System, g.Service, s.CommunityID, s.Client, s.Server, s.FirstSeen, s.LastSeen, evidenceText(s))
		}
	}
	if b := r.Baseline; b != nil {
		m.p("\n## Change since the baseline\n\nBaseline %s (%s to %s): %d new, %d resolved, %d unchanged exposures.\n\n",
			mdEscape(b.File), mdEscape(b.Period.From), mdEscape(b.Period.Until), len(b.New), len(b.Resolved), b.Unchanged)
		m.head("Change", "Class", "User", "System", "Service", "Flows")
		for _, e := range b.New {
			m.row("new", e.Class, orDash(e.User), e.System, e.Service, fmt.Sprint(e.Flows))
		}
		for _, e := range b.Resolved {
			m.row("resolved", e.Class, orDash(e.User), e.System, e.Service, fmt.Sprint(e.Flows))
		}
	}
	if m.err != nil {
		return m.err
	}
	return m.w.Flush()
}

func impactNote(x Impact) string {
	if x.Loopback {
		return "loopback clients: IBM i web tools (Navigator, Web Administration, DCM) use these ports locally and stop too"
	}
	return ""
}
