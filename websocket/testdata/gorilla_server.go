//go:build ignore

// gorilla_server: a gorilla/websocket echo server — the peer of brisk's
// client in //websocket:client_test, and of brisk's helloserver /ws in the
// WebSocket measurements (//bench:ws_compare). Every message is sent back
// with the type it came with.
//
// Build (Debian's golang-go and golang-github-gorilla-websocket-dev, no
// downloads):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache \
//	    go build -o /tmp/gorilla_server websocket/testdata/gorilla_server.go
//
// Run:
//
//	GOMAXPROCS=1 /tmp/gorilla_server -addr=127.0.0.1:9002 [-deflate [-level=6]]
//
// Flags:
//
//	-addr     listen address (default 127.0.0.1:9002); the endpoint is /ws
//	-deflate  negotiate permessage-deflate when the client offers it.
//	          gorilla only does "no context takeover": each message is
//	          compressed on its own (brisk's default mode too)
//	-level    flate level of the messages it compresses (1..9, default 6)
//
// Threads: GOMAXPROCS from the environment, as for any Go program.

package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9002", "listen address")
	deflate := flag.Bool("deflate", false, "permessage-deflate (no context takeover) when the client offers it")
	level := flag.Int("level", 6, "flate level for compressed messages (1..9)")
	flag.Parse()

	upgrader := websocket.Upgrader{
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		EnableCompression: *deflate,
		// A benchmark peer: any Origin may connect.
		CheckOrigin: func(*http.Request) bool { return true },
	}

	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has answered the request with the error
		}
		defer conn.Close()
		if *deflate {
			if err := conn.SetCompressionLevel(*level); err != nil {
				log.Printf("gorilla_server: %v", err)
				return
			}
		}
		for {
			// ReadMessage answers pings and echoes a close (gorilla's
			// default handlers), then returns the close as an error.
			mt, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	})

	// Port 0 picks one; the line below says which (tests read it).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
