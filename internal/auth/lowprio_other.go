//go:build !linux

package auth

import "time"

// lowerThreadPriority does nothing where a thread's priority can't be
// lowered on its own.
func lowerThreadPriority() {}

// threadCPU returns 0: a thread's own CPU time is read on Linux only.
func threadCPU() time.Duration { return 0 }
