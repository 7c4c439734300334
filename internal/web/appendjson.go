package web

import "unicode/utf8"

// The hot routes (verify-token, task pages) write their answers by
// appending (JSONAppend) rather than through encoding/json's reflection;
// AppendString is their string encoder. It writes no allocation for any
// string, and FuzzAppendString holds it equal to json.Marshal.

const hexDigits = "0123456789abcdef"

// jsonSafe tells the bytes AppendString copies as they are: ASCII from
// space up, but for '"', '\\' and the HTML characters '<', '>' and '&'
// (encoding/json's htmlSafeSet). A table keeps the loop over plain text to
// a load and a branch a byte.
var jsonSafe = func() (safe [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// AppendString appends s to b as a JSON string, byte for byte as
// encoding/json encodes a string with HTML escaping on (json.Marshal, json.Encoder's default): '"' and '\\'
// escaped, \b \f \n \r \t in short form, other control characters and '<',
// '>', '&' as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each
// byte of invalid UTF-8 as \ufffd. DEL (0x7f) and other characters are
// written as they are.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := safePrefix(s); i < len(s); i += safePrefix(s[i:]) {
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// safePrefix returns the length of s's longest prefix of jsonSafe bytes:
// a loop of its own compiles to a few instructions a byte, where inside
// AppendString's it took thirteen.
func safePrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if !jsonSafe[s[i]] {
			return i
		}
	}
	return len(s)
}
