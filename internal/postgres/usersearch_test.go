package postgres

import "testing"

// TestHasTrigram checks the store's reading of pg_trgm's rule for a LIKE
// '%term%': words of letters and digits, padded where a character other
// than a letter or digit bounds them, yield trigrams from three characters.
func TestHasTrigram(t *testing.T) {
	for term, want := range map[string]bool{
		"bench": true, "abc": true, "ab": false, "q9": false, "@.": false, "": false,
		"ab.": true,  // "ab " is a trigram
		".a":  true,  // "  a"
		"a.":  false, // "a " is two characters
		"a.b": true,  // "  b"
		"é9x": true, "_%\\": false,
	} {
		if got := hasTrigram(term); got != want {
			t.Errorf("hasTrigram(%q) = %v, want %v", term, got, want)
		}
	}
}

// TestUseTrigrams checks the choice between the two search statements:
// the trigram indexes for a term no histogram bound contains, on a table
// large enough, when they exist; the walk otherwise.
func TestUseTrigrams(t *testing.T) {
	st := &searchStats{trigram: true, rows: 1e6, hists: [][]string{
		{"ann", "user00000100", "user00500000"},
		{"ann@example.com", "user00000100@example.com"},
	}}
	for _, tc := range []struct {
		term  string
		force bool
		want  bool
	}{
		{"bench", false, true},
		{"user", false, false},        // in every bound
		{"example.com", false, false}, // in every email
		{"0050", false, false},
		{"be", false, false}, // no trigram: the index would be read whole
		{"be", true, false},
		{"user", true, true},
	} {
		if got := st.useTrigrams(tc.term, tc.force); got != tc.want {
			t.Errorf("useTrigrams(%q, force %v) = %v, want %v", tc.term, tc.force, got, tc.want)
		}
	}
	for _, small := range []*searchStats{
		{trigram: true, rows: 999},
		{trigram: true, rows: -1}, // never analyzed
		{trigram: false, rows: 1e6},
	} {
		if small.useTrigrams("bench", false) {
			t.Errorf("useTrigrams(bench) on %+v = true, want a walk", *small)
		}
	}
}
