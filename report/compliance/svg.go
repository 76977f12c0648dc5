package compliance

import "fmt"

// chart is a bar chart drawn as inline SVG by the HTML template: one group
// of stacked bars per day, no script, no external resource.
type chart struct {
	Title         string
	Width, Height int
	Bars          []bar
	Legend        []legendItem
	Ticks         []tick
	Empty         bool
}

type bar struct {
	X, Y, W, H int
	Class      string
	Label      string // tooltip (<title>)
}

type legendItem struct {
	X     int
	Class string
	Text  string
}

type tick struct {
	X, Y   int
	Text   string
	Anchor string // start, middle, end
}

const (
	chartH    = 160 // plot height
	chartTop  = 24  // room for the legend
	chartLeft = 48  // room for the y labels
)

// stacked draws series (bottom first) per day.
func stacked(title string, days []Day, series []string, value func(Day, string) uint64) chart {
	c := chart{Title: title}
	var max uint64
	for _, d := range days {
		var sum uint64
		for _, s := range series {
			sum += value(d, s)
		}
		if sum > max {
			max = sum
		}
	}
	slot := 28
	if len(days) > 40 {
		slot = 14
	}
	c.Width = chartLeft + slot*len(days) + 16
	if c.Width < 600 {
		c.Width = 600
	}
	c.Height = chartTop + chartH + 36
	for i, s := range series {
		c.Legend = append(c.Legend, legendItem{X: chartLeft + i*110, Class: "s-" + s, Text: s})
	}
	if max == 0 {
		c.Empty = true
		return c
	}
	c.Ticks = append(c.Ticks, tick{X: chartLeft - 6, Y: chartTop + 8, Text: fmt.Sprint(max), Anchor: "end"}, tick{X: chartLeft - 6, Y: chartTop + chartH, Text: "0", Anchor: "end"})
	for i, d := range days {
		x := chartLeft + i*slot + 2
		y := chartTop + chartH
		for _, s := range series {
			v := value(d, s)
			if v == 0 {
				continue
			}
			h := int(uint64(chartH) * v / max)
			if h < 1 {
				h = 1
			}
			y -= h
			c.Bars = append(c.Bars, bar{X: x, Y: y, W: slot - 4, H: h, Class: "s-" + s, Label: fmt.Sprintf("%s: %d %s", d.Date, v, s)})
		}
		if len(days) <= 40 || i%7 == 0 {
			c.Ticks = append(c.Ticks, tick{X: x + (slot-4)/2, Y: chartTop + chartH + 14, Text: d.Date[5:], Anchor: "middle"})
		}
	}
	return c
}

func trendCharts(days []Day) []chart {
	return []chart{
		stacked("Flows per day: plaintext and TLS", days, []string{"plaintext", "tls"}, func(d Day, s string) uint64 {
			if s == "tls" {
				return d.TLS
			}
			return d.Plaintext
		}),
		stacked("Findings per day by severity", days, []string{"critical", "high", "medium", "low", "info"}, func(d Day, s string) uint64 {
			return d.Findings[s]
		}),
	}
}
