package auth

import "sync"

// waiters lets attempts waiting for room under one subject be woken when
// a check of that subject is reported, instead of polling the store. It
// only knows this process; Lockout.Reserve also looks again now and then
// for checks reported by other copies.
type waiters struct {
	mu sync.Mutex
	m  map[string]*waiter
}

type waiter struct {
	ch chan struct{} // closed by the next wake
	n  int           // attempts watching
}

func newWaiters() *waiters { return &waiters{m: map[string]*waiter{}} }

// watch returns a channel closed by the next wake of key, and the
// function to call once done with it.
func (w *waiters) watch(key string) (<-chan struct{}, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wt := w.m[key]
	if wt == nil {
		wt = &waiter{ch: make(chan struct{})}
		w.m[key] = wt
	}
	wt.n++
	return wt.ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if wt.n--; wt.n == 0 && w.m[key] == wt {
			delete(w.m, key)
		}
	}
}

// wake wakes every attempt watching key.
func (w *waiters) wake(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wt := w.m[key]; wt != nil {
		close(wt.ch)
		wt.ch = make(chan struct{})
	}
}
