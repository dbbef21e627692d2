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
// none has; a parent cancelled with an interruptCause counts as its
// signal). After the first signal the handler is removed, so a second
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
		if s, ok := got.Load().(os.Signal); ok {
			return s
		}
		// A parent cancelled with a signal as its cause stands for that
		// signal, so a caller (a test) can interrupt at a chosen step.
		var ic interruptCause
		if errors.As(context.Cause(parent), &ic) {
			return ic.sig
		}
		return nil
	}
	stop = func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
	return ctx, caught, stop
}

// interruptCause is a context cancellation cause standing for a signal:
// cancelling a run's context with it interrupts the run as the signal
// would.
type interruptCause struct{ sig os.Signal }

func (c interruptCause) Error() string { return "interrupted by " + c.sig.String() }

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
