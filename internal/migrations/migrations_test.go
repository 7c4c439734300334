package migrations

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadSortsByVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"m/10_later.sql":  {Data: []byte("SELECT 10")},
		"m/0002_two.sql":  {Data: []byte("SELECT 2")},
		"m/0001_init.sql": {Data: []byte("SELECT 1")},
		"other/0003.sql":  {Data: []byte("not read")},
	}
	fl, err := Load(fsys, "m")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []File{
		{Version: 1, Name: "0001_init.sql", SQL: "SELECT 1"},
		{Version: 2, Name: "0002_two.sql", SQL: "SELECT 2"},
		{Version: 10, Name: "10_later.sql", SQL: "SELECT 10"},
	}
	if len(fl) != len(want) {
		t.Fatalf("Load = %+v, want %+v", fl, want)
	}
	for i := range want {
		if fl[i] != want[i] {
			t.Errorf("file %d = %+v, want %+v", i, fl[i], want[i])
		}
	}
}

func TestLoadEmptyDir(t *testing.T) {
	fl, err := Load(fstest.MapFS{"m": {Mode: fs.ModeDir | 0o755}}, "m")
	if err != nil || len(fl) != 0 {
		t.Fatalf("Load = %v, %v; want none", fl, err)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		files   []string
		wantErr string
	}{
		"no underscore":  {[]string{"0001.sql"}, `bad migration file name "0001.sql"`},
		"not a number":   {[]string{"abcd_init.sql"}, `bad migration file name "abcd_init.sql"`},
		"version zero":   {[]string{"0000_init.sql"}, `bad migration file name "0000_init.sql"`},
		"negative":       {[]string{"-1_init.sql"}, `bad migration file name "-1_init.sql"`},
		"not sql":        {[]string{"0001_init.txt"}, `bad migration file name "0001_init.txt"`},
		"directory":      {[]string{"0001_init.sql/x"}, `bad migration file name "0001_init.sql"`},
		"shared version": {[]string{"0001_a.sql", "01_b.sql"}, `migrations "0001_a.sql" and "01_b.sql" share version 1`},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1")}
			}
			_, err := Load(fsys, "m")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Load error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadMissingDir(t *testing.T) {
	if _, err := Load(fstest.MapFS{}, "m"); err == nil {
		t.Fatal("Load of a missing directory succeeded")
	}
}

func TestAllApplied(t *testing.T) {
	fl := []File{{Version: 1}, {Version: 2}, {Version: 10}}
	for _, tc := range []struct {
		applied []int
		want    bool
	}{
		{nil, false},
		{[]int{1, 2}, false},       // a migration added since
		{[]int{1, 2, 10}, true},    // existing data
		{[]int{10, 2, 1, 7}, true}, // any order; a version this build does not know (a newer copy's) is no pending one
	} {
		if got := AllApplied(fl, tc.applied); got != tc.want {
			t.Errorf("AllApplied(%v) = %v, want %v", tc.applied, got, tc.want)
		}
	}
	if !AllApplied(nil, nil) {
		t.Error("no migrations: want all applied")
	}
}
