package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// Exit statuses of a run stopped by a signal, as a shell reports a process
// killed by it (128 + the signal number), so scripts can tell an
// interrupted run from a failed one.
const (
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// interruptible returns a context that is cancelled by the first SIGINT or
// SIGTERM, and a function telling which signal cancelled it (nil while
// none has). After the first signal the handler is removed, so a second
// Ctrl-C kills the process at once; the checkpoint it may interrupt is
// written through a temporary file, so the previous one survives. stop
// must be called when the run ends.
func interruptible(parent context.Context) (ctx context.Context, caught func() os.Signal, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			got.Store(s)
			signal.Stop(ch)
			cancel()
		case <-done:
		}
	}()
	caught = func() os.Signal {
		s, _ := got.Load().(os.Signal)
		return s
	}
	stop = func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
	return ctx, caught, stop
}

// interruptedError reports a run stopped by a signal after saving its
// state; its exit status is that of the signal.
type interruptedError struct {
	sig        os.Signal
	step       int
	checkpoint string
}

func (e *interruptedError) Error() string {
	return fmt.Sprintf("interrupted by %v at step %d; state saved to %s, continue with --resume %s", e.sig, e.step, e.checkpoint, e.checkpoint)
}

// status is the process exit status for the signal.
func (e *interruptedError) status() int {
	if e.sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

// interruptStatus returns the exit status for err when it reports an
// interrupted run.
func interruptStatus(err error) (int, bool) {
	var ie *interruptedError
	if errors.As(err, &ie) {
		return ie.status(), true
	}
	return 0, false
}
