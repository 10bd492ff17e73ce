// fasthttp_hello: the fasthttp peer of brisk's helloserver, for side-by-side
// benchmarks. Built from Debian's golang-github-valyala-fasthttp-dev with
// GO111MODULE=off (no download).
package main

import (
	"flag"
	"log"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	cert := flag.String("tls-cert", "", "serve HTTPS with this certificate (PEM)")
	key := flag.String("tls-key", "", "and this key (PEM)")
	flag.Parse()
	hello := []byte("Hello, World!")
	handler := func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/echo" {
			ctx.SetBody(ctx.PostBody())
			return
		}
		// /sleep?ms=N answers after N ms (the sleeping-handlers measurement).
		if string(ctx.Path()) == "/sleep" {
			ms := ctx.QueryArgs().GetUintOrZero("ms")
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		ctx.SetContentType("text/plain")
		ctx.SetBody(hello)
	}
	s := &fasthttp.Server{Handler: handler, Name: "fasthttp"}
	if *cert != "" {
		log.Fatal(s.ListenAndServeTLS(*addr, *cert, *key))
	}
	log.Fatal(s.ListenAndServe(*addr))
}
