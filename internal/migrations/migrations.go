// Package migrations reads the numbered, forward-only SQL files that each
// database adapter embeds. Recording them in schema_migrations, locking and
// applying them stay in each adapter, in its own SQL.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// File is one numbered SQL file of a component.
type File struct {
	Version int    // the NNNN of NNNN_name.sql; at least 1
	Name    string // the file name, for error messages
	SQL     string // the file's contents
}

// Load reads the NNNN_name.sql files of dir in fsys and returns them sorted
// by version. It returns an error if dir cannot be read, if an entry is a
// directory or has any other name, or if two files share a version.
func Load(fsys fs.FS, dir string) ([]File, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var fl []File
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if e.IsDir() || !ok || err != nil || v <= 0 || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("bad migration file name %q (want NNNN_name.sql)", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		fl = append(fl, File{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(fl, func(i, j int) bool { return fl[i].Version < fl[j].Version })
	return fl, nil
}

// AllApplied reports whether every file of fl is among the applied
// versions. Migrations are forward-only and each is recorded in the
// transaction that applies it, so a version read as applied stays applied,
// and a store may read the list without the migration lock: on existing
// data that one read spares a locked transaction per migration.
func AllApplied(fl []File, applied []int) bool {
	have := make(map[int]bool, len(applied))
	for _, v := range applied {
		have[v] = true
	}
	for _, f := range fl {
		if !have[f.Version] {
			return false
		}
	}
	return true
}
