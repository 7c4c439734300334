package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
)

// ParsedMessage is a received message taken apart with the standard
// library, as a mail client would.
type ParsedMessage struct {
	Header  mail.Header
	Subject string // decoded
	Text    string // the text/plain part, decoded, lines ending in \n; "" if none
	HTML    string // the text/html part, likewise
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Link returns the first http(s) link of the text part, or "".
func (p *ParsedMessage) Link() string { return linkPattern.FindString(p.Text) }

// ParseMessage parses an RFC 5322 message with a single text part or a
// multipart/alternative body of text/plain and text/html parts. It returns
// an error for anything it cannot read.
func ParseMessage(data []byte) (*ParsedMessage, error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("mailtest: read message: %w", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return nil, fmt.Errorf("mailtest: subject: %w", err)
	}
	p := &ParsedMessage{Header: m.Header, Subject: subject}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("mailtest: content type: %w", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return p, p.addPart(mediaType, m.Header.Get("Content-Transfer-Encoding"), m.Body)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return nil, fmt.Errorf("mailtest: part: %w", err)
		}
		partType, _, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			return nil, fmt.Errorf("mailtest: part content type: %w", err)
		}
		if err := p.addPart(partType, part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
			return nil, err
		}
	}
}

func (p *ParsedMessage) addPart(mediaType, encoding string, r io.Reader) error {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("mailtest: %s body: %w", mediaType, err)
	}
	// SMTP lines end in CRLF; a mail client shows plain lines.
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	switch mediaType {
	case "text/plain":
		p.Text = text
	case "text/html":
		p.HTML = text
	}
	return nil
}
