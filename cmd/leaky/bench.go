package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"leaky/bench/suite"
	"leaky/internal/atomicfile"
	"leaky/kernels"
)

func init() {
	register("bench", "run the CPU benchmark suite, or compare two results", runBench)
}

// runBench is `leaky bench [flags]` and `leaky bench compare A.json B.json`.
func runBench(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "compare" {
		if err := benchCompare(args[1:], stdout); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	fs := flag.NewFlagSet("leaky bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: leaky bench [flags]\n       leaky bench compare A.json B.json\n\nRuns leaky's fixed CPU benchmark suite (version "+suite.SuiteVersion+"): kernel micro-benchmarks\nagainst the machine's measured ceilings, and whole-network workloads at 1 and all threads.\n\nflags:")
		fs.PrintDefaults()
	}
	quick := fs.Bool("quick", false, "fewer sizes and a smaller time budget (under 30 s)")
	filter := fs.String("filter", "", "run only the figures whose ID matches this regular expression (e.g. 'LeakyUpdate/avx2')")
	threads := fs.Int("threads", 0, "the all-threads count for the workloads (default: all cores)")
	kernel := fs.String("kernel", "", "benchmark only this kernel implementation (generic, avx2, avx512) besides the naive twins, and run the workloads with it")
	budget := fs.Duration("time-budget", 0, fmt.Sprintf("measuring time shared over the figures (default %s, %s with --quick)", suite.DefaultBudget, suite.QuickBudget))
	jsonOut := fs.String("json", "", "also write every figure and the machine description to this JSON file")
	plotOut := fs.String("plot", "", "also draw throughput against working-set size, with the ceilings, to this PNG file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, badInput(fmt.Errorf("bench: unexpected argument %q (did you mean `leaky bench compare A.json B.json`?)", fs.Arg(0))))
	}
	opts := suite.Options{Quick: *quick, Threads: *threads, Kernel: *kernel, TimeBudget: *budget}
	if *threads < 0 {
		return fail(stderr, badInput(fmt.Errorf("--threads must be ≥ 1 (or 0 for all cores), got %d", *threads)))
	}
	if *budget < 0 {
		return fail(stderr, badInput(fmt.Errorf("--time-budget must be positive, got %s", *budget)))
	}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			return fail(stderr, badInput(fmt.Errorf("--filter %q is not a regular expression: %w", *filter, err)))
		}
		opts.Filter = re
	}
	if *plotOut != "" {
		if err := checkPNGPath(*plotOut); err != nil {
			return fail(stderr, badInput(err))
		}
	}
	// Fail on an unusable --kernel before minutes of measuring, not after.
	if *kernel != "" {
		if _, err := kernels.Lookup(*kernel); err != nil {
			return fail(stderr, badInput(fmt.Errorf("--kernel: %w", err)))
		}
	}
	progress := newProgress(stderr)
	opts.Progress = progress.update
	res, err := suite.Run(opts)
	progress.done()
	if err != nil {
		return fail(stderr, err)
	}
	suite.WriteText(stdout, res)
	if *jsonOut != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return fail(stderr, err)
		}
		if err := atomicfile.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			return fail(stderr, fmt.Errorf("--json: %w", err))
		}
	}
	if *plotOut != "" {
		if err := suite.WritePlot(res, *plotOut); err != nil {
			return fail(stderr, fmt.Errorf("--plot: %w", err))
		}
	}
	return exitOK
}

func checkPNGPath(path string) error {
	if len(path) < 4 || !(path[len(path)-4:] == ".png" || path[len(path)-4:] == ".PNG") {
		return fmt.Errorf("--plot %q: the plot is written as PNG, so the file name must end in .png", path)
	}
	return nil
}

// benchCompare is `leaky bench compare A.json B.json`.
func benchCompare(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return badInput(fmt.Errorf("usage: leaky bench compare A.json B.json (got %d file arguments)", len(args)))
	}
	a, err := readResult(args[0])
	if err != nil {
		return err
	}
	b, err := readResult(args[1])
	if err != nil {
		return err
	}
	t, err := suite.Compare(a, b)
	if err != nil {
		return badInput(fmt.Errorf("cannot compare %s and %s: %w", args[0], args[1], err))
	}
	for _, side := range []struct {
		label string
		r     *suite.Result
		path  string
	}{{"A", a, args[0]}, {"B", b, args[1]}} {
		fmt.Fprintf(stdout, "%s = %s\n", side.label, side.path)
		for _, l := range suite.MachineLines(side.r) {
			fmt.Fprintf(stdout, "    %s\n", l)
		}
	}
	fmt.Fprintln(stdout)
	t.WriteText(stdout)
	return nil
}

// readResult loads and validates a `leaky bench --json` file.
func readResult(path string) (*suite.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput(err)
	}
	if err := suite.Validate(data); err != nil {
		return nil, badInput(fmt.Errorf("%s is not a leaky bench result: %w", path, firstLine(err)))
	}
	var r suite.Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, badInput(fmt.Errorf("%s: %w", path, err))
	}
	return &r, nil
}

// firstLine keeps a joined validation error to its first violation, so the
// message stays one line.
func firstLine(err error) error {
	msg := err.Error()
	for i, c := range msg {
		if c == '\n' {
			return errors.New(msg[:i] + " (and more)")
		}
	}
	return err
}

// progress prints a one-line, self-overwriting status on stderr while the
// suite runs.
type progress struct {
	w     io.Writer
	start time.Time
	width int
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) update(done, total int, id string) {
	if id == "" {
		return
	}
	line := fmt.Sprintf("[%3d/%d %4.0fs] %s", done+1, total, time.Since(p.start).Seconds(), id)
	pad := max(0, p.width-len(line))
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%*s", line, pad, "")
}

func (p *progress) done() {
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%*s\r", p.width, "")
	}
}
