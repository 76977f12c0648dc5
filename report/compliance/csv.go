package compliance

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// defuse keeps a spreadsheet from running a cell as a formula: text
// starting with = + - @ (or a tab or CR) gets a leading apostrophe.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the report as one CSV stream: every row starts with its
// section name, and each section opens with a header row whose first cell
// is "section". Lists inside a cell are joined with "; ".
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	n := func(v any) string { return fmt.Sprint(v) }
	j := func(s []string) string { return strings.Join(s, "; ") }
	section := func(name string, header []string, rows [][]string) {
		cw.Write(append([]string{"section"}, header...))
		for _, row := range rows {
			for i := range row {
				row[i] = defuse(row[i])
			}
			cw.Write(append([]string{name}, row...))
		}
	}
	var rows [][]string
	rows = append(rows, []string{"schema", r.Schema}, []string{"from", r.Period.From}, []string{"until", r.Period.Until},
		[]string{"statement", r.Coverage.Statement})
	for _, kv := range coverageRows(r) {
		rows = append(rows, []string{kv[0], kv[1]})
	}
	section("coverage", []string{"item", "value"}, rows)

	rows = nil
	for _, c := range r.Controls {
		rows = append(rows, []string{c.ID, c.Title, c.Status, n(c.Evidence), n(c.Assessed), j(c.Requirements), c.Reason})
	}
	section("controls", []string{"id", "title", "status", "evidence", "assessed", "requirements", "reason"}, rows)

	rows = nil
	for _, y := range r.Systems {
		for _, s := range y.Services {
			rows = append(rows, []string{y.Address, s.Service, n(s.Port), n(s.Flows), n(s.Plaintext), n(s.TLS), n(s.NoPayload), n(s.Bytes),
				n(s.ClientCount), j(s.Clients), n(s.UserCount), j(s.Users), j(s.TLSVersions), s.FirstSeen, s.LastSeen})
		}
	}
	section("systems", []string{"system", "service", "port", "flows", "plaintext", "tls", "no_payload", "bytes",
		"client_count", "clients", "user_count", "users", "tls_versions", "first_seen", "last_seen"}, rows)

	rows = nil
	for _, e := range r.Exposures {
		rows = append(rows, []string{e.Class, e.User, e.System, e.Service, j(e.Mechanisms), n(e.ClientCount), j(e.Clients), n(e.Flows), e.FirstSeen, e.LastSeen})
	}
	section("exposures", []string{"class", "user", "system", "service", "mechanisms", "client_count", "clients", "flows", "first_seen", "last_seen"}, rows)

	rows = nil
	for _, c := range r.Clients {
		rows = append(rows, []string{c.Address, n(c.Flows), j(c.Functions), j(c.Services), j(c.Plaintext), n(c.UserCount), j(c.Users), c.FirstSeen, c.LastSeen})
	}
	section("clients", []string{"address", "flows", "functions", "services", "plaintext", "user_count", "users", "first_seen", "last_seen"}, rows)

	rows = nil
	for _, x := range r.EnforcementImpact {
		rows = append(rows, []string{x.Measure, x.Remedy, x.System, x.Service, n(x.Port), n(x.Flows), n(x.ClientCount), j(x.Clients),
			n(x.UserCount), j(x.Users), n(x.Loopback), x.LastSeen})
	}
	section("enforcement_impact", []string{"measure", "remedy", "system", "service", "port", "flows", "client_count", "clients",
		"user_count", "users", "loopback", "last_seen"}, rows)

	rows = nil
	var samples [][]string
	for _, g := range r.Findings {
		rows = append(rows, []string{g.Severity, g.Kind, g.System, g.Service, n(g.Count), n(g.ClientCount), j(g.Clients),
			n(g.UserCount), j(g.Users), g.FirstSeen, g.LastSeen, g.Remedy})
		for _, s := range g.Samples {
			fp := ""
			if s.File != "" {
				fp = n(s.FirstPacket)
			}
			samples = append(samples, []string{g.Severity, g.Kind, g.System, g.Service, s.CommunityID, s.Client, s.Server, s.Sensor,
				s.FirstSeen, s.LastSeen, s.File, fp})
		}
	}
	section("findings", []string{"severity", "kind", "system", "service", "count", "client_count", "clients",
		"user_count", "users", "first_seen", "last_seen", "remedy"}, rows)
	section("evidence", []string{"severity", "kind", "system", "service", "community_id", "client", "server", "sensor",
		"first_seen", "last_seen", "file", "first_packet"}, samples)

	rows = nil
	for _, x := range r.Remediation {
		rows = append(rows, []string{x.ID, x.Title, j(x.Targets), j(x.Kinds), strings.Join(x.Steps, " / "), strings.Join(x.Cautions, " / ")})
	}
	section("remediation", []string{"id", "title", "targets", "kinds", "steps", "cautions"}, rows)

	rows = nil
	for _, d := range r.Trend {
		row := []string{d.Date, n(d.Plaintext), n(d.TLS)}
		for _, s := range severitiesDesc {
			row = append(row, n(d.Findings[s]))
		}
		rows = append(rows, row)
	}
	section("trend", append([]string{"date", "plaintext", "tls"}, severitiesDesc...), rows)

	if b := r.Baseline; b != nil {
		rows = nil
		for _, e := range b.New {
			rows = append(rows, []string{"new", e.Class, e.User, e.System, e.Service, n(e.Flows)})
		}
		for _, e := range b.Resolved {
			rows = append(rows, []string{"resolved", e.Class, e.User, e.System, e.Service, n(e.Flows)})
		}
		section("baseline", []string{"change", "class", "user", "system", "service", "flows"}, rows)
	}
	cw.Flush()
	return cw.Error()
}
