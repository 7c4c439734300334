package apiserver

import (
	"encoding/json"
	"errors"
	"testing"
)

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
