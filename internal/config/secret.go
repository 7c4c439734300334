package config

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a Secret shows instead of its value.
const redacted = "REDACTED"

// Secret is a string that never shows its value in logs or formatted output:
// String, LogValue, Format (every fmt verb, %#v included) and MarshalText all
// give "REDACTED". Read the value with an explicit conversion, string(s).
type Secret string

// String returns "REDACTED", never the secret.
func (Secret) String() string { return redacted }

// LogValue returns "REDACTED" so that log/slog never records the secret.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Format writes "REDACTED" for every verb, so that fmt never prints the
// secret, not even with %#v, %x or %q.
func (Secret) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// MarshalText returns "REDACTED", so that encoding/json and other text
// encoders never write the secret.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
