package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/olekukonko/tablewriter"

	"github.com/ibmitap/ibmitap/record"
)

// Table collects flows and renders, at the end, what a person acts on: the
// services seen, the IBM i host servers by system with their clients and user
// profiles, and the findings worst first.
type Table struct {
	w        io.Writer
	services map[svcKey]*svcRow
	systems  map[svcKey]*sysRow
	findings map[findKey]*findRow
	flows    int
}

type svcKey struct{ server, service, transport string }

type svcRow struct {
	flows, enc, plain, nopayload, unknown int
	bytes                                 uint64
}

type sysRow struct {
	plain, tls int
	clients    map[string]bool
	users      map[string]bool
}

type findKey struct{ severity, kind, service, server, client, user, message string }

type findRow struct{ count int }

// NewTable returns a table writer.
func NewTable(w io.Writer) *Table {
	return &Table{
		w:        w,
		services: map[svcKey]*svcRow{},
		systems:  map[svcKey]*sysRow{},
		findings: map[findKey]*findRow{},
	}
}

// Write adds r to the tallies.
func (t *Table) Write(r *record.Flow) error {
	t.flows++
	sk := svcKey{server: r.Server, service: r.Service, transport: r.Transport}
	s := t.services[sk]
	if s == nil {
		s = &svcRow{}
		t.services[sk] = s
	}
	s.flows++
	s.bytes += r.BytesC2S + r.BytesS2C
	switch {
	case r.Uninspected:
		s.unknown++
	case r.Encrypted == nil:
		s.nopayload++
	case *r.Encrypted:
		s.enc++
	default:
		s.plain++
	}
	if r.IBMi && r.Encrypted != nil {
		yk := svcKey{server: r.ServerAddr(), service: r.Service}
		y := t.systems[yk]
		if y == nil {
			y = &sysRow{clients: map[string]bool{}, users: map[string]bool{}}
			t.systems[yk] = y
		}
		if *r.Encrypted {
			y.tls++
		} else {
			y.plain++
		}
		y.clients[r.ClientAddr()] = true
		if r.User != "" {
			y.users[printable(r.User)] = true
		}
	}
	for _, x := range r.Findings {
		fk := findKey{
			severity: x.Severity, kind: x.Kind, service: r.Service,
			server: r.Server, client: r.ClientAddr(),
			user: printable(firstNonEmpty(x.User, r.User)), message: printable(x.Message),
		}
		fr := t.findings[fk]
		if fr == nil {
			fr = &findRow{}
			t.findings[fk] = fr
		}
		fr.count++
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Finish renders the tables.
func (t *Table) Finish(sum Summary) error {
	for _, w := range sum.Warnings {
		if _, err := fmt.Fprintf(t.w, "WARNING: %s\n", printable(w)); err != nil {
			return err
		}
	}
	if len(sum.Warnings) > 0 {
		fmt.Fprintln(t.w)
	}
	if err := t.renderServices(); err != nil {
		return err
	}
	if err := t.renderSystems(); err != nil {
		return err
	}
	if err := t.renderFindings(); err != nil {
		return err
	}
	return t.renderSummary(sum)
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w)
}

func (t *Table) renderServices() error {
	keys := make([]svcKey, 0, len(t.services))
	for k := range t.services {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.service != b.service {
			return a.service < b.service
		}
		return a.server < b.server
	})
	fmt.Fprintf(t.w, "SERVICES (%d flows)\n", t.flows)
	tb := newTable(t.w)
	tb.Header("Server", "Proto", "Service", "Flows", "Encrypted", "Plaintext", "Unknown", "No payload", "Bytes")
	for _, k := range keys {
		s := t.services[k]
		if err := tb.Append([]string{k.server, k.transport, k.service, itoa(s.flows), itoa(s.enc), itoa(s.plain), itoa(s.unknown), itoa(s.nopayload), humanBytes(s.bytes)}); err != nil {
			return err
		}
	}
	if err := tb.Render(); err != nil {
		return err
	}
	fmt.Fprintln(t.w)
	return nil
}

func (t *Table) renderSystems() error {
	if len(t.systems) == 0 {
		return nil
	}
	keys := make([]svcKey, 0, len(t.systems))
	for k := range t.systems {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].server != keys[j].server {
			return keys[i].server < keys[j].server
		}
		return keys[i].service < keys[j].service
	})
	fmt.Fprintln(t.w, "IBM i SERVERS BY SYSTEM (flows with payload)")
	tb := newTable(t.w)
	tb.Header("System", "Service", "Plaintext", "TLS", "Clients", "User profiles")
	for _, k := range keys {
		y := t.systems[k]
		if err := tb.Append([]string{k.server, k.service, itoa(y.plain), itoa(y.tls), setList(y.clients), setList(y.users)}); err != nil {
			return err
		}
	}
	if err := tb.Render(); err != nil {
		return err
	}
	fmt.Fprintln(t.w)
	return nil
}

func (t *Table) renderFindings() error {
	keys := make([]findKey, 0, len(t.findings))
	for k := range t.findings {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if ra, rb := record.SeverityRank(a.severity), record.SeverityRank(b.severity); ra != rb {
			return ra > rb
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.server != b.server {
			return a.server < b.server
		}
		if a.client != b.client {
			return a.client < b.client
		}
		return a.message < b.message
	})
	fmt.Fprintf(t.w, "FINDINGS (%d)\n", len(keys))
	if len(keys) == 0 {
		fmt.Fprintln(t.w, "none")
		fmt.Fprintln(t.w)
		return nil
	}
	tb := newTable(t.w)
	tb.Header("Severity", "Finding", "Service", "Server", "Client", "User", "Count", "Detail")
	for _, k := range keys {
		if err := tb.Append([]string{k.severity, k.kind, k.service, k.server, k.client, k.user, itoa(t.findings[k].count), k.message}); err != nil {
			return err
		}
	}
	if err := tb.Render(); err != nil {
		return err
	}
	fmt.Fprintln(t.w)
	return nil
}

func (t *Table) renderSummary(sum Summary) error {
	if len(sum.Counters) == 0 {
		return nil
	}
	parts := make([]string, 0, len(sum.Counters))
	for _, c := range sum.Counters {
		parts = append(parts, fmt.Sprintf("%s=%d", c.Name, c.Value))
	}
	_, err := fmt.Fprintf(t.w, "COUNTERS: %s\n", strings.Join(parts, " "))
	return err
}

func setList(m map[string]bool) string {
	if len(m) == 0 {
		return "-"
	}
	l := make([]string, 0, len(m))
	for k := range m {
		l = append(l, k)
	}
	sort.Strings(l)
	const max = 6
	if len(l) > max {
		return strings.Join(l[:max], ", ") + fmt.Sprintf(" (+%d more)", len(l)-max)
	}
	return strings.Join(l, ", ")
}

func itoa(n int) string { return strconv.Itoa(n) }

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// printable replaces control characters in text that came off the wire, so
// a user name cannot drive the terminal the table is shown on.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
