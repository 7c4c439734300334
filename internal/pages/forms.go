package pages

import (
	"net/http"
	"sort"
	"strings"
)

// form is what a form shows back: the values typed (never passwords) and an
// error per field, in the order the fields appear.
type form struct {
	Values map[string]string
	Errors map[string]string
	order  []string // field names, top to bottom
	// lead is set for a page that is the form (sign-in, sign-up): its
	// first field takes the focus even when nothing is wrong.
	lead bool
}

// newForm returns an empty form whose fields come in order.
func newForm(order ...string) *form {
	return &form{Values: map[string]string{}, Errors: map[string]string{}, order: order}
}

// leading marks f as the page's purpose, so its first field takes the
// focus; it returns f.
func (f *form) leading() *form {
	f.lead = true
	return f
}

// read copies the named fields of r's form into f.Values.
func (f *form) read(r *http.Request, names ...string) *form {
	for _, n := range names {
		f.Values[n] = r.PostFormValue(n)
	}
	return f
}

// require sets "Enter …" on each named field left empty.
func (f *form) require(fields map[string]string) {
	for name, what := range fields {
		if f.Values[name] == "" {
			f.Errors[name] = "Enter " + what
		}
	}
}

// fieldError is one entry of a form's error summary.
type fieldError struct{ Field, Message string }

// Summary lists the errors in the order of the fields, for the box at the
// top of the form that links to each one.
func (f *form) Summary() []fieldError {
	var out []fieldError
	seen := map[string]bool{}
	for _, n := range f.order {
		if m, ok := f.Errors[n]; ok {
			out = append(out, fieldError{n, m})
			seen[n] = true
		}
	}
	var rest []string
	for n := range f.Errors {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	for _, n := range rest {
		out = append(out, fieldError{n, f.Errors[n]})
	}
	return out
}

// first is the field that gets the focus: the first with an error, or,
// on a page that is the form, the first field when there is none.
func (f *form) first() string {
	if s := f.Summary(); len(s) > 0 {
		return s[0].Field
	}
	if f.lead && len(f.order) > 0 {
		return f.order[0]
	}
	return ""
}

// Optional is Field for a field that may be left empty (a filter): it is
// not required, and its second extra is a placeholder, not a hint.
func (f *form) Optional(name, label, typ string, extra ...string) field {
	fl := f.Field(name, label, typ, extra...)
	fl.Required, fl.Placeholder, fl.Hint = false, fl.Hint, ""
	return fl
}

// OK reports whether the form has no errors.
func (f *form) OK() bool { return len(f.Errors) == 0 }

// field is one input as the "field" partial draws it.
type field struct {
	Name, Label, Type, Value, Error, Hint, Autocomplete, Placeholder string
	Autofocus, Required                                              bool
}

// DescribedBy lists the ids of the hint and the error, for
// aria-describedby.
func (f field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// Field builds the input name of f for the template: its value and error,
// and autofocus when it is the field to focus. typ is the input type;
// extra is the autocomplete token, then an optional hint.
func (f *form) Field(name, label, typ string, extra ...string) field {
	fl := field{Name: name, Label: label, Type: typ, Error: f.Errors[name], Autofocus: f.first() == name, Required: true}
	if typ != "password" {
		fl.Value = f.Values[name]
	}
	if len(extra) > 0 {
		fl.Autocomplete = extra[0]
	}
	if len(extra) > 1 {
		fl.Hint = extra[1]
	}
	return fl
}
