package main

import (
	"debug/buildinfo"
	"strings"
)

// buildSettings describes how the binary at path was built: the Go release
// and the settings that change what it maps and holds (cgo, -trimpath,
// -ldflags), so a run's memory figures can be told apart from another
// build's. Built without module information, it says so.
func buildSettings(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "build settings unknown (" + err.Error() + ")"
	}
	parts := []string{info.GoVersion}
	for _, s := range info.Settings {
		switch s.Key {
		case "CGO_ENABLED", "-trimpath", "-ldflags", "GOAMD64", "GOEXPERIMENT":
			parts = append(parts, s.Key+"="+s.Value)
		}
	}
	return strings.Join(parts, " ")
}
