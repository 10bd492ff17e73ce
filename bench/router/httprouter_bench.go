// httprouter_bench: the Go side of //bench:router_compare. It loads the
// routes of github_routes.txt into julienschmidt/httprouter (Debian's
// golang-github-julienschmidt-httprouter-dev) and measures Router.Lookup on
// their request paths, cycling through them one lookup per operation, the
// way //bench:router_benchmark measures brisk's Router::Lookup.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/hr httprouter_bench.go
//	/tmp/hr -routes bench/router/github_routes.txt -benchtime 1s
//
// Prints one JSON line: ns_per_op, allocs_per_op, bytes_per_op, iterations.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/julienschmidt/httprouter"
)

type route struct {
	method, pattern, path string
}

var sink httprouter.Params

// brisk's "{name}" is httprouter's ":name"; "{name...}" is "*name".
var (
	catchAll = regexp.MustCompile(`\{(\w+)\.\.\.\}`)
	param    = regexp.MustCompile(`\{(\w+)(:\w+)?\}`)
)

func toHttprouter(pattern string) string {
	pattern = catchAll.ReplaceAllString(pattern, "*$1")
	return param.ReplaceAllString(pattern, ":$1")
}

func load(file string) ([]route, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var routes []route
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s: want METHOD PATTERN PATH: %q", file, line)
		}
		routes = append(routes, route{f[0], f[1], f[2]})
	}
	return routes, s.Err()
}

func main() {
	file := flag.String("routes", "bench/router/github_routes.txt", "METHOD PATTERN PATH lines")
	benchtime := flag.Duration("benchtime", time.Second, "time to run the benchmark for")
	testing.Init()
	flag.Parse()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		panic(err)
	}
	routes, err := load(*file)
	if err != nil || len(routes) == 0 {
		fmt.Fprintln(os.Stderr, "httprouter_bench: no routes:", err)
		os.Exit(2)
	}

	router := httprouter.New()
	hit := -1
	for i, r := range routes {
		i := i
		router.Handle(r.method, toHttprouter(r.pattern),
			func(http.ResponseWriter, *http.Request, httprouter.Params) { hit = i })
	}
	// Every path must find its own route, as on the brisk side.
	for i, r := range routes {
		h, _, _ := router.Lookup(r.method, r.path)
		if h == nil {
			fmt.Fprintf(os.Stderr, "httprouter_bench: %s %s: no route\n", r.method, r.path)
			os.Exit(1)
		}
		h(nil, nil, nil)
		if hit != i {
			fmt.Fprintf(os.Stderr, "httprouter_bench: %s %s: wrong route\n", r.method, r.path)
			os.Exit(1)
		}
	}

	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		n, j := len(routes), 0
		for i := 0; i < b.N; i++ {
			r := &routes[j]
			if j++; j == n {
				j = 0
			}
			h, ps, _ := router.Lookup(r.method, r.path)
			if h == nil {
				b.Fatal("no route")
			}
			sink = ps
		}
	})
	n := float64(res.N)
	fmt.Printf("{\"router\": \"httprouter\", \"routes\": %d, \"ns_per_op\": %.3f, "+
		"\"allocs_per_op\": %.3f, \"bytes_per_op\": %.1f, \"iterations\": %d}\n",
		len(routes), float64(res.T.Nanoseconds())/n,
		float64(res.MemAllocs)/n, float64(res.MemBytes)/n, res.N)
}
