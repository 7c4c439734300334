//go:build !linux

package auth

// lowerThreadPriority does nothing where a thread's priority can't be
// lowered on its own.
func lowerThreadPriority() {}
