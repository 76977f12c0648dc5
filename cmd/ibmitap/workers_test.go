package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture/synth"
)

// readWorkers runs `read --format json --workers n` and returns stdout and
// stderr (the counter line).
func readWorkers(t *testing.T, n string, files ...string) (string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"read", "--format", "json", "--workers", n}, files...)
	if code := run(context.Background(), args, nil, &out, &errb); code != exitOK {
		t.Fatalf("--workers %s: exit %d: %s", n, code, errb.String())
	}
	return out.String(), errb.String()
}

// TestWorkersIdentical: any number of workers writes the same bytes as one,
// records, order, run summary and counters, on every bundled capture (one by
// one and all as one timeline) and on a generated busy-port capture.
func TestWorkersIdentical(t *testing.T) {
	files := captures(t)
	busy := filepath.Join(t.TempDir(), "busy.pcap")
	writeBusy(t, busy)
	sets := [][]string{files, {busy}}
	for _, f := range files {
		sets = append(sets, []string{f})
	}
	for _, set := range sets {
		one, oneErr := readWorkers(t, "1", set...)
		for _, n := range []string{"2", "3", "4"} {
			got, gotErr := readWorkers(t, n, set...)
			if got != one || gotErr != oneErr {
				t.Errorf("%v: --workers %s differs from one worker:\n%s\n--- one worker\n%s", set, n, firstDiff(got, one), oneErr)
			}
		}
	}
}

// firstDiff shows where two outputs part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "got:  " + a[lo:min(len(a), i+200)] + "\nwant: " + b[lo:min(len(b), i+200)]
}

// writeBusy writes a small busy-port capture: many interleaved
// connections, some recognised, some not, some left open, some reused.
func writeBusy(t *testing.T, name string) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := synth.NewWriter(f, synth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	genBusy(w, 30000, 300)
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
}

// genBusy writes n packets of up to open interleaved connections: TLS,
// HTTP, FTP with a passive data connection, a port-mapper lookup followed
// by the connection it announced, unrecognisable bytes, SYN-only scans,
// DNS; with pauses long enough for UDP and TCP idle expiry.
func genBusy(w *synth.Writer, n, open int) {
	r := rand.New(rand.NewPCG(9, 9))
	type conn struct {
		steps []func()
	}
	host := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}) }
	srv := netip.MustParseAddr("10.1.1.10")
	port := uint16(30000)
	newConn := func() *conn {
		port++
		cl := netip.AddrPortFrom(host(r.IntN(200)), port)
		k := &conn{}
		tcp := func(sp uint16, msgs ...[]byte) {
			c := w.TCP(cl, netip.AddrPortFrom(srv, sp))
			k.steps = append(k.steps, func() { c.SYN() }, func() { c.SYNACK() }, func() { c.Ack(synth.Client) })
			for i, m := range msgs {
				side := synth.Side(i % 2)
				k.steps = append(k.steps, func() { c.Send(side, m) }, func() { c.Ack(1 - side) })
			}
			if r.IntN(5) > 0 {
				k.steps = append(k.steps, func() { c.FIN(synth.Client) }, func() { c.FIN(synth.Server) }, func() { c.Ack(synth.Client) })
			}
		}
		random := func(l int) []byte {
			b := make([]byte, l)
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			return b
		}
		switch r.IntN(8) {
		case 0:
			tcp(9476, synth.ClientHello("ibmi.example.com", r.Uint64()), synth.ServerHello(r.Uint64()), synth.AppData(100, 1))
		case 1:
			tcp(80, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		case 2:
			dp := 40000 + port%10000 // announced ports differ per connection: see Pool on learning across host pairs
			tcp(21, []byte("USER BOB\r\n"), []byte("220 hi\r\n"), []byte("PASV\r\n"),
				[]byte(fmt.Sprintf("227 Entering Passive Mode (10,1,1,10,%d,%d)\r\n", dp>>8, dp&0xFF)))
			c := w.TCP(netip.AddrPortFrom(cl.Addr(), port+5000), netip.AddrPortFrom(srv, dp))
			k.steps = append(k.steps, func() { c.SYN() }, func() { c.SYNACK() }, func() { c.Send(synth.Server, random(300)) }, func() { c.FIN(synth.Client) })
		case 3:
			lp := 50000 + port%10000
			tcp(449, []byte("as-signon"), []byte{0x2B, 0, 0, byte(lp >> 8), byte(lp)})
			c := w.TCP(netip.AddrPortFrom(cl.Addr(), port+6000), netip.AddrPortFrom(srv, lp))
			k.steps = append(k.steps, func() { c.SYN() }, func() { c.SYNACK() }, func() { c.Send(synth.Client, random(40)) })
		case 4:
			c := w.TCP(cl, netip.AddrPortFrom(srv, uint16(1+r.IntN(1024))))
			k.steps = append(k.steps, func() { c.SYN() })
		case 5:
			k.steps = append(k.steps, func() { w.UDP(cl, netip.AddrPortFrom(srv, 53), random(30)) }, func() { w.UDP(netip.AddrPortFrom(srv, 53), cl, random(60)) })
		default:
			tcp(uint16(20000+r.IntN(100)), random(1+r.IntN(2000)), random(1+r.IntN(3000)), random(10))
		}
		return k
	}
	conns := make([]*conn, open)
	for i := range conns {
		conns[i] = newConn()
	}
	for w.Packets() < n && w.Err() == nil {
		i := r.IntN(open)
		c := conns[i]
		c.steps[0]()
		if c.steps = c.steps[1:]; len(c.steps) == 0 {
			conns[i] = newConn()
		}
		switch r.IntN(4000) {
		case 0:
			w.Sleep(70 * time.Second) // UDP flows expire
		case 1:
			w.Sleep(6 * time.Minute) // TCP flows expire
		}
	}
}
