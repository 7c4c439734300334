package apiserver

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestTimestampWritesWhatTimeMarshalsTo holds the views' timestamp strings
// to the JSON a time.Time in UTC encodes to, which the API sent before.
func TestTimestampWritesWhatTimeMarshalsTo(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tm := range []time.Time{
		time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2030, 1, 2, 3, 4, 5, 120_000_000, time.UTC),
		time.Date(2030, 1, 2, 3, 4, 5, 123_456_000, paris),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, paris),
	} {
		want, err := json.Marshal(tm.UTC())
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(timestamp(tm))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("timestamp(%v) encodes to %s, time.Time to %s", tm, got, want)
		}
	}
}

func TestOptionalString(t *testing.T) {
	type body struct {
		A optionalString `json:"a"`
	}
	for _, tc := range []struct {
		in        string
		set, null bool
		value     string
		patchNil  bool
	}{
		{`{}`, false, false, "", true},
		{`{"a": null}`, true, true, "", false},
		{`{"a": ""}`, true, false, "", false},
		{`{"a": "x"}`, true, false, "x", false},
	} {
		var b body
		if err := json.Unmarshal([]byte(tc.in), &b); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if b.A.Set != tc.set || b.A.Null != tc.null || b.A.Value != tc.value {
			t.Errorf("%s: got %+v", tc.in, b.A)
		}
		p := b.A.patch()
		if (p == nil) != tc.patchNil || (p != nil && *p != tc.value) {
			t.Errorf("%s: patch() = %v", tc.in, p)
		}
	}
	var b body
	err := json.Unmarshal([]byte(`{"a": 5}`), &b)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field != "a" {
		t.Fatalf("a number: err = %#v, want a type error naming a", err)
	}
}
