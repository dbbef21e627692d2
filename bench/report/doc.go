// Command report writes BENCHMARKS.md from one `make bench` run: the
// `leaky bench --json` result (the suite's tables and charts, the same code
// that prints `leaky bench`), the raw `go test -bench` output (its "cpu:"
// line) and benchstat's summary of it. Every ratio in the document comes
// from figures of that one run.
//
//	go run ./bench/report -json suite.json -raw raw.txt -benchstat stat.txt \
//	    -charts bench/charts -out BENCHMARKS.md [-smoke] [-note FILE]
package main
