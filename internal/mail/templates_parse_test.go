package mail

import (
	"sync"
	"testing"
)

// TestTemplatesParse: the templates are parsed on the first message, not in
// NewTemplates, so this test is what catches a broken template before a
// send would. Every message has its text and HTML part.
func TestTemplatesParse(t *testing.T) {
	tmpl, err := parsed()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"verification", "password_reset", "password_changed", "unlock"} {
		if tmpl.text.Lookup(name+".txt") == nil || tmpl.html.Lookup(name+".html") == nil {
			t.Errorf("message %q lacks its text or HTML template", name)
		}
	}
}

// TestTemplatesRenderConcurrently: the first messages may be rendered by
// several requests at once; each gets the whole message (run with -race).
func TestTemplatesRenderConcurrently(t *testing.T) {
	tpl, err := NewTemplates("https://bizy.example.com")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			m, err := tpl.PasswordReset("a@example.com", "alice", "tok")
			if err != nil || m.Text == "" || m.HTML == "" {
				t.Errorf("PasswordReset = %+v, %v; want both parts", m, err)
			}
		})
	}
	wg.Wait()
}
