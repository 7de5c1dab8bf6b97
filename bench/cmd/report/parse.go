package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds the measurements of one `go test -bench` output: for each
// benchmark name (without the -GOMAXPROCS suffix), each unit's values, one
// per run (-count).
type results struct {
	cpu     string
	source  string // the commit measured, as the benchmarks print it
	metrics map[string]map[string][]float64
	raw     []string // the benchmark lines, as printed
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark output. Lines other than results and the cpu header
// are ignored, so the output of a failing run parses to what did run.
func parse(r io.Reader) (*results, error) {
	res := &results{metrics: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			res.cpu = cpu
			continue
		}
		if src, ok := strings.CutPrefix(line, "source: "); ok {
			res.source = src
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		units := res.metrics[name]
		if units == nil {
			units = map[string][]float64{}
			res.metrics[name] = units
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			units[f[i+1]] = append(units[f[i+1]], v)
		}
		res.raw = append(res.raw, line)
	}
	return res, sc.Err()
}

// get returns the median of name's values in unit.
func (r *results) get(name, unit string) (float64, bool) {
	vs := r.metrics[name][unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}
