package compliance

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// termSafe drops control characters (terminal escape sequences from the
// wire) and keeps a cell on one line.
func termSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return '?'
		}
		return r
	}, s)
}

// WriteTable writes the report for a terminal: coverage, controls, systems,
// exposures, enforcement impact and findings. The full detail (remediation
// text, evidence, trend) is in the other formats.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var err error
	p := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(tw, format, a...)
		}
	}
	row := func(cells ...string) {
		for i := range cells {
			cells[i] = termSafe(cells[i])
		}
		p("%s\n", strings.Join(cells, "\t"))
	}
	p("COMPLIANCE REPORT %s to %s\n\n", termSafe(r.Period.From), termSafe(r.Period.Until))
	for _, kv := range coverageRows(r) {
		row(kv[0], kv[1])
	}
	p("\n%s\n\nCONTROLS\n", termSafe(r.Coverage.Statement))
	row("CONTROL", "STATUS", "EVIDENCE", "REQUIREMENTS")
	for _, c := range r.Controls {
		row(c.ID, statusWord[c.Status], fmt.Sprint(c.Evidence), strings.Join(c.Requirements, "; "))
	}
	p("\nIBM i SYSTEMS\n")
	row("SYSTEM", "SERVICE", "PORT", "PLAINTEXT", "TLS", "CLIENTS", "USERS", "TLS VERSIONS")
	for _, y := range r.Systems {
		for _, s := range y.Services {
			row(y.Address, s.Service, portText(s.Port), fmt.Sprint(s.Plaintext), fmt.Sprint(s.TLS),
				listed(s.Clients, s.ClientCount), listed(s.Users, s.UserCount), strings.Join(s.TLSVersions, ","))
		}
	}
	p("\nCREDENTIAL EXPOSURE\n")
	row("CLASS", "USER", "SYSTEM", "SERVICE", "CLIENTS", "FLOWS", "LAST SEEN")
	exposures, more := capRows(r.Exposures)
	for _, e := range exposures {
		row(e.Class, orDash(e.User), e.System, e.Service, listed(e.Clients, e.ClientCount), fmt.Sprint(e.Flows), e.LastSeen)
	}
	if more > 0 {
		p("%s\n", moreText(more))
	}
	p("\nENFORCEMENT IMPACT (who stops working under TLS only)\n")
	row("MEASURE", "SYSTEM", "SERVER", "CLIENTS", "USERS", "FLOWS")
	for _, x := range r.EnforcementImpact {
		row(x.Measure, x.System, x.Service, listed(x.Clients, x.ClientCount), listed(x.Users, x.UserCount), fmt.Sprint(x.Flows))
	}
	p("\nFINDINGS\n")
	row("SEVERITY", "KIND", "SYSTEM", "SERVICE", "FLOWS", "CLIENTS", "USERS", "REMEDY")
	findings, more := capRows(r.Findings)
	for _, g := range findings {
		row(g.Severity, g.Kind, g.System, g.Service, fmt.Sprint(g.Count), listed(g.Clients, g.ClientCount), listed(g.Users, g.UserCount), g.Remedy)
	}
	if more > 0 {
		p("%s\n", moreText(more))
	}
	if b := r.Baseline; b != nil {
		p("\nSINCE BASELINE %s: %d new, %d resolved, %d unchanged exposures\n", termSafe(b.File), len(b.New), len(b.Resolved), b.Unchanged)
	}
	if err != nil {
		return err
	}
	return tw.Flush()
}
