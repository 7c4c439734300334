package postgres_test

import (
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// BenchmarkBound measures what the bound adds to a store call: a task read
// (QueryRow), a page of tasks (Query) and an update (Exec), each with the
// default bound and with none (a zero timeout). Compare allocs/op: the
// times are the shared server's.
func BenchmarkBound(b *testing.B) {
	url := pgtest.SchemaURL(b)
	for _, bc := range []struct {
		name    string
		timeout time.Duration
	}{{"bounded", postgres.DefaultTimeout}, {"unbounded", 0}} {
		db, err := postgres.OpenTimeout(b.Context(), url, bc.timeout)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if err := db.MigrateTasks(b.Context()); err != nil {
			b.Fatal(err)
		}
		s := db.TasksStore()
		now := time.Now().UTC()
		task := tasks.Task{ID: "0190f5d2-0000-7000-8000-0000000000b1", UserID: "bench", Title: "t",
			Status: "todo", Priority: "low", CreatedAt: now, UpdatedAt: now}
		if bc.timeout != 0 {
			if err := s.CreateTask(b.Context(), task); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("Task/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Task(b.Context(), task.UserID, task.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Tasks/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Tasks(b.Context(), task.UserID, tasks.TaskFilter{Limit: 20}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("UpdateTask/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := s.UpdateTask(b.Context(), task); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
