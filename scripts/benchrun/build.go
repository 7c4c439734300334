package main

import (
	"debug/buildinfo"
	"debug/elf"
	"strings"
)

// buildSettings describes how the binary at path was built: the Go release,
// the settings that change what it maps and holds (cgo, -trimpath), and
// whether its symbol table and DWARF were left out (-ldflags '-s -w', which
// the build info does not record under -trimpath), so a run's memory
// figures can be told apart from another build's.
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
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		if f.Section(".symtab") == nil {
			parts = append(parts, "no symbol table (-s)")
		}
		if f.Section(".debug_info") == nil {
			parts = append(parts, "no DWARF (-w)")
		}
	}
	return strings.Join(parts, " ")
}
