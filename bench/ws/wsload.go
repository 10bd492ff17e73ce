//go:build ignore

// wsload: a WebSocket load generator on gorilla/websocket's client, for
// echo servers (brisk's helloserver /ws, websocket/testdata/gorilla_server.go).
// (Each file in bench/ws is its own program, built by naming it; the
// "ignore" tag keeps `go build ./...` from seeing several mains.)
//
// Build (Debian's golang-go and golang-github-gorilla-websocket-dev, no
// downloads):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache \
//	    go build -o /tmp/wsload bench/ws/wsload.go
//
// -url defaults to websocket/testdata/gorilla_server.go's ws://127.0.0.1:9002/ws.
//
// Load mode (the default): -conns connections each send a message, wait
// for its echo and send the next (or keep -pipeline messages in flight)
// for -duration; every echo is compared with what was sent. One line:
//
//	/tmp/wsload -url=ws://127.0.0.1:18090/ws -conns=64 -size=64 -duration=10s
//	msgs=1234567 secs=10.001 rate=123445 bytes_sent_wire=... bytes_recv_wire=... payload_bytes=64
//
//	msgs             echoes received (and checked) in the measured window
//	bytes_*_wire     WebSocket bytes (frame headers, masks, compressed
//	                 payloads) written and read by the client in that window,
//	                 counted on the socket; TCP/IP overhead not included
//	payload_bytes    the mean size of the messages sent, before compression
//
// Payloads: binary random bytes (the default); -text: random lowercase
// words; -json: a JSON document of about -size bytes whose numbers and
// strings differ from message to message (compresses like real JSON), sent
// as text. A pool of 64 distinct payloads is cycled through.
// -deflate offers permessage-deflate (gorilla: no context takeover, its
// own default flate level 1 for what it sends).
//
// Idle mode: -idle=N opens N connections (spread over the source addresses
// 127.0.0.1..127.0.0.<-src_ips> so that the ephemeral ports of one address
// never run out), completes each handshake, prints
//
//	idle_open=N open_secs=...
//
// once all are open, holds them for -hold without sending anything (each
// still reads, so the server's keep-alive pings get their pongs), prints
//
//	idle_held=N dropped=0 pings=P secs=...
//
// (pings: the server's keep-alive pings answered meanwhile) and closes
// them all with a close handshake. -src_ips defaults to 8; -deflate
// applies here too.
//
//	/tmp/wsload -url=ws://127.0.0.1:18090/ws -idle=10000 -hold=20s
//
// Exit status: 0; 1 if an echo differed from what was sent, or a
// connection failed (a handshake, a read, a write, a dropped idle
// connection, a missing close answer); 2 on bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:9002/ws", "WebSocket echo endpoint")
	conns := flag.Int("conns", 64, "load: connections")
	size := flag.Int("size", 64, "load: message payload bytes")
	duration := flag.Duration("duration", 10*time.Second, "load: how long to send")
	text := flag.Bool("text", false, "load: text messages (random words) instead of binary")
	jsonDocs := flag.Bool("json", false, "load: JSON-like text payloads of about -size bytes (implies -text)")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate")
	pipeline := flag.Int("pipeline", 1, "load: messages in flight per connection")
	idle := flag.Int("idle", 0, "idle mode: open this many connections and hold them")
	hold := flag.Duration("hold", 20*time.Second, "idle mode: how long to hold them")
	srcIPs := flag.Int("src_ips", 8, "idle mode: source addresses 127.0.0.1..127.0.0.N, used in turn")
	flag.Parse()
	if *conns < 1 || *size < 0 || *pipeline < 1 || *idle < 0 || *srcIPs < 1 || *srcIPs > 254 {
		fmt.Fprintln(os.Stderr, "wsload: bad flags (need -conns>=1, -size>=0, -pipeline>=1, 1<=-src_ips<=254)")
		os.Exit(2)
	}

	if *idle > 0 {
		raiseNoFile(*idle + 64)
		os.Exit(runIdle(*url, *idle, *hold, *srcIPs, *deflate))
	}
	raiseNoFile(*conns + 64)
	msgType := websocket.BinaryMessage
	if *text || *jsonDocs {
		msgType = websocket.TextMessage
	}
	kind := "binary"
	if *jsonDocs {
		kind = "json"
	} else if *text {
		kind = "text"
	}
	payloads := makePayloads(64, *size, kind)
	os.Exit(runLoad(*url, *conns, *duration, *pipeline, *deflate, msgType, payloads))
}

// ---------------------------------------------------------------------------
// Payloads

func makePayloads(n, size int, kind string) [][]byte {
	r := rand.New(rand.NewSource(1))
	out := make([][]byte, n)
	for i := range out {
		switch kind {
		case "json":
			out[i] = jsonDoc(r, size)
		case "text":
			out[i] = words(r, size)
		default:
			b := make([]byte, size)
			r.Read(b)
			out[i] = b
		}
	}
	return out
}

// jsonDoc: a flat JSON object of about `size` bytes, fields added while
// they fit (key names repeat with a suffix, values are random), the rest
// filled by a "pad" string. At least one field, so a tiny -size gives a
// small document a little over it.
func jsonDoc(r *rand.Rand, size int) []byte {
	names := []string{"id", "user", "ts", "price", "qty", "active", "city", "score", "lat", "lon"}
	cities := []string{"Berlin", "Lagos", "Lima", "Osaka", "Quebec", "Perth", "Tunis", "Oslo"}
	field := func(i int) string {
		key := names[i%len(names)]
		if i >= len(names) {
			key = fmt.Sprintf("%s_%d", key, i/len(names))
		}
		var v string
		switch i % len(names) {
		case 0:
			v = fmt.Sprint(r.Intn(10000000))
		case 1:
			v = fmt.Sprintf(`"user%d"`, r.Intn(100000))
		case 2:
			v = fmt.Sprint(1700000000000 + r.Int63n(100000000))
		case 3:
			v = fmt.Sprintf("%d.%02d", r.Intn(1000), r.Intn(100))
		case 4:
			v = fmt.Sprint(1 + r.Intn(50))
		case 5:
			v = fmt.Sprint(r.Intn(2) == 0)
		case 6:
			v = `"` + cities[r.Intn(len(cities))] + `"`
		case 7:
			v = fmt.Sprintf("%.4f", r.Float64()*100)
		case 8:
			v = fmt.Sprintf("%.5f", r.Float64()*180-90)
		default:
			v = fmt.Sprintf("%.5f", r.Float64()*360-180)
		}
		return fmt.Sprintf(`"%s":%s`, key, v)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; ; i++ {
		f := field(i)
		if i > 0 {
			if b.Len()+1+len(f)+1 > size { // ",<field>}" must fit
				break
			}
			b.WriteByte(',')
		}
		b.WriteString(f)
	}
	const padOverhead = len(`,"pad":""`) + 1
	if room := size - b.Len() - padOverhead; room > 0 {
		b.WriteString(`,"pad":"`)
		for j := 0; j < room; j++ {
			b.WriteByte(byte('a' + r.Intn(26)))
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// words: `size` bytes of random lowercase words separated by spaces.
func words(r *rand.Rand, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		if r.Intn(6) == 0 {
			b[i] = ' '
		} else {
			b[i] = byte('a' + r.Intn(26))
		}
	}
	return b
}

// ---------------------------------------------------------------------------
// Sockets

// countingConn counts the bytes the client writes to and reads from the
// socket (the WebSocket wire bytes: headers, masks, compressed payloads).
type countingConn struct {
	net.Conn
	sent, recv *int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	atomic.AddInt64(c.sent, int64(n))
	return n, err
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	atomic.AddInt64(c.recv, int64(n))
	return n, err
}

// raiseNoFile lifts the soft RLIMIT_NOFILE to `want` (and the hard limit,
// which only root may raise, when it is lower).
func raiseNoFile(want int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur >= uint64(want) {
		return
	}
	if lim.Max < uint64(want) {
		lim.Max = uint64(want)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		// Not root: the most the hard limit allows.
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		fmt.Fprintf(os.Stderr, "wsload: open files limited to %d (wanted %d)\n", lim.Max, want)
	}
}

// failures: the first few reasons are printed; any makes the exit status 1.
var failures int64

func fail(format string, args ...interface{}) {
	if atomic.AddInt64(&failures, 1) <= 5 {
		fmt.Fprintf(os.Stderr, "wsload: "+format+"\n", args...)
	}
}

// closeHandshake sends a 1000 close and waits (up to 2 s) for the server's
// close answer; anything else counts as a failure.
func closeHandshake(ws *websocket.Conn, who string) {
	defer ws.Close()
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(2*time.Second)); err != nil {
		fail("%s: sending close: %v", who, err)
		return
	}
	ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		_, _, err := ws.NextReader()
		if err == nil {
			continue // an echo still on its way (not expected: all were read)
		}
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			fail("%s: closing: want the server's close 1000, got %v", who, err)
		}
		return
	}
}

// ---------------------------------------------------------------------------
// Load mode

func runLoad(url string, nconns int, duration time.Duration, pipeline int, deflate bool, msgType int, payloads [][]byte) int {
	var sent, recv int64
	dialer := websocket.Dialer{
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		EnableCompression: deflate,
		HandshakeTimeout:  10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &sent, &recv}, nil
		},
	}

	// Every connection open before the clock starts.
	conns := make([]*websocket.Conn, nconns)
	compressed := 0
	for i := range conns {
		ws, resp, err := dialer.Dial(url, nil)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wsload: connection %d: %v\n", i, err)
			for _, c := range conns[:i] {
				c.Close()
			}
			return 1
		}
		if strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
			compressed++
		}
		conns[i] = ws
	}
	if deflate && compressed < nconns {
		fmt.Fprintf(os.Stderr, "wsload: the server accepted permessage-deflate on %d of %d connections\n", compressed, nconns)
	}

	var stop int32 // set at the end of -duration (or a failure): no new messages
	var msgs int64
	healthy := make([]bool, nconns) // no failure: ends with a close handshake
	var wg sync.WaitGroup
	sent0, recv0 := atomic.LoadInt64(&sent), atomic.LoadInt64(&recv)
	start := time.Now()
	time.AfterFunc(duration, func() { atomic.StoreInt32(&stop, 1) })
	for i, ws := range conns {
		wg.Add(1)
		go func(i int, ws *websocket.Conn) {
			defer wg.Done()
			var n int64
			var ok bool
			if pipeline == 1 {
				n, ok = pingPong(i, ws, &stop, msgType, payloads)
			} else {
				n, ok = pipelined(i, ws, &stop, pipeline, msgType, payloads)
			}
			if !ok {
				atomic.StoreInt32(&stop, 1) // the run is void: end it now
			}
			healthy[i] = ok
			atomic.AddInt64(&msgs, n)
		}(i, ws)
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	sentWire, recvWire := atomic.LoadInt64(&sent)-sent0, atomic.LoadInt64(&recv)-recv0

	for i, ws := range conns {
		if !healthy[i] {
			ws.Close()
			continue
		}
		wg.Add(1)
		go func(i int, ws *websocket.Conn) {
			defer wg.Done()
			closeHandshake(ws, fmt.Sprintf("connection %d", i))
		}(i, ws)
	}
	wg.Wait()

	total := 0
	for _, p := range payloads {
		total += len(p)
	}
	fmt.Printf("msgs=%d secs=%.3f rate=%.0f bytes_sent_wire=%d bytes_recv_wire=%d payload_bytes=%d\n",
		msgs, secs, float64(msgs)/secs, sentWire, recvWire, total/len(payloads))
	if n := atomic.LoadInt64(&failures); n > 0 {
		fmt.Fprintf(os.Stderr, "wsload: %d failures\n", n)
		return 1
	}
	return 0
}

// readInto reads the next message into buf (grown as needed) and returns
// its type and bytes: no allocation per message once buf is large enough.
func readInto(ws *websocket.Conn, buf *[]byte) (int, []byte, error) {
	mt, r, err := ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			*buf = b
			return mt, b, nil
		}
		if err != nil {
			return 0, nil, err
		}
	}
}

// check compares an echo with the message sent.
func check(i, k int, wantType int, want []byte, gotType int, got []byte) bool {
	if gotType == wantType && string(got) == string(want) {
		return true
	}
	fail("connection %d, message %d: sent type %d, %d bytes; echo type %d, %d bytes (differs)",
		i, k, wantType, len(want), gotType, len(got))
	return false
}

// payloadFor: connection i's k-th message (connections start at
// different places in the pool).
func payloadFor(i, k int, payloads [][]byte) []byte {
	return payloads[(i+k)%len(payloads)]
}

// pingPong: send, wait for the echo, repeat. Returns the echoes checked
// and whether all went well.
func pingPong(i int, ws *websocket.Conn, stop *int32, msgType int, payloads [][]byte) (int64, bool) {
	buf := make([]byte, 0, 4096)
	var n int64
	for k := 0; atomic.LoadInt32(stop) == 0; k++ {
		p := payloadFor(i, k, payloads)
		if err := ws.WriteMessage(msgType, p); err != nil {
			fail("connection %d: write: %v", i, err)
			return n, false
		}
		mt, got, err := readInto(ws, &buf)
		if err != nil {
			fail("connection %d: read: %v", i, err)
			return n, false
		}
		if !check(i, k, msgType, p, mt, got) {
			return n, false
		}
		n++
	}
	return n, true
}

// pipelined: a writer keeps up to `depth` messages in flight; the reader
// checks the echoes in order and frees a slot for each. The first of the
// two to fail reports it and closes the socket, which ends the other.
func pipelined(i int, ws *websocket.Conn, stop *int32, depth int, msgType int, payloads [][]byte) (int64, bool) {
	slots := make(chan struct{}, depth) // one per message in flight
	order := make(chan int, depth)      // what was sent, in order
	var broken int32
	breakWith := func(format string, args ...interface{}) {
		if atomic.CompareAndSwapInt32(&broken, 0, 1) {
			if format != "" {
				fail(format, args...)
			}
			atomic.StoreInt32(stop, 1)
			ws.Close()
		}
	}
	go func() {
		defer close(order)
		for k := 0; atomic.LoadInt32(stop) == 0; k++ {
			slots <- struct{}{}
			order <- k
			if err := ws.WriteMessage(msgType, payloadFor(i, k, payloads)); err != nil {
				breakWith("connection %d: write: %v", i, err)
				return
			}
		}
	}()
	buf := make([]byte, 0, 4096)
	var n int64
	for k := range order {
		if atomic.LoadInt32(&broken) == 0 {
			mt, got, err := readInto(ws, &buf)
			switch {
			case err != nil:
				breakWith("connection %d: read: %v", i, err)
			case !check(i, k, msgType, payloadFor(i, k, payloads), mt, got):
				breakWith("") // check has said why
			default:
				n++
			}
		}
		<-slots // (after a failure: only drained, so the writer can end)
	}
	return n, atomic.LoadInt32(&broken) == 0
}

// ---------------------------------------------------------------------------
// Idle mode

func runIdle(url string, n int, hold time.Duration, srcIPs int, deflate bool) int {
	// Small read buffers and pooled write buffers: an idle gorilla
	// connection then holds little memory on this side.
	pool := &sync.Pool{}
	dialerFor := func(src int) *websocket.Dialer {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+src))}
		return &websocket.Dialer{
			ReadBufferSize:    512,
			WriteBufferSize:   512,
			WriteBufferPool:   pool,
			EnableCompression: deflate,
			HandshakeTimeout:  30 * time.Second,
			NetDialContext:    (&net.Dialer{LocalAddr: local}).DialContext,
		}
	}
	dialers := make([]*websocket.Dialer, srcIPs)
	for i := range dialers {
		dialers[i] = dialerFor(i)
	}

	conns := make([]*websocket.Conn, n)
	var closing int32 // set once we start closing: a read error is then expected
	var dropped int64
	var pings int64 // keep-alive pings from the server, answered
	readers := sync.WaitGroup{}
	start := time.Now()
	gate := make(chan struct{}, 32) // handshakes under way at once
	var dialWG sync.WaitGroup
	var dialFailed int64
	for i := 0; i < n; i++ {
		gate <- struct{}{}
		dialWG.Add(1)
		go func(i int) {
			defer dialWG.Done()
			defer func() { <-gate }()
			ws, _, err := dialers[i%srcIPs].Dial(url, nil)
			if err != nil {
				if atomic.AddInt64(&dialFailed, 1) <= 5 {
					fmt.Fprintf(os.Stderr, "wsload: idle connection %d: %v\n", i, err)
				}
				return
			}
			conns[i] = ws
			answer := ws.PingHandler() // gorilla's: a pong with the payload
			ws.SetPingHandler(func(p string) error {
				atomic.AddInt64(&pings, 1)
				return answer(p)
			})
			// Reading answers the server's pings; any message or error
			// before we close is a dropped connection.
			readers.Add(1)
			go func() {
				defer readers.Done()
				_, _, err := ws.NextReader()
				if atomic.LoadInt32(&closing) == 0 {
					if atomic.AddInt64(&dropped, 1) <= 5 {
						fmt.Fprintf(os.Stderr, "wsload: idle connection %d ended early: %v\n", i, err)
					}
					return
				}
				if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
					fail("idle connection %d: closing: want the server's close 1000, got %v", i, err)
				}
			}()
		}(i)
	}
	dialWG.Wait()
	if dialFailed > 0 {
		fmt.Fprintf(os.Stderr, "wsload: %d of %d idle connections failed to open\n", dialFailed, n)
		for _, ws := range conns {
			if ws != nil {
				ws.Close()
			}
		}
		return 1
	}
	fmt.Printf("idle_open=%d open_secs=%.3f\n", n, time.Since(start).Seconds())

	time.Sleep(hold)
	held := n - int(atomic.LoadInt64(&dropped))
	fmt.Printf("idle_held=%d dropped=%d pings=%d secs=%.3f\n", held, n-held, atomic.LoadInt64(&pings), hold.Seconds())

	// Close each with a close frame; its reader sees the server's answer.
	atomic.StoreInt32(&closing, 1)
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	for _, ws := range conns {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second))
	}
	readers.Wait()
	for _, ws := range conns {
		ws.Close()
	}
	if held < n || atomic.LoadInt64(&failures) > 0 {
		return 1
	}
	return 0
}
