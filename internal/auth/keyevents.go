package auth

import "context"

// EventKeyRevoked is the security event of a signing key revoked with
// `bizy keys revoke`; its detail names the key and the one signing after.
const EventKeyRevoked = "signing_key_revoked"

// RecordKeyRevoked stores the security event of KeyRing.Revoke having
// revoked kid, with next the signing key after it.
func (s *Service) RecordKeyRevoked(ctx context.Context, kid, next string, c Client) {
	s.record(ctx, s.store, Event{Type: EventKeyRevoked, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "kid " + kid + "; now signing with " + next})
}
