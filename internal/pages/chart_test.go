package pages

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

func TestNiceCeil(t *testing.T) {
	for n, want := range map[int]int{0: 4, 1: 4, 4: 4, 5: 8, 8: 8, 9: 20, 20: 20, 21: 40, 41: 80, 81: 200, 1001: 2000, 8001: 20000} {
		if got := niceCeil(n); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestChartLayout: one bar per hour, stacked by outcome in order, each
// part as tall as its count on the axis; the axis and labels fit.
func TestChartLayout(t *testing.T) {
	start := time.Date(2031, 1, 2, 0, 0, 0, 0, time.UTC)
	hours := make([]auth.LoginHour, 24)
	for i := range hours {
		hours[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	hours[5] = auth.LoginHour{Start: hours[5].Start, Success: 3, Failure: 2, Locked: 1, RateLimited: 1}
	hours[23] = auth.LoginHour{Start: hours[23].Start, Success: 1}
	c := newChart("24h", hours)
	if len(c.Bars) != 24 || c.Total != 8 || c.Max != 7 {
		t.Fatalf("bars %d, total %d, max %d", len(c.Bars), c.Total, c.Max)
	}
	if len(c.YTicks) != 5 || c.YTicks[4].Label != "8" || c.YTicks[0].Label != "0" {
		t.Errorf("y ticks = %+v", c.YTicks)
	}
	if len(c.XTicks) != 8 || c.XTicks[0].Label != "00:00" || c.XTicks[7].Label != "21:00" {
		t.Errorf("x ticks = %+v", c.XTicks)
	}
	b := c.Bars[5]
	if len(b.Parts) != 4 || b.Parts[0].Class != "o-success" || b.Parts[3].Class != "o-limited" {
		t.Fatalf("bar 5 parts = %+v", b.Parts)
	}
	unit := float64(c.PlotH) / 8
	bottom := float64(c.PlotY0)
	for i, n := range []int{3, 2, 1, 1} {
		p := b.Parts[i]
		h, _ := strconv.ParseFloat(p.H, 64)
		y, _ := strconv.ParseFloat(p.Y, 64)
		if diff := h - float64(n)*unit; diff > 0.1 || diff < -0.1 {
			t.Errorf("part %d height %v, want %v", i, h, float64(n)*unit)
		}
		if diff := y + h - bottom; diff > 0.1 || diff < -0.1 {
			t.Errorf("part %d does not sit on the one below it: y %v + h %v != %v", i, y, h, bottom)
		}
		bottom = y
	}
	if len(c.Bars[0].Parts) != 0 || !strings.Contains(c.Bars[0].Title, "0 success") {
		t.Errorf("an empty hour = %+v", c.Bars[0])
	}
	if c.Legend[0].Count != 4 || c.Legend[1].Count != 2 || c.Legend[2].Count != 1 || c.Legend[3].Count != 1 {
		t.Errorf("legend = %+v", c.Legend)
	}

	week := make([]auth.LoginHour, 168)
	for i := range week {
		week[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	if c := newChart("7d", week); len(c.XTicks) != 7 || c.XTicks[0].Label != "Thu 2" {
		t.Errorf("7-day x ticks = %+v", c.XTicks)
	}
}
