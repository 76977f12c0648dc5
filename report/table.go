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
	opt      TableOptions
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

// Findings roll up by kind × system × service: a capture of tens of
// thousands of flows gives one row per problem, not one per flow.
type findKey struct{ severity, kind, service, system string }

type findRow struct {
	count   int
	clients map[string]int
	users   map[string]bool
	message string // the first one seen; rows keep one example
}

// TableOptions bound the table: Top rows per section and top clients per
// finding row (0 means DefaultTop); All shows every row and every client.
type TableOptions struct {
	Top int
	All bool
}

// DefaultTop is the number of rows per section and of clients per finding
// row shown when TableOptions.Top is 0.
const DefaultTop = 10

func (o TableOptions) limit() int {
	switch {
	case o.All:
		return int(^uint(0) >> 1)
	case o.Top > 0:
		return o.Top
	}
	return DefaultTop
}

// NewTable returns a table writer.
func NewTable(w io.Writer, opt TableOptions) *Table {
	return &Table{
		w:        w,
		opt:      opt,
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
		fk := findKey{severity: x.Severity, kind: x.Kind, service: r.Service, system: r.ServerAddr()}
		fr := t.findings[fk]
		if fr == nil {
			fr = &findRow{clients: map[string]int{}, users: map[string]bool{}, message: printable(x.Message)}
			t.findings[fk] = fr
		}
		fr.count++
		fr.clients[r.ClientAddr()]++
		if u := printable(firstNonEmpty(x.User, r.User)); u != "" {
			fr.users[u] = true
		}
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
	keys, cut := t.biggest(keys)
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
	t.more(cut, "services with the fewest flows")
	fmt.Fprintln(t.w)
	return nil
}

// biggest keeps the rows with the most flows when there are more than the
// limit, and says how many it left out.
func (t *Table) biggest(keys []svcKey) ([]svcKey, int) {
	n := t.opt.limit()
	if len(keys) <= n {
		return keys, 0
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := t.services[keys[i]], t.services[keys[j]]
		if a.flows != b.flows {
			return a.flows > b.flows
		}
		if keys[i].service != keys[j].service {
			return keys[i].service < keys[j].service
		}
		return keys[i].server < keys[j].server
	})
	return keys[:n], len(keys) - n
}

// more tells how many rows a section left out and how to see them.
func (t *Table) more(cut int, what string) {
	if cut > 0 {
		fmt.Fprintf(t.w, "(+%d more rows: %s; --all shows every row)\n", cut, what)
	}
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
	total := 0
	for k, r := range t.findings {
		keys = append(keys, k)
		total += r.count
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if ra, rb := record.SeverityRank(a.severity), record.SeverityRank(b.severity); ra != rb {
			return ra > rb
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.system != b.system {
			return a.system < b.system
		}
		return a.service < b.service
	})
	fmt.Fprintf(t.w, "FINDINGS (%d in %d rows: kind x system x service)\n", total, len(keys))
	if len(keys) == 0 {
		fmt.Fprintln(t.w, "none")
		fmt.Fprintln(t.w)
		return nil
	}
	cut := 0
	if n := t.opt.limit(); len(keys) > n {
		keys, cut = keys[:n], len(keys)-n // worst first, so the cut rows are the mildest
	}
	tb := newTable(t.w)
	tb.Header("Severity", "Finding", "Service", "System", "Count", "Top clients", "User profiles", "Example")
	for _, k := range keys {
		r := t.findings[k]
		if err := tb.Append([]string{k.severity, k.kind, k.service, k.system, itoa(r.count), t.topClients(r.clients), setList(r.users), r.message}); err != nil {
			return err
		}
	}
	if err := tb.Render(); err != nil {
		return err
	}
	t.more(cut, "the mildest findings")
	fmt.Fprintln(t.w)
	return nil
}

// topClients lists the clients with the most flows in a finding row, with
// their counts.
func (t *Table) topClients(m map[string]int) string {
	l := make([]string, 0, len(m))
	for c := range m {
		l = append(l, c)
	}
	sort.Slice(l, func(i, j int) bool {
		if m[l[i]] != m[l[j]] {
			return m[l[i]] > m[l[j]]
		}
		return l[i] < l[j]
	})
	n := t.opt.limit()
	rest := 0
	if len(l) > n {
		l, rest = l[:n], len(l)-n
	}
	parts := make([]string, len(l))
	for i, c := range l {
		parts[i] = fmt.Sprintf("%s (%d)", c, m[c])
	}
	out := strings.Join(parts, ", ")
	if rest > 0 {
		out += fmt.Sprintf(" (+%d more)", rest)
	}
	return out
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
