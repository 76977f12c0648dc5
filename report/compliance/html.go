package compliance

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate escapes everything that came off the wire (html/template);
// the page carries a Content-Security-Policy that forbids scripts and every
// external resource, so it renders offline and prints to PDF as is.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"status":   func(s string) string { return statusWord[s] },
	"listed":   listed,
	"join":     strings.Join,
	"dash":     orDash,
	"note":     impactNote,
	"evidence": evidenceText,
	"add":      func(a, b int) int { return a + b },
	"port":     portText,
}).Parse(htmlSource))

type htmlClass struct {
	Class, Title string
	Rows         []Exposure
	More         int
}

type htmlData struct {
	R          *Report
	Coverage   [][2]string
	Classes    []htmlClass
	Charts     []chart
	Severities []string
	// The long sections, cut at rowLimit rows; More says how many rows
	// each lost.
	Clients  []Client
	Impact   []Impact
	Findings []FindingGroup
	More     map[string]int
}

// WriteHTML writes the report as one self-contained HTML page: embedded
// CSS, inline SVG charts, no script, no external resource.
func WriteHTML(w io.Writer, r *Report) error {
	d := htmlData{R: r, Coverage: coverageRows(r), Charts: trendCharts(r.Trend), Severities: severitiesDesc, More: map[string]int{}}
	d.Clients, d.More["clients"] = capRows(r.Clients)
	d.Impact, d.More["impact"] = capRows(r.EnforcementImpact)
	d.Findings, d.More["findings"] = capRows(r.Findings)
	for _, c := range classes {
		hc := htmlClass{Class: c, Title: classTitle[c]}
		hc.Rows, hc.More = capRows(exposuresOf(r, c))
		d.Classes = append(d.Classes, hc)
	}
	return htmlTemplate.Execute(w, d)
}
