package main

import (
	"sync"
	"testing"
)

// machine is the CPUs the parallel tests share. Most tests wait on real
// servers, processes and browsers, so they run side by side (share), as
// many at once as -parallel allows. The load tests keep the CPUs busy on
// purpose and run alone: beside them, a service in this test process,
// where under -race each bcrypt takes about a second, could miss even the
// longer bound these tests give the API's calls to the auth service
// (proxyTimeout, serve_test.go; a password change hashes twice).
var machine sync.RWMutex

// share marks t parallel; it runs beside other sharing tests, never beside
// a load test. Only a test without parallel subtests may share: a pending
// load test blocks new sharers, and a parent still sharing would then wait
// on its own subtests forever.
func share(t *testing.T) {
	t.Parallel()
	machine.RLock()
	t.Cleanup(machine.RUnlock) // the first cleanup, so it runs last
}

// alone marks t parallel, to run with no other parallel test (a load test).
func alone(t *testing.T) {
	t.Parallel()
	machine.Lock()
	t.Cleanup(machine.Unlock)
}
