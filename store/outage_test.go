package store

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// proxy forwards TCP connections to a server until it is cut: then it
// closes the open connections and refuses new ones, as a server that went
// away does, until it is restored.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestPostgresOutage: PostgreSQL goes away while the writer runs (every
// connection cut, new ones refused) and comes back within RetryFor. The
// writer counts the failed attempts, retries with back-off, and in the end
// every record is in the store exactly once.
func TestPostgresOutage(t *testing.T) {
	base := os.Getenv("IBMITAP_PG_DSN")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("IBMITAP_PG_DSN is not set in CI")
		}
		t.Skip("IBMITAP_PG_DSN not set")
	}
	dsn := pgSchemaDSN(t, base)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	s := open(t, u.String())
	direct := open(t, dsn)

	w := NewWriter(s, WriterOptions{BatchSize: 50, BatchWait: 10 * time.Millisecond, RetryFor: time.Minute})
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T10:00:00Z")
	put := func(from, to int) {
		for i := from; i < to; i++ {
			f := flowAt("s", i, d0.Add(time.Duration(i)*time.Second), time.Second)
			if !w.Flow(&f) {
				t.Fatalf("record %d dropped", i)
			}
		}
	}
	put(0, 200)
	for w.Stats().Written < 200 {
		time.Sleep(10 * time.Millisecond)
	}
	p.cut(true)
	put(200, 500)
	deadline := time.Now().Add(10 * time.Second)
	for w.Stats().Retries < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	mid := w.Stats()
	if mid.Retries < 2 || mid.LastError == "" {
		t.Fatalf("during the outage: %+v, want failed attempts counted", mid)
	}
	p.cut(false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := w.Close(ctx)
	if err != nil || st.Written != 500 || st.Failed != 0 || st.Dropped != 0 {
		t.Fatalf("after the outage: %+v, %v", st, err)
	}
	t.Logf("outage: %d retries, last error %q", st.Retries, st.LastError)
	if n := count(t, direct, "flows"); n != 500 {
		t.Fatalf("%d rows, want 500", n)
	}
}
