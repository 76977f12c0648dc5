package compliance

import (
	"fmt"
	"strings"
)

// Text shared by the Markdown, table, CSV and HTML renderers.

var statusWord = map[string]string{Pass: "PASS", Fail: "FAIL", NotAssessed: "NOT ASSESSED"}

var classTitle = map[string]string{
	ClassPassword:   "Passwords in clear",
	ClassSubstitute: "Password substitutes with both seeds (offline-guessable)",
	ClassUserID:     "User IDs alone",
}

// Classes in report order.
var classes = []string{ClassPassword, ClassSubstitute, ClassUserID}

// severities worst first, for trend columns.
var severitiesDesc = []string{"critical", "high", "medium", "low", "info"}

// listed joins up to the listed items and says how many more there are.
func listed(items []string, total int) string {
	s := strings.Join(items, ", ")
	if total > len(items) {
		s += fmt.Sprintf(" (+%d more)", total-len(items))
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lossText renders the capture-loss estimate.
func lossText(c Coverage) string {
	if c.CaptureLoss < 0 {
		return "not estimable"
	}
	return fmt.Sprintf("%.2f%%", 100*c.CaptureLoss)
}

// evidenceText says where a sample's packets are.
func evidenceText(s Sample) string {
	if s.File == "" {
		return ""
	}
	return fmt.Sprintf("%s packet %d", s.File, s.FirstPacket)
}

// coverageRows are the coverage facts as label/value pairs.
func coverageRows(r *Report) [][2]string {
	c := r.Coverage
	known := func(v uint64) string {
		if !c.Known {
			return "unknown"
		}
		return fmt.Sprint(v)
	}
	return [][2]string{
		{"Period", r.Period.From + " to " + r.Period.Until},
		{"Flows seen", orNone(r.Period.FirstSeen) + " to " + orNone(r.Period.LastSeen)},
		{"Sensors", orNone(strings.Join(c.Sensors, ", "))},
		{"Inputs", orNone(strings.Join(c.Inputs, ", "))},
		{"Runs", fmt.Sprint(c.Runs)},
		{"IBM i systems", fmt.Sprint(c.Systems)},
		{"Packets", known(c.Packets)},
		{"Flows", fmt.Sprint(c.Flows)},
		{"Flows without payload / uninspected", fmt.Sprintf("%d / %d", c.NoPayload, c.Uninspected)},
		{"Kernel drops", known(c.KernelDrops)},
		{"Output drops", known(c.OutputDrops)},
		{"Flows evicted", known(c.Evicted)},
		{"Estimated capture loss", lossText(c)},
	}
}

// portText shows a port; 0 stands for the dynamic ports of FTP data
// connections.
func portText(p uint16) string {
	if p == 0 {
		return "dynamic"
	}
	return fmt.Sprint(p)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// rowLimit bounds the rows of one section in the formats a person reads
// (HTML, Markdown, table); JSON and CSV carry every row.
const rowLimit = 1000

// capRows cuts rows at rowLimit and says how many were left out.
func capRows[T any](rows []T) ([]T, int) {
	if len(rows) <= rowLimit {
		return rows, 0
	}
	return rows[:rowLimit], len(rows) - rowLimit
}

func exposuresOf(r *Report, class string) []Exposure {
	var out []Exposure
	for _, e := range r.Exposures {
		if e.Class == class {
			out = append(out, e)
		}
	}
	return out
}

func moreText(n int) string {
	return fmt.Sprintf("... and %d more rows; the JSON and CSV formats list them all.", n)
}
