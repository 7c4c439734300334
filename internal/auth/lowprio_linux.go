package auth

import (
	"syscall"
	"time"
)

// hashNice is the nice value of the threads that hash passwords: below
// everything else of the process (and of the machine) when cores are
// short, so a login flood yields the CPU to health checks and token
// checks rather than competing with them as equals.
const hashNice = 10

// lowerThreadPriority lowers the calling thread's scheduling priority to
// hashNice. On Linux a thread's nice value is its own (setpriority on its
// thread id), so the rest of the process keeps its priority. Failure
// leaves the priority as it was.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), hashNice)
}

// threadCPU returns the CPU time the calling thread has spent so far (0
// if it can't be read): RUSAGE_THREAD counts this thread alone, so the
// difference around a hash is that hash's own CPU time, whatever else
// the process ran meanwhile.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD, not in package syscall
	var ru syscall.Rusage
	if syscall.Getrusage(rusageThread, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
