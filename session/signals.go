package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// interruptible returns a context that is cancelled by the first SIGINT,
// SIGTERM or SIGUSR1 when catch is set — SIGUSR1 for runs over MPI ranks:
// OpenMPI's mpirun passes it on at once and, unlike SIGTERM, does not kill
// the ranks a second later, so their final checkpoint may take as long as
// it needs — and a function telling which signal cancelled
// it (nil while none has; a parent cancelled with Interrupt's cause counts
// as its signal). After the first signal the handler is removed, so a
// second Ctrl-C kills the process at once; the checkpoint it may interrupt
// is written through a temporary file, so the previous one survives. stop
// must be called when the run ends.
func interruptible(parent context.Context, catch bool) (ctx context.Context, caught func() os.Signal, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	if catch {
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	}
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

// Interrupt returns a context cancellation cause standing for sig:
// cancelling a run's context with it interrupts the run as the signal
// would (checkpoint, interrupted summary, InterruptedError), which is how
// a caller that handles signals itself, or a test, stops a run.
func Interrupt(sig os.Signal) error { return interruptCause{sig} }

type interruptCause struct{ sig os.Signal }

func (c interruptCause) Error() string { return "interrupted by " + c.sig.String() }

// InterruptedError reports a run stopped by a signal after saving its
// state to Checkpoint; Summary is what summary.json then says.
type InterruptedError struct {
	Signal     os.Signal
	Step       int
	Checkpoint string
	Summary    *Summary
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted by %v at step %d; state saved to %s, continue with --resume %s", e.Signal, e.Step, e.Checkpoint, e.Checkpoint)
}

// ExitStatus is the status a shell reports for a process killed by the
// signal, 128 + its number, so scripts can tell an interrupted run from a
// failed one: 130 for SIGINT, 143 for SIGTERM, 138 for SIGUSR1.
func (e *InterruptedError) ExitStatus() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
