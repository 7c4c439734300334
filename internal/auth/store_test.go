package auth

import (
	"testing"
	"time"
)

func TestEventCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 30, 0, 123456789, time.FixedZone("x", 3600))
	at2, id, err := DecodeEventCursor(EncodeEventCursor(at, "ev:1"))
	if err != nil {
		t.Fatalf("DecodeEventCursor: %v", err)
	}
	if want := at.Truncate(time.Microsecond).UTC(); !at2.Equal(want) || at2.Location() != time.UTC || id != "ev:1" {
		t.Fatalf("round trip = %v %q, want %v %q", at2, id, want, "ev:1")
	}
}

func TestDecodeEventCursorRejects(t *testing.T) {
	for _, c := range []string{"not base64!", "bm8tY29sb24", "eHg6aWQ"} { // "no-colon", "xx:id"
		if _, _, err := DecodeEventCursor(c); err == nil {
			t.Errorf("DecodeEventCursor(%q) succeeded", c)
		}
	}
}
