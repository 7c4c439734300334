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

// TestSearchPlan checks the choice of statement: the trigram indexes for
// a term no histogram bound contains, on a table large enough, when they
// exist; the walk otherwise; the planner's own choice on a small table.
func TestSearchPlan(t *testing.T) {
	st := &searchStats{trigram: true, rows: 1e6, hists: [][]string{
		{"ann", "user00000100", "user00500000"},
		{"ann@example.com", "user00000100@example.com"},
	}}
	for _, tc := range []struct {
		term  string
		force bool
		want  searchPlan
	}{
		{"bench", false, planTrigram},
		{"user", false, planWalk},        // in every bound
		{"example.com", false, planWalk}, // in every email
		{"0050", false, planWalk},
		{"be", false, planWalk}, // no trigram: the index would be read whole
		{"be", true, planWalk},
		{"user", true, planTrigram},
	} {
		if got := st.plan(tc.term, tc.force); got != tc.want {
			t.Errorf("plan(%q, force %v) = %v, want %v", tc.term, tc.force, got, tc.want)
		}
	}
	for _, tc := range []struct {
		st   *searchStats
		want searchPlan
	}{
		{&searchStats{trigram: true, rows: 999}, planByPlanner},
		{&searchStats{trigram: true, rows: -1}, planByPlanner}, // never analyzed
		{&searchStats{trigram: false, rows: 1e6}, planWalk},
	} {
		if got := tc.st.plan("bench", false); got != tc.want {
			t.Errorf("plan(bench) on %+v = %v, want %v", *tc.st, got, tc.want)
		}
	}
}
