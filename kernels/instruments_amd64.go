//go:build !purego && !noasm

package kernels

// The Go wrappers of the generated measuring loops (the Instruments of
// dispatch_gen_amd64.go): like the kernels' wrappers they chunk long calls,
// since assembly cannot be preempted, and leave ragged tails to the generic
// code, which gives the same bits.

// peakFMA wraps an assembly peak-FMA loop doing flopsPerIter float32
// operations per iteration, chunking long runs since assembly cannot be
// preempted.
func peakFMA(f func(iters int), flopsPerIter int) func(iters int) int {
	return func(iters int) int {
		for done := 0; done < iters; {
			c := min(iters-done, 1<<16)
			f(c)
			done += c
		}
		return iters * flopsPerIter
	}
}

// readStream wraps a generated ReadStream loop: the assembly sums the body
// (whole multiples of streamLanes) into the partial sums, its sections
// side by side, in chunks of at most streamWork elements; readStreamFinish
// adds the tail and reduces as the generic code does. Chunks cut every
// section at the same offsets, so each sum still adds its values in order.
func readStream(f func(x []float32, stride, n, passes int, p *[streamLanes]float32)) func(x []float32, passes int) float32 {
	return func(x []float32, passes int) float32 {
		var p [streamLanes]float32
		body := len(x) &^ (streamLanes - 1)
		stride := body / streamSections
		const chunk = streamWork / streamSections
		if stride >= chunk {
			for range passes {
				for lo := 0; lo < stride; lo += chunk {
					f(x[lo:], stride, min(chunk, stride-lo), 1, &p)
				}
			}
		} else if stride > 0 {
			// Short streams loop over the passes inside the assembly, so
			// an L1-sized ceiling is not diluted by call overhead.
			per := chunk / stride
			for done := 0; done < passes; done += per {
				f(x, stride, stride, min(per, passes-done), &p)
			}
		}
		return readStreamFinish(&p, x[body:], passes)
	}
}

// addStream wraps a generated AddStream loop, chunked like readStream; the
// tail of fewer than addBlock elements goes to the generic code. Each
// element gets its passes additions in order either way, so the bits are
// generic's.
func addStream(f func(dst, src []float32, passes int)) func(dst, src []float32, passes int) {
	return func(dst, src []float32, passes int) {
		n := len(dst)
		src = src[:n]
		body := n &^ (addBlock - 1)
		if body >= streamWork {
			for range passes {
				for lo := 0; lo < body; lo += streamWork {
					hi := min(lo+streamWork, body)
					f(dst[lo:hi], src[lo:hi], 1)
				}
			}
		} else if body > 0 {
			per := streamWork / body
			for done := 0; done < passes; done += per {
				f(dst[:body], src[:body], min(per, passes-done))
			}
		}
		if body < n {
			addStreamGeneric32(dst[body:], src[body:], passes)
		}
	}
}

// inPlaceStream wraps a generated InPlaceStream loop: the assembly runs the
// body (whole multiples of inPlaceBlock) of every array, in chunks of at
// most streamWork elements over all the arrays together; the tail goes to
// the generic code. Each element gets its passes additions in order either
// way, so the bits are generic's.
func inPlaceStream(f func(xs *[InPlaceStreams]*float32, n, passes int, inc float32)) func(xs *[InPlaceStreams][]float32, passes int) {
	return func(xs *[InPlaceStreams][]float32, passes int) {
		n := len(xs[0])
		body := n &^ (inPlaceBlock - 1)
		if body > 0 {
			var ptrs [InPlaceStreams]*float32
			at := func(lo int) *[InPlaceStreams]*float32 {
				for s, x := range xs {
					ptrs[s] = &x[:n][lo]
				}
				return &ptrs
			}
			const chunk = streamWork / InPlaceStreams &^ (inPlaceBlock - 1)
			if body > chunk {
				for range passes {
					for lo := 0; lo < body; lo += chunk {
						f(at(lo), min(chunk, body-lo), 1, InPlaceInc)
					}
				}
			} else {
				per := chunk / body
				at(0)
				for done := 0; done < passes; done += per {
					f(&ptrs, body, min(per, passes-done), InPlaceInc)
				}
			}
		}
		if body < n {
			var tails [InPlaceStreams][]float32
			for s, x := range xs {
				tails[s] = x[body:n]
			}
			inPlaceStreamGeneric32(&tails, passes)
		}
	}
}
