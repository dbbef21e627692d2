package kernels

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestSelfCheckPasses checks that every implementation this CPU runs
// passes its self-check, and that Available lists them all.
func TestSelfCheckPasses(t *testing.T) {
	n := 0
	for _, impl := range Known() {
		if !supported(impl) {
			continue
		}
		n++
		if err := selfCheck(impl); err != nil {
			t.Errorf("%s: %v", impl.Name, err)
		}
	}
	if got := len(Available()); got != n {
		t.Errorf("Available lists %d implementations, the CPU runs %d", got, n)
	}
	if f := Fallbacks(); len(f) != 0 {
		t.Errorf("fallbacks %v on a machine whose kernels agree", f)
	}
}

// perturbed returns a copy of Generic whose kernel field has its first
// output (V or dst; MatMul's C; BinaryMasks' masks, a bit flipped;
// SpikeIndices' returned indices) changed at index 5, or its last, after
// every call.
func perturbed(t *testing.T, field string) *Impl {
	t.Helper()
	impl := *Generic
	impl.Name = "broken-" + strings.ToLower(field)
	v := reflect.ValueOf(&impl).Elem().FieldByName(field)
	orig := v.Interface()
	out := 0
	if strings.HasPrefix(field, "MatMul") {
		out = 7
	}
	v.Set(reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		res := reflect.ValueOf(orig).Call(args)
		x := args[out].Index(min(5, args[out].Len()-1))
		if field == "SpikeIndices" {
			x = res[0].Index(min(5, res[0].Len()-1))
		}
		switch x.Kind() {
		case reflect.Uint64:
			x.SetUint(x.Uint() ^ 1)
		case reflect.Int32:
			x.SetInt(x.Int() + 1)
		default:
			x.SetFloat(x.Float() + 1)
		}
		return res
	}))
	return &impl
}

// TestSelfCheckCatchesEveryKernel breaks each kernel of a copy of Generic
// in turn and requires the self-check to name it.
func TestSelfCheckCatchesEveryKernel(t *testing.T) {
	ty := reflect.TypeFor[Impl]()
	for i := range ty.NumField() {
		f := ty.Field(i)
		if f.Type.Kind() != reflect.Func {
			continue
		}
		err := selfCheck(perturbed(t, f.Name))
		if err == nil || !strings.HasPrefix(err.Error(), f.Name+":") {
			t.Errorf("%s broken: self-check says %v", f.Name, err)
		}
	}
}

// TestSelfCheckFallsBack registers an implementation whose COBA update is
// off in one value, as the best one, and checks that it is not used: Best
// and Lookup fall back to the implementation below it, Available leaves it
// out, one warning names it and the kernel, and Fallbacks reports it.
func TestSelfCheckFallsBack(t *testing.T) {
	savedKnown, savedSupported, savedWarnings, savedActive := known, supported, warnings, active
	checkMu.Lock()
	savedChecked, savedFallbacks := checked, fallbacks
	checked, fallbacks = map[*Impl]error{}, nil
	checkMu.Unlock()
	defer func() {
		known, supported, warnings, active = savedKnown, savedSupported, savedWarnings, savedActive
		checkMu.Lock()
		checked, fallbacks = savedChecked, savedFallbacks
		checkMu.Unlock()
	}()
	below := Best()
	broken := perturbed(t, "CobaUpdate32")
	known = append(append([]*Impl(nil), known...), broken)
	supported = func(impl *Impl) bool { return impl == broken || savedSupported(impl) }
	var warned bytes.Buffer
	warnings = &warned

	if got := Best(); got != below {
		t.Fatalf("Best is %s, want the fallback %s", got.Name, below.Name)
	}
	for _, impl := range Available() {
		if impl == broken {
			t.Fatal("Available lists the broken implementation")
		}
	}
	got, err := Lookup(broken.Name)
	if err != nil || got != below {
		t.Fatalf("Lookup(%q) = %v, %v; want %s", broken.Name, got, err, below.Name)
	}
	if err := Use(broken.Name); err != nil || Active() != below {
		t.Fatalf("Use(%q): %v, active %s; want %s", broken.Name, err, Active().Name, below.Name)
	}
	if w := warned.String(); strings.Count(w, "\n") != 1 || !strings.Contains(w, broken.Name) || !strings.Contains(w, "CobaUpdate32") {
		t.Fatalf("want one warning naming %s and CobaUpdate32, got %q", broken.Name, w)
	}
	f := Fallbacks()
	if len(f) != 1 || f[0].Impl != broken.Name || f[0].Err == nil {
		t.Fatalf("Fallbacks() = %v", f)
	}
}

// BenchmarkSelfCheck times the self-check of each implementation, which
// runs once per process before the implementation is first used.
func BenchmarkSelfCheck(b *testing.B) {
	for _, impl := range Known() {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			skipUnsupported(b, impl)
			for b.Loop() {
				if err := selfCheck(impl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
