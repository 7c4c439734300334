package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	csrfInput  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	tokenInput = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// confirmByPage does what a person does with a verification link, without
// a browser: open the page, then send its form (with the cookie the page
// set). It returns the answer to the form.
func confirmByPage(t *testing.T, link string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: checked} // held to the OpenAPI documents
	res, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf, tok := csrfInput.FindSubmatch(b), tokenInput.FindSubmatch(b)
	if csrf == nil || tok == nil {
		t.Fatalf("page %s has no form:\n%s", link, b)
	}
	action, err := res.Request.URL.Parse("/ui/verify-email")
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.PostForm(action.String(), url.Values{"csrf": {string(csrf[1])}, "token": {string(tok[1])}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ = io.ReadAll(res.Body)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("POST %s: Content-Type %q", action, res.Header.Get("Content-Type"))
	}
	return res.StatusCode, string(b)
}
