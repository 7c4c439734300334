package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
)

// dockerfile is what the checks need of ../Dockerfile's final stage, the
// image the services run.
type dockerfile struct {
	env     map[string]string // ENV, in order of appearance (later wins)
	user    string            // USER, as written
	volumes []string          // VOLUME targets
	modes   map[string]uint32 // container path → mode given to mkdir -m in any stage, then COPY'd there
	owners  map[string]string // container path → COPY --chown of the final stage
}

// uid returns the numeric user id of USER, or -1 when it is not numeric.
func (d dockerfile) uid() int64 {
	name, _, _ := strings.Cut(d.user, ":")
	n, err := strconv.ParseInt(name, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// readDockerfile parses the instructions the checks use: ENV, USER, VOLUME,
// COPY --chown, and mkdir -m in RUN. Continuation lines are joined.
func readDockerfile(t *testing.T, file string) dockerfile {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDockerfile(string(b))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return d
}

func parseDockerfile(text string) (dockerfile, error) {
	var d dockerfile
	built := map[string]uint32{} // path in a build stage → mkdir -m mode
	var lines []string
	var cur strings.Builder
	for _, l := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if s, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(trimmed)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "FROM": // a new stage: the final one is what counts
			d = dockerfile{env: map[string]string{}, modes: map[string]uint32{}, owners: map[string]string{}}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return d, fmt.Errorf("ENV %q: only KEY=VALUE is read here", rest)
				}
				d.env[k] = strings.Trim(v, `"`)
			}
		case "USER":
			d.user = rest
		case "VOLUME":
			var vs []string
			if err := json.Unmarshal([]byte(rest), &vs); err != nil {
				vs = strings.Fields(rest)
			}
			d.volumes = append(d.volumes, vs...)
		case "RUN":
			for p, m := range mkdirModes(rest) {
				built[p] = m
			}
		case "COPY":
			f := strings.Fields(rest)
			var chown string
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				if v, ok := strings.CutPrefix(f[0], "--chown="); ok {
					chown = v
				}
				f = f[1:]
			}
			if len(f) != 2 {
				continue
			}
			if m, ok := built[path.Clean(f[0])]; ok {
				d.modes[path.Clean(f[1])] = m
			}
			if chown != "" {
				d.owners[path.Clean(f[1])] = chown
			}
		}
	}
	if d.env == nil {
		return d, fmt.Errorf("no FROM")
	}
	return d, nil
}

// mkdirModes returns the paths that `mkdir -m MODE` creates in a RUN line.
func mkdirModes(run string) map[string]uint32 {
	modes := map[string]uint32{}
	for _, cmd := range strings.FieldsFunc(run, func(r rune) bool { return r == '&' || r == ';' || r == '|' }) {
		f := strings.Fields(cmd)
		if len(f) == 0 || f[0] != "mkdir" {
			continue
		}
		var mode uint32 = 0o777 // mkdir's own default, before the umask
		var paths []string
		for i := 1; i < len(f); i++ {
			switch {
			case f[i] == "-m" && i+1 < len(f):
				m, _ := strconv.ParseUint(f[i+1], 8, 32)
				mode = uint32(m)
				i++
			case strings.HasPrefix(f[i], "-"):
			default:
				paths = append(paths, path.Clean(f[i]))
			}
		}
		for _, p := range paths {
			modes[p] = mode
		}
	}
	return modes
}

// checkDockerfile returns what is wrong with the image the services run:
// a root or non-numeric user (Kubernetes' runAsNonRoot can only verify a
// number), or a DATA_DIR that bizy would refuse or could not write.
func checkDockerfile(d dockerfile) []string {
	var problems []string
	if uid := d.uid(); uid <= 0 {
		problems = append(problems, fmt.Sprintf("USER %q: want a numeric non-root user (runAsNonRoot cannot check a name)", d.user))
	}
	dir := d.env["DATA_DIR"]
	if dir == "" {
		return append(problems, "no ENV DATA_DIR: bizy would use ./data under the working directory")
	}
	dir = path.Clean(dir)
	mode, ok := d.modes[dir]
	switch {
	case !ok:
		problems = append(problems, fmt.Sprintf("DATA_DIR %s: not copied from a directory made with mkdir -m", dir))
	case mode&0o077 != 0:
		problems = append(problems, fmt.Sprintf("DATA_DIR %s has mode %04o: bizy refuses a DATA_DIR group or others can open", dir, mode))
	}
	if owner := d.owners[dir]; owner != d.user {
		problems = append(problems, fmt.Sprintf("DATA_DIR %s is owned by %q, USER is %q: bizy could not write it", dir, owner, d.user))
	}
	hasVolume := false
	for _, v := range d.volumes {
		hasVolume = hasVolume || path.Clean(v) == dir
	}
	if !hasVolume {
		problems = append(problems, fmt.Sprintf("no VOLUME %s: a read-only container could not write DATA_DIR", dir))
	}
	return problems
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	d := readDockerfile(t, "../Dockerfile")
	for _, p := range checkDockerfile(d) {
		t.Error(p)
	}
}

// TestDockerfileCheckCatches proves each Dockerfile check fails on a file
// broken in one place.
func TestDockerfileCheckCatches(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"named user", "USER 65532:65532", "USER nonroot:nonroot", "numeric non-root"},
		{"root", "USER 65532:65532", "USER 0", "numeric non-root"},
		{"data dir open to others", "-m 0700", "-m 0755", "has mode 0755"},
		{"data dir owned by root", "--chown=65532:65532 ", "", "owned by"},
		{"no volume", `VOLUME ["/data"]`, "", "no VOLUME /data"},
		{"no DATA_DIR", "ENV DATA_DIR=/data", "", "no ENV DATA_DIR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			broken := strings.Replace(string(good), tc.old, tc.new, 1)
			if broken == string(good) {
				t.Fatalf("the Dockerfile has no %q to break", tc.old)
			}
			d, err := parseDockerfile(broken)
			if err != nil {
				t.Fatal(err)
			}
			assertProblem(t, checkDockerfile(d), tc.want)
		})
	}
}

// assertProblem fails unless one of problems contains want.
func assertProblem(t *testing.T, problems []string, want string) {
	t.Helper()
	for _, p := range problems {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Errorf("no problem mentions %q; got %q", want, problems)
}
