//go:build ignore

// gorilla_client: gorilla/websocket as the CLIENT of a WebSocket echo
// server (brisk's, in //websocket:gorilla_peer_test and helloserver /ws;
// websocket/testdata/gorilla_server.go to check this program itself), one case per
// line:
//
//	<case>: ok
//	<case>: FAIL <why>
//
// and exit status 1 if any case failed. On a failure the frames the client
// sent and received on that case's connection (headers in hex, the start of
// each payload unmasked) go to stderr.
//
// Build (Debian's golang-go and golang-github-gorilla-websocket-dev, no
// downloads; the "ignore" tag keeps `go build ./...` from seeing a main
// in a test directory):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache \
//	    go build -o /tmp/gorilla_client websocket/testdata/gorilla_client.go
//
// Run (the server must echo every message with its type, and offer
// permessage-deflate for the "compressed" case):
//
//	bazel-bin/tools/helloserver --addr=127.0.0.1:18090 --threads=1 --ws_deflate &
//	/tmp/gorilla_client -url=ws://127.0.0.1:18090/ws [-v] [-skip=compressed]
//
// Cases (each on its own connection):
//
//	text                    a text message with multi-byte UTF-8 echoed
//	binary                  1 KiB of random bytes echoed
//	fragmented              1000 bytes of text sent as 16 frames (gorilla's
//	                        writer flushes a frame whenever its 64-byte
//	                        buffer fills), a frame edge inside a character
//	large                   a 500 KB binary message echoed
//	edge_sizes              300 messages of 0, 1, 125, 126, 127, 65535 and
//	                        65536 bytes (text and binary in turn), written
//	                        while the echoes are read
//	ping                    pings of 0, 20 and 125 bytes answered by pongs
//	                        with the same payloads, before the next echo
//	close                   our close 1000 answered by the server's close
//	                        1000, then the server ends the TCP connection
//	compressed              permessage-deflate accepted (response header),
//	                        200 JSON messages and a 200 KB one echoed, and
//	                        the server compressed some of what it sent
//	invalid_utf8            a text message 0xff: the server closes with 1007
//	invalid_utf8_truncated  (extra) text ending in half a character: 1007
//	invalid_utf8_fragmented (extra) a character begun at the end of one
//	                        fragment, broken in the next: 1007
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

var (
	url     = flag.String("url", "ws://127.0.0.1:18090/ws", "WebSocket echo endpoint")
	verbose = flag.Bool("v", false, "print the frames of every case to stderr, not only of failed ones")
	skip    = flag.String("skip", "", "comma-separated cases not to run")
)

func main() {
	flag.Parse()
	cases := []struct {
		name string
		run  func() (*session, error)
	}{
		{"text", caseText},
		{"binary", caseBinary},
		{"fragmented", caseFragmented},
		{"large", caseLarge},
		{"edge_sizes", caseEdgeSizes},
		{"ping", casePing},
		{"close", caseClose},
		{"compressed", caseCompressed},
		{"invalid_utf8", caseInvalidUTF8},
		{"invalid_utf8_truncated", caseInvalidUTF8Truncated},
		{"invalid_utf8_fragmented", caseInvalidUTF8Fragmented},
	}
	skipped := map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		skipped[strings.TrimSpace(s)] = true
	}
	failed := 0
	for _, c := range cases {
		if skipped[c.name] {
			fmt.Printf("%s: skipped\n", c.name)
			continue
		}
		s, err := c.run()
		if err != nil {
			failed++
			fmt.Printf("%s: FAIL %v\n", c.name, err)
		} else {
			fmt.Printf("%s: ok\n", c.name)
		}
		if s != nil {
			if err != nil || *verbose {
				s.dump(c.name)
			}
			s.ws.Close()
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// ---------------------------------------------------------------------------
// Connections whose frames are recorded

// frame: one WebSocket frame seen on the socket.
type frame struct {
	fin, rsv1 bool
	opcode    byte
	length    uint64
	head      []byte // the header as sent (mask key included)
	payload   []byte // its first bytes, unmasked
}

const keepPayload = 24 // payload bytes kept per data frame for the dumps

// frameScanner parses one direction of a connection's byte stream into
// frames as the bytes go by.
type frameScanner struct {
	mu     sync.Mutex
	hdr    []byte
	cur    *frame
	left   uint64 // payload bytes of cur still to come
	pos    uint64 // payload bytes of cur seen
	frames []frame
}

// headerLen: the full length of a frame header that starts with h, or 0
// while h is too short to tell.
func headerLen(h []byte) int {
	if len(h) < 2 {
		return 0
	}
	n := 2
	switch h[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if h[1]&0x80 != 0 {
		n += 4
	}
	return n
}

func (s *frameScanner) feed(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(p) > 0 {
		if s.cur == nil { // inside a header
			s.hdr = append(s.hdr, p[0])
			p = p[1:]
			if n := headerLen(s.hdr); n == 0 || len(s.hdr) < n {
				continue
			}
			h := s.hdr
			f := &frame{fin: h[0]&0x80 != 0, rsv1: h[0]&0x40 != 0, opcode: h[0] & 0x0f,
				head: append([]byte(nil), h...)}
			switch l7 := h[1] & 0x7f; l7 {
			case 126:
				f.length = uint64(h[2])<<8 | uint64(h[3])
			case 127:
				for _, b := range h[2:10] {
					f.length = f.length<<8 | uint64(b)
				}
			default:
				f.length = uint64(l7)
			}
			s.cur, s.left, s.pos, s.hdr = f, f.length, 0, s.hdr[:0]
		} else {
			n := uint64(len(p))
			if n > s.left {
				n = s.left
			}
			for _, b := range p[:n] {
				if s.pos < keepPayload || s.cur.opcode >= 8 { // control frames whole (<= 125)
					h := s.cur.head
					if h[1]&0x80 != 0 { // masked: the key is the header's last 4 bytes
						b ^= h[len(h)-4+int(s.pos%4)]
					}
					s.cur.payload = append(s.cur.payload, b)
				}
				s.pos++
			}
			p = p[n:]
			s.left -= n
		}
		if s.cur != nil && s.left == 0 {
			s.frames = append(s.frames, *s.cur)
			s.cur = nil
		}
	}
}

func (s *frameScanner) snapshot() []frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]frame(nil), s.frames...)
}

// tapConn feeds what the client writes and reads to two scanners.
type tapConn struct {
	net.Conn
	out, in *frameScanner
}

func (c *tapConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.feed(p[:n])
	return n, err
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.feed(p[:n])
	return n, err
}

type session struct {
	ws      *websocket.Conn
	resp    *http.Response
	out, in *frameScanner
	raw     net.Conn // the socket under ws (for the end of the connection)
}

// dial connects with the given write buffer size (0: gorilla's 4096) and
// compression offer; every read and write must finish within 20 s.
func dial(writeBuf int, compress bool) (*session, error) {
	s := &session{out: &frameScanner{}, in: &frameScanner{}}
	d := websocket.Dialer{
		WriteBufferSize:   writeBuf,
		EnableCompression: compress,
		HandshakeTimeout:  10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			s.raw = c
			// The handshake's bytes are not frames: tap only after it.
			return &tapConn{Conn: c, out: &frameScanner{}, in: &frameScanner{}}, nil
		},
	}
	ws, resp, err := d.Dial(*url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %v", err)
	}
	tap := ws.UnderlyingConn().(*tapConn)
	tap.out, tap.in = s.out, s.in
	s.ws, s.resp = ws, resp
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	ws.SetWriteDeadline(time.Now().Add(20 * time.Second))
	return s, nil
}

var opNames = map[byte]string{0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}

// dump prints the last frames each way to stderr.
func (s *session) dump(name string) {
	for _, dir := range []struct {
		label string
		sc    *frameScanner
	}{{"client->server", s.out}, {"server->client", s.in}} {
		frames := dir.sc.snapshot()
		fmt.Fprintf(os.Stderr, "  [%s] %s: %d frames\n", name, dir.label, len(frames))
		from := 0
		if len(frames) > 12 {
			from = len(frames) - 12
			fmt.Fprintf(os.Stderr, "    ... %d earlier frames\n", from)
		}
		for _, f := range frames[from:] {
			op := opNames[f.opcode]
			if op == "" {
				op = fmt.Sprintf("op%d", f.opcode)
			}
			more := ""
			if uint64(len(f.payload)) < f.length {
				more = " ..."
			}
			fmt.Fprintf(os.Stderr, "    %-6s fin=%v rsv1=%v len=%d head=% x payload=% x%s\n",
				op, b2i(f.fin), b2i(f.rsv1), f.length, f.head, f.payload, more)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---------------------------------------------------------------------------
// Helpers

var typeNames = map[int]string{websocket.TextMessage: "text", websocket.BinaryMessage: "binary"}

// echo sends one message and checks that the next one read is the same.
func echo(ws *websocket.Conn, mt int, p []byte) error {
	if err := ws.WriteMessage(mt, p); err != nil {
		return fmt.Errorf("write: %v", err)
	}
	return expect(ws, mt, p)
}

// expect reads a message and compares it with the one sent.
func expect(ws *websocket.Conn, mt int, want []byte) error {
	got, data, err := ws.ReadMessage()
	if err != nil {
		return fmt.Errorf("read (after sending %s of %d bytes): %v", typeNames[mt], len(want), err)
	}
	if got != mt {
		return fmt.Errorf("sent %s, echo is %s", typeNames[mt], typeNames[got])
	}
	if !bytes.Equal(data, want) {
		i := 0
		for i < len(data) && i < len(want) && data[i] == want[i] {
			i++
		}
		return fmt.Errorf("sent %d bytes, echo has %d, first difference at byte %d", len(want), len(data), i)
	}
	return nil
}

// expectClose reads until the server's close and checks its code.
func expectClose(ws *websocket.Conn, code int) error {
	for {
		mt, data, err := ws.ReadMessage()
		if err == nil {
			more := ""
			if len(data) > 16 {
				data, more = data[:16], " ..."
			}
			return fmt.Errorf("a %s message (% x%s) where the close %d was expected", typeNames[mt], data, more, code)
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			return fmt.Errorf("want the server's close %d, got %v", code, err)
		}
		if ce.Code != code {
			return fmt.Errorf("want close code %d, got %d (%q)", code, ce.Code, ce.Text)
		}
		return nil
	}
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// asciiText: n bytes of printable ASCII (valid UTF-8 of any length).
func asciiText(n int, seed int64) []byte {
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(' ' + r.Intn(95))
	}
	return b
}

// jsonMessage: a JSON document of about n bytes with varying values.
func jsonMessage(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"seq":%d,"items":[`, r.Intn(1000000))
	for i := 0; b.Len() < n-2; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%d","price":%d.%02d,"tags":["t%d","t%d"],"ok":%v}`,
			r.Intn(100000), r.Intn(5000), r.Intn(1000), r.Intn(100), r.Intn(20), r.Intn(20), r.Intn(2) == 0)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// ---------------------------------------------------------------------------
// Cases

func caseText() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	return s, echo(s.ws, websocket.TextMessage, []byte("héllo, brisk ✓ — ünïcödé 🌍"))
}

func caseBinary() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	return s, echo(s.ws, websocket.BinaryMessage, randomBytes(1024, 1))
}

func caseFragmented() (*session, error) {
	// 64-byte frames; "ab" then 5-byte "✓é" pairs puts a frame edge
	// inside a character.
	s, err := dial(64, false)
	if err != nil {
		return nil, err
	}
	msg := []byte("ab" + strings.Repeat("✓é", 199) + "xyz") // 1000 bytes
	split := false
	for i := 64; i < len(msg); i += 64 {
		split = split || !utf8.RuneStart(msg[i])
	}
	if len(msg) != 1000 || !split {
		return s, fmt.Errorf("test bug: message of %d bytes, a character split: %v", len(msg), split)
	}
	w, err := s.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return s, err
	}
	for i := 0; i < len(msg); i += 100 {
		if _, err := w.Write(msg[i : i+100]); err != nil {
			return s, fmt.Errorf("write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		return s, fmt.Errorf("write: %v", err)
	}
	frames := s.out.snapshot()
	if len(frames) < 2 || frames[0].opcode != 1 || frames[0].fin || !frames[len(frames)-1].fin {
		return s, fmt.Errorf("test bug: gorilla did not fragment (%d frames)", len(frames))
	}
	for _, f := range frames[1:] {
		if f.opcode != 0 {
			return s, fmt.Errorf("test bug: a fragment with opcode %d", f.opcode)
		}
	}
	return s, expect(s.ws, websocket.TextMessage, msg)
}

func caseLarge() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	return s, echo(s.ws, websocket.BinaryMessage, randomBytes(500*1000, 2))
}

func caseEdgeSizes() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536}
	type msg struct {
		mt int
		p  []byte
	}
	msgs := make([]msg, 300)
	for i := range msgs {
		n := sizes[i%len(sizes)]
		if i%2 == 0 {
			msgs[i] = msg{websocket.BinaryMessage, randomBytes(n, int64(i))}
		} else {
			msgs[i] = msg{websocket.TextMessage, asciiText(n, int64(i))}
		}
	}
	// Written while read: 10 MB would not fit in the sockets' buffers.
	werr := make(chan error, 1)
	go func() {
		for _, m := range msgs {
			if err := s.ws.WriteMessage(m.mt, m.p); err != nil {
				werr <- fmt.Errorf("write: %v", err)
				return
			}
		}
		werr <- nil
	}()
	for i, m := range msgs {
		if err := expect(s.ws, m.mt, m.p); err != nil {
			s.ws.Close() // ends the writer
			<-werr
			return s, fmt.Errorf("message %d (%d bytes): %v", i, len(m.p), err)
		}
	}
	return s, <-werr
}

func casePing() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	var pongs []string
	s.ws.SetPongHandler(func(p string) error {
		pongs = append(pongs, p)
		return nil
	})
	pings := []string{"", "brisk ping 012345678", string(asciiText(125, 3))}
	for _, p := range pings {
		if err := s.ws.WriteControl(websocket.PingMessage, []byte(p), time.Now().Add(5*time.Second)); err != nil {
			return s, fmt.Errorf("ping: %v", err)
		}
	}
	// The pongs come before this message's echo; ReadMessage runs the
	// pong handler for each on its way to the echo.
	if err := echo(s.ws, websocket.TextMessage, []byte("after the pings")); err != nil {
		return s, err
	}
	if len(pongs) != len(pings) {
		return s, fmt.Errorf("%d pongs before the echo, want %d", len(pongs), len(pings))
	}
	for i := range pings {
		if pongs[i] != pings[i] {
			return s, fmt.Errorf("pong %d: payload %q, want %q", i, pongs[i], pings[i])
		}
	}
	return s, nil
}

func caseClose() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	if err := echo(s.ws, websocket.TextMessage, []byte("before the close")); err != nil {
		return s, err
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := s.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second)); err != nil {
		return s, fmt.Errorf("close: %v", err)
	}
	if err := expectClose(s.ws, websocket.CloseNormalClosure); err != nil {
		return s, err
	}
	// RFC 6455 §7.1.1: after the handshake the server closes TCP first.
	s.raw.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := s.raw.Read(make([]byte, 64))
	if err != io.EOF {
		return s, fmt.Errorf("after the close handshake: want the server's EOF, got %d bytes, %v", n, err)
	}
	return s, nil
}

func caseCompressed() (*session, error) {
	s, err := dial(0, true)
	if err != nil {
		return nil, err
	}
	ext := s.resp.Header.Get("Sec-WebSocket-Extensions")
	if !strings.Contains(ext, "permessage-deflate") {
		return s, fmt.Errorf("server did not accept permessage-deflate (Sec-WebSocket-Extensions: %q)", ext)
	}
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 200; i++ {
		m := jsonMessage(r, 40+r.Intn(2000))
		if err := echo(s.ws, websocket.TextMessage, m); err != nil {
			return s, fmt.Errorf("JSON message %d (%d bytes): %v", i, len(m), err)
		}
	}
	big := jsonMessage(r, 200*1000)
	if err := echo(s.ws, websocket.TextMessage, big); err != nil {
		return s, fmt.Errorf("200 KB JSON message: %v", err)
	}
	sentCompressed, gotCompressed := 0, 0
	for _, f := range s.out.snapshot() {
		if f.rsv1 {
			sentCompressed++
		}
	}
	for _, f := range s.in.snapshot() {
		if f.rsv1 {
			gotCompressed++
		}
	}
	if *verbose {
		fmt.Fprintf(os.Stderr, "  [compressed] %s; client compressed %d messages, server %d\n",
			ext, sentCompressed, gotCompressed)
	}
	if sentCompressed == 0 {
		return s, fmt.Errorf("test bug: gorilla compressed nothing")
	}
	if gotCompressed == 0 {
		return s, fmt.Errorf("negotiated, but the server compressed none of its 201 messages")
	}
	return s, nil
}

func caseInvalidUTF8() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	// gorilla does not check the text it sends.
	if err := s.ws.WriteMessage(websocket.TextMessage, []byte{0xff}); err != nil {
		return s, fmt.Errorf("write: %v", err)
	}
	return s, expectClose(s.ws, websocket.CloseInvalidFramePayloadData)
}

func caseInvalidUTF8Truncated() (*session, error) {
	s, err := dial(0, false)
	if err != nil {
		return nil, err
	}
	// "abc" and the first two bytes of "€" (e2 82 ac).
	if err := s.ws.WriteMessage(websocket.TextMessage, []byte("abc\xe2\x82")); err != nil {
		return s, fmt.Errorf("write: %v", err)
	}
	return s, expectClose(s.ws, websocket.CloseInvalidFramePayloadData)
}

func caseInvalidUTF8Fragmented() (*session, error) {
	s, err := dial(64, false)
	if err != nil {
		return nil, err
	}
	// Frame 1: 63 ASCII bytes and e2 (a 3-byte character begun); frame 2
	// starts with '(' where a continuation byte must be.
	msg := append(asciiText(63, 5), 0xe2)
	msg = append(msg, []byte("(rest of the message)")...)
	w, err := s.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return s, err
	}
	if _, err := w.Write(msg); err != nil {
		return s, fmt.Errorf("write: %v", err)
	}
	if err := w.Close(); err != nil {
		return s, fmt.Errorf("write: %v", err)
	}
	return s, expectClose(s.ws, websocket.CloseInvalidFramePayloadData)
}
