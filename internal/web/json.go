package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// MaxBodyBytes is the largest request body either server reads (1 MiB).
const MaxBodyBytes = 1 << 20

// DecodeError is a request body that could not be used: 400 for malformed
// JSON, 413 past MaxBodyBytes, 415 for a non-JSON content type, or 422 when
// Fields is set.
type DecodeError struct {
	Status int
	Code   string
	Detail string
	Fields map[string]string
}

func (e *DecodeError) Error() string { return e.Detail }

// Validator is implemented by request types that check themselves after
// decoding; a non-empty map becomes a 422 naming each field.
type Validator interface {
	Valid(ctx context.Context) map[string]string
}

// Decode reads one JSON value of type T from r's body (bounded by
// MaxBodyBytes) and runs its Valid method when it has one. The body must
// be labelled JSON (Content-Type application/json or +json), or it is a
// 415 before anything is read. It returns a *DecodeError for every problem
// the client caused. Routes without a body (logout, admin actions) don't
// call it, so they need no Content-Type.
func Decode[T any](r *http.Request) (T, error) {
	var v T
	if !isJSON(r.Header.Get("Content-Type")) {
		return v, &DecodeError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Detail: "request body must be application/json (send Content-Type: application/json)"}
	}
	body := http.MaxBytesReader(nil, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	if err := dec.Decode(&v); err != nil {
		return v, decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil && isTooLarge(err) {
			return v, decodeError(err)
		}
		return v, &DecodeError{Status: http.StatusBadRequest, Code: "malformed_json",
			Detail: "request body must hold a single JSON value"}
	}
	if val, ok := any(&v).(Validator); ok {
		if fields := val.Valid(r.Context()); len(fields) > 0 {
			return v, &DecodeError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Fields: fields}
		}
	}
	return v, nil
}

// isJSON reports whether the media type ct labels JSON: application/json
// or a +json type, with any parameters. A missing Content-Type is not
// JSON: the types a browser may send cross-site without a preflight
// (text/plain, forms) and none at all are refused alike, so a page on
// another site can't post a bare body to a JSON endpoint.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func decodeError(err error) *DecodeError {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case isTooLarge(err):
		return &DecodeError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Detail: fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)}
	case errors.As(err, &typ) && typ.Field != "":
		return &DecodeError{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
			Fields: map[string]string{typ.Field: "must be a " + jsonKind(typ.Type.Kind().String())}}
	case errors.As(err, &syn):
		return &DecodeError{Status: http.StatusBadRequest, Code: "malformed_json",
			Detail: fmt.Sprintf("malformed JSON at byte %d", syn.Offset)}
	case errors.Is(err, io.EOF):
		return &DecodeError{Status: http.StatusBadRequest, Code: "malformed_json", Detail: "request body is empty"}
	default:
		return &DecodeError{Status: http.StatusBadRequest, Code: "malformed_json", Detail: "malformed JSON"}
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "object"
	default:
		return "number"
	}
}

// jsonContentType is the Content-Type of JSON, shared by every answer
// rather than allocated by Header.Set for each (see SecurityHeaders).
var jsonContentType = []string{"application/json"}

// buffers holds the buffers JSON encodes into, so an answer costs no
// allocation for its body beyond what the encoder needs.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer put back in buffers: a rare huge
// answer (an export) must not stay in the pool for every small one.
const maxPooledBuffer = 64 << 10

// bufferedLength is the longest body for which JSON leaves Content-Length
// to net/http, which buffers such a body whole and sets it (its
// bufferBeforeChunkingSize) but sends a longer one chunked unless told the
// length. Below it the header would be one allocation and one header
// more for nothing: a ninth header grows the header map into a table,
// which costs more than the rest of the headers together.
const bufferedLength = 2048

// JSON writes v as JSON, followed by a newline, with the given status; the
// answer has a Content-Length, never chunked encoding. It encodes v before
// writing anything, so a value that does not encode returns its error with
// nothing written (a Handler then answers 500); a failed write, a client
// gone, is not reported.
func JSON(w http.ResponseWriter, status int, v any) error {
	buf := buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			buffers.Put(buf)
		}
	}()
	// Encode writes what json.Marshal returns, and the newline.
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return err
	}
	writeBody(w, status, buf)
	return nil
}

// JSONAppend is JSON for an answer whose encoding a hot route writes by
// hand: appendBody appends the JSON value (as json.Marshal would encode
// it; AppendString writes its strings) to the slice it is given and
// returns the result. JSONAppend adds the newline and answers as JSON
// does. It spares encoding/json's reflection and the boxing of the value,
// most of the cost of a small answer.
func JSONAppend(w http.ResponseWriter, status int, appendBody func([]byte) []byte) {
	buf := buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			buffers.Put(buf)
		}
	}()
	buf.Write(append(appendBody(buf.AvailableBuffer()), '\n'))
	writeBody(w, status, buf)
}

// writeBody sends buf, JSON with its newline, with the given status.
func writeBody(w http.ResponseWriter, status int, buf *bytes.Buffer) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	if buf.Len() > bufferedLength {
		h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
