package pages

import (
	"fmt"
	"strconv"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Chart geometry, in SVG user units; the SVG scales to its box.
const (
	chartW      = 760
	chartH      = 260
	chartLeft   = 56 // room for the y labels and the axis title
	chartRight  = 8
	chartTop    = 30 // room for the legend
	chartBottom = 34 // room for the x labels and the axis title
	// legendColumn is the width each legend entry gets: its swatch and the
	// longest label ("Rate limited") at 12px, and a gap.
	legendColumn = 112
)

// chart is the logins-per-hour chart, laid out for the template: stacked
// bars by outcome, y gridlines with labels, x labels, and a legend.
type chart struct {
	Range   string // "24h" or "7d"
	Width   int
	Height  int
	Bars    []bar
	YTicks  []tick
	XTicks  []tick
	Legend  []legendItem
	Total   int
	Max     int
	PlotX0  int
	PlotX1  int
	PlotY0  int // the baseline
	PlotTop int
	PlotH   int
	LegendX []int  // x of each legend entry, from the plot's left
	Summary string // what the chart shows, for screen readers
}

type bar struct {
	Title string // the hour and its counts, shown on hover
	X, W  string // the hour's slot, which takes the hover
	Parts []barPart
}

type barPart struct {
	Class      string
	X, Y, W, H string
}

type tick struct {
	Pos   string // y for a y tick, x for an x tick
	Label string
}

type legendItem struct {
	Class, Label string
	Count        int
}

// outcomes, bottom to top of each bar, with their CSS classes.
var outcomes = []struct {
	class, label string
	count        func(auth.LoginHour) int
}{
	{"o-success", "Success", func(h auth.LoginHour) int { return h.Success }},
	{"o-failure", "Failure", func(h auth.LoginHour) int { return h.Failure }},
	{"o-locked", "Locked", func(h auth.LoginHour) int { return h.Locked }},
	{"o-limited", "Rate limited", func(h auth.LoginHour) int { return h.RateLimited }},
}

// newChart lays hours out as a chart.
func newChart(rng string, hours []auth.LoginHour) chart {
	c := chart{Range: rng, Width: chartW, Height: chartH,
		PlotX0: chartLeft, PlotX1: chartW - chartRight, PlotY0: chartH - chartBottom, PlotTop: chartTop,
		PlotH: chartH - chartBottom - chartTop}
	lx := 0
	for _, o := range outcomes {
		c.LegendX = append(c.LegendX, lx)
		lx += legendColumn
		n := 0
		for _, h := range hours {
			n += o.count(h)
		}
		c.Legend = append(c.Legend, legendItem{Class: o.class, Label: o.label, Count: n})
		c.Total += n
	}
	for _, h := range hours {
		c.Max = max(c.Max, h.Total())
	}
	top := niceCeil(c.Max)
	step := top / 4
	plotH := float64(c.PlotY0 - c.PlotTop)
	y := func(v int) float64 { return float64(c.PlotY0) - float64(v)/float64(top)*plotH }
	for v := 0; v <= top; v += step {
		c.YTicks = append(c.YTicks, tick{Pos: num(y(v)), Label: strconv.Itoa(v)})
	}
	slot := float64(c.PlotX1-c.PlotX0) / float64(max(len(hours), 1))
	gap := min(slot*0.2, 3)
	for i, h := range hours {
		x := float64(c.PlotX0) + float64(i)*slot
		b := bar{X: num(x), W: num(slot), Title: fmt.Sprintf("%s–%s UTC: %d success, %d failure, %d locked, %d rate limited",
			h.Start.Format("Jan 2 15:04"), h.Start.Add(time.Hour).Format("15:04"),
			h.Success, h.Failure, h.Locked, h.RateLimited)}
		base := 0
		for _, o := range outcomes {
			n := o.count(h)
			if n == 0 {
				continue
			}
			b.Parts = append(b.Parts, barPart{Class: o.class, X: num(x + gap/2), W: num(slot - gap),
				Y: num(y(base + n)), H: num(y(base) - y(base+n))})
			base += n
		}
		c.Bars = append(c.Bars, b)
		if label, ok := xLabel(rng, h.Start, i); ok {
			c.XTicks = append(c.XTicks, tick{Pos: num(x + slot/2), Label: label})
		}
	}
	first, last := hours[0].Start, hours[len(hours)-1].Start.Add(time.Hour)
	c.Summary = fmt.Sprintf("Sign-in attempts per hour from %s to %s UTC: %d in all, at most %d in one hour.",
		first.Format("Jan 2 15:04"), last.Format("Jan 2 15:04"), c.Total, c.Max)
	return c
}

// xLabel says whether hour i gets a label, and which: every third hour
// over a day, each midnight over a week.
func xLabel(rng string, start time.Time, i int) (string, bool) {
	if rng == "7d" {
		if start.Hour() == 0 {
			return start.Format("Mon 2"), true
		}
		return "", false
	}
	if start.Hour()%3 == 0 {
		return start.Format("15:04"), true
	}
	return "", false
}

// niceCeil is the axis top for a largest value n: four gridlines a
// "round" step apart (1, 2 or 5 times a power of ten), the first top that
// reaches n.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if 4*m*p >= n {
				return 4 * m * p
			}
		}
	}
}

// num writes a coordinate with at most one decimal.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
