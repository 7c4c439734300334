package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/lmittmann/tint"
)

// newTextHandler returns the handler of LOG_FORMAT=text, for people
// reading a terminal: the time of day to the millisecond, a short level,
// coloured when color is set, and each access line ("request", from
// web.AccessLog) shortened to "GET /api/tasks/{id} 200 1.2ms" followed by
// its other attributes. JSON keeps the access line's separate fields.
func newTextHandler(w io.Writer, level slog.Leveler, color bool) slog.Handler {
	return requestLine{tint.NewTextHandler(w, &tint.Options{Level: level, TimeFormat: "15:04:05.000", NoColor: !color})}
}

// requestLine is a handler that writes web.AccessLog's records as one short
// request line.
type requestLine struct{ slog.Handler }

func (h requestLine) Handle(ctx context.Context, r slog.Record) error {
	if r.Message != "request" {
		return h.Handler.Handle(ctx, r)
	}
	var method, route, status, took string
	var rest []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		switch v := a.Value.Resolve(); a.Key {
		case "method":
			method = v.String()
		case "route":
			route = v.String()
		case "status":
			status = strconv.FormatInt(v.Int64(), 10)
		case "duration":
			took = shortDuration(v.Duration())
		default:
			rest = append(rest, a)
		}
		return true
	})
	if method == "" || route == "" {
		return h.Handler.Handle(ctx, r)
	}
	// A route pattern already names its method ("GET /health"), except
	// for method-less patterns ("/ui/").
	line := route
	if len(route) < len(method) || route[:len(method)] != method {
		line = method + " " + route
	}
	short := slog.NewRecord(r.Time, r.Level, line+" "+status+" "+took, r.PC)
	short.AddAttrs(rest...)
	return h.Handler.Handle(ctx, short)
}

func (h requestLine) WithAttrs(as []slog.Attr) slog.Handler {
	return requestLine{h.Handler.WithAttrs(as)}
}

func (h requestLine) WithGroup(name string) slog.Handler {
	return requestLine{h.Handler.WithGroup(name)}
}

// shortDuration rounds d to three significant digits or so: 1.23ms, 845µs.
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
