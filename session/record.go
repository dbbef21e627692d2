package session

import (
	"fmt"
	"path/filepath"

	"leaky/engine"
	"leaky/npy"
)

// output is a recorder that streams to one .npy file. It owns its file
// and its position in it: the rows it holds are part of the run's state,
// saved in checkpoints and restored from them, and on resume the recorder
// reopens its .part file at that row.
type output[T engine.Float] interface {
	engine.Recorder[T]
	engine.Stateful
	// open creates the file, or reopens its .part file at the restored
	// row when resuming.
	open(resuming bool) error
	// sync makes every row recorded so far durable, for a checkpoint.
	sync() error
	// close finishes the file under its final name; abort removes it.
	close() error
	abort()
	// name is the file's name in the output directory.
	name() string
}

// traceFile streams one state variable of some neurons of a population to
// a (T, B, width) .npy file.
type traceFile[T engine.Float] struct {
	*engine.StreamTrace[T]
	path string
	w    *npy.Writer
	rows int64 // rows durable at the last sync, or restored
}

func newTraceFile[T engine.Float](pop *engine.Population[T], v engine.Var, neurons []int, path string) (*traceFile[T], error) {
	f := &traceFile[T]{path: path}
	st, err := engine.NewStreamTrace(pop, v, neurons, f.write)
	if err != nil {
		return nil, err
	}
	f.StreamTrace = st
	return f, nil
}

func (f *traceFile[T]) write(x []T) error {
	switch x := any(x).(type) {
	case []float32:
		return f.w.WriteFloat32(x)
	case []float64:
		return f.w.WriteFloat64(x)
	}
	return fmt.Errorf("unsupported element type %T", x)
}

func (f *traceFile[T]) name() string { return filepath.Base(f.path) }

func (f *traceFile[T]) StateVars() []engine.StateVar {
	return []engine.StateVar{engine.Int64Var("output/"+f.name()+"/rows", &f.rows)}
}

func (f *traceFile[T]) open(resuming bool) (err error) {
	if resuming {
		f.w, err = npy.Resume(f.path, engine.DType[T](), f.rows, f.Pop.Batch, f.Width())
	} else {
		f.w, err = npy.Create(f.path, engine.DType[T](), f.Pop.Batch, f.Width())
	}
	return err
}

func (f *traceFile[T]) sync() (err error) {
	f.rows, err = f.w.Checkpoint()
	return err
}

func (f *traceFile[T]) close() error { return f.w.Close() }

func (f *traceFile[T]) abort() {
	if f.w != nil {
		f.w.Abort()
	}
}

// spikeFile streams a population's spikes to an (S, 3) int64 .npy file of
// (step, trial, neuron) rows.
type spikeFile[T engine.Float] struct {
	*engine.StreamSpikes[T]
	path string
	w    *npy.Writer
	rows int64
}

func newSpikeFile[T engine.Float](pop *engine.Population[T], path string) (*spikeFile[T], error) {
	f := &spikeFile[T]{path: path}
	s, err := engine.NewStreamSpikes(pop, 0, func(x []int64) error { return f.w.WriteInt64(x) })
	if err != nil {
		return nil, err
	}
	f.StreamSpikes = s
	return f, nil
}

func (f *spikeFile[T]) name() string { return filepath.Base(f.path) }

func (f *spikeFile[T]) StateVars() []engine.StateVar {
	return []engine.StateVar{
		engine.Int64Var("output/"+f.name()+"/rows", &f.rows),
		engine.Int64Var("output/"+f.name()+"/count", &f.Count),
	}
}

func (f *spikeFile[T]) open(resuming bool) (err error) {
	if resuming {
		f.w, err = npy.Resume(f.path, "int64", f.rows, 3)
	} else {
		f.w, err = npy.Create(f.path, "int64", 3)
	}
	return err
}

func (f *spikeFile[T]) sync() (err error) {
	if err := f.Flush(); err != nil {
		return err
	}
	f.rows, err = f.w.Checkpoint()
	return err
}

func (f *spikeFile[T]) close() error {
	if err := f.Flush(); err != nil {
		return err
	}
	return f.w.Close()
}

func (f *spikeFile[T]) abort() {
	if f.w != nil {
		f.w.Abort()
	}
}
