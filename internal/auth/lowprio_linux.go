package auth

import "syscall"

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
