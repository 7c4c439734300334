package mailtest_test

import (
	"context"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

var _ auth.Outbox = (*mailtest.Memory)(nil)

func TestMemoryOutbox(t *testing.T) {
	mailtest.OutboxSuite(t, func(t *testing.T) (auth.Outbox, func(context.Context, auth.OutboxEmail) error) {
		m := &mailtest.Memory{}
		return m, m.Enqueue
	})
}
