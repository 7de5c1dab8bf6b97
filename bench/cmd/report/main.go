// Command report turns the output of the bench module's benchmarks into a
// markdown table, kdyn beside client-go and controller-runtime, prints it and
// writes it with the run's date, Go version and CPU to a results file.
//
//	go test -run '^$' -bench . -benchmem . > bench.out
//	go run ./cmd/report -in bench.out -out RESULTS.md [-notes notes.md]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	in := flag.String("in", "", "benchmark output to read; stdin if empty")
	out := flag.String("out", "", "results file to write; none if empty")
	notes := flag.String("notes", "", "markdown appended to the results file (shortfalls and their causes)")
	flag.Parse()
	if err := run(*in, *out, *notes); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(in, out, notes string) error {
	r, err := read(in)
	if err != nil {
		return err
	}
	if len(r.raw) == 0 {
		return fmt.Errorf("no benchmark results in %q", in)
	}
	var table, doc strings.Builder
	writeTable(&table, r)
	writeGoals(&table, r)
	fmt.Print(table.String())
	if out == "" {
		return nil
	}
	fmt.Fprintf(&doc, "# kdyn benchmarks\n\nMeasured %s with `go version %s %s/%s` on %s (GOMAXPROCS %d) by `make bench`, at %s.\n\n",
		measured(in).UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.GOOS, runtime.GOARCH, cpuOf(r), runtime.GOMAXPROCS(0), sourceOf(r))
	doc.WriteString(setup)
	doc.WriteString(table.String())
	if notes != "" {
		b, err := os.ReadFile(notes)
		if err != nil {
			return err
		}
		doc.WriteString("\n")
		doc.Write(b)
	}
	fmt.Fprintf(&doc, "\n<details><summary>raw benchmark output</summary>\n\n```\n%s\n```\n</details>\n", strings.Join(r.raw, "\n"))
	return os.WriteFile(out, []byte(doc.String()), 0o644)
}

func read(in string) (*results, error) {
	var src io.Reader = os.Stdin
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		src = f
	}
	return parse(src)
}

// measured is when the benchmark output was written: the input file's
// modification time, so that a report made again later keeps the run's date.
func measured(in string) time.Time {
	if fi, err := os.Stat(in); err == nil {
		return fi.ModTime()
	}
	return time.Now()
}

func sourceOf(r *results) string {
	if r.source == "" {
		return "an unrecorded commit"
	}
	return r.source
}

func cpuOf(r *results) string {
	if r.cpu == "" {
		return "an unnamed CPU"
	}
	return r.cpu
}

// setup says what was measured, once, above the table.
const setup = `Every workload runs kdyn and its peers in the same process, against
` + "`fixture.Synthetic(groups, 4)`" + ` clusters served by ` + "`fixture.NewServer`" + ` over loopback
with 2 ms of latency per request (List and watch: a static body from an
httptest handler with the same latency). Peers use their default settings:
client-go's discovery client (QPS 5, discovery Burst 300) behind a memory
cache and the deferred discovery mapper, or its disk-cached discovery client;
controller-runtime's ` + "`apiutil.NewDynamicRESTMapper`" + `. Values are the median over
the runs of ` + "`-count`" + `. "gain" is how many times better kdyn does: peer ÷ kdyn
for costs (time, requests, bytes, allocations), kdyn ÷ peer for rates; ∞
where kdyn's cost is zero; — where a client has no such feature.

`

func writeTable(w io.Writer, r *results) {
	fmt.Fprintln(w, "| workload | kdyn | client-go | controller-runtime | gain vs client-go | gain vs controller-runtime |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, rw := range rows() {
		cells := []string{rw.label}
		for _, c := range clients {
			cells = append(cells, cell(rw, r, c))
		}
		for _, peer := range clients[1:] {
			g, ok := rw.gainOver(r, peer)
			cells = append(cells, map[bool]string{true: gain(g), false: "—"}[ok])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

func cell(rw row, r *results, client string) string {
	v, ok := rw.value(r, client)
	if !ok {
		return "—"
	}
	return rw.format(v)
}

func writeGoals(w io.Writer, r *results) {
	fmt.Fprintln(w, "\n| issue | target | measured | met |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, g := range goals() {
		m, met, ok := g.check(r)
		verdict := map[bool]string{true: "yes", false: "**no**"}[met]
		if !ok {
			m, verdict = "not measured", "—"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", g.issue, g.text, m, verdict)
	}
}
