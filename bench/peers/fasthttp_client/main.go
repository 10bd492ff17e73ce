// fasthttp_client: a closed-loop load generator on fasthttp's HostClient,
// the client-side peer of brisk's load tool. Prints one JSON line:
// {"requests": N, "duration_s": S, "requests_per_sec": R, "errors": E}.
package main

import (
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port")
	conns := flag.Int("c", 64, "connections (one goroutine each)")
	dur := flag.Duration("d", 5*time.Second, "duration")
	flag.Parse()
	hc := &fasthttp.HostClient{Addr: *addr, MaxConns: *conns}
	var ok, bad int64
	start := time.Now()
	end := start.Add(*dur)
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := fasthttp.AcquireRequest()
			resp := fasthttp.AcquireResponse()
			req.SetRequestURI("http://" + *addr + "/")
			for time.Now().Before(end) {
				if err := hc.Do(req, resp); err != nil || resp.StatusCode() >= 400 {
					atomic.AddInt64(&bad, 1)
				} else {
					atomic.AddInt64(&ok, 1)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("{\"requests\": %d, \"duration_s\": %.3f, \"requests_per_sec\": %.1f, \"errors\": %d}\n",
		ok, secs, float64(ok)/secs, bad)
}
