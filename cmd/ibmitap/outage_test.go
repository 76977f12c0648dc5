package main

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/ship/shiptest"
)

// tcpProxy stands between the collector and PostgreSQL so a test can take
// the database away (every connection cut, new ones refused) without
// stopping the server other tests use.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go p.serve()
	return p
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
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
		s, err := net.Dial("tcp", p.target)
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
}

// setDown cuts every connection and refuses new ones (true), or lets them
// through again (false).
func (p *tcpProxy) setDown(down bool) {
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

// TestCollectDatabaseAway: PostgreSQL goes away while collect runs. The
// collector retries with back-off and commits no offset meanwhile, so even
// a collector killed during the outage loses nothing: once the database is
// back, a new one writes every record, exactly once.
func TestCollectDatabaseAway(t *testing.T) {
	dsn := pgDB(t)
	if dsn == "" {
		t.Skip("no PostgreSQL")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	db := testDB{"postgres", dsn} // counts directly, not through the proxy
	c := shiptest.New(t)
	topic := c.Topic(2)
	args := []string{"collect", "--kafka", strings.Join(c.Brokers, ","), "--kafka-topic", topic,
		"--group", "away", "--db", u.String(), "--batch", "500", "--session-timeout", "6s"}

	const n1, n2 = 2000, 3000
	shipFlows(t, c.Brokers, topic, "away", n1)
	first := startChild(t, args...)
	waitUntil(t, "the first records", 60*time.Second, func() bool { return db.count(t, "flows") == n1 })
	proxy.setDown(true)
	shipFlowsFrom(t, c.Brokers, topic, "away", n1, n2)
	waitUntil(t, "a failed write", 60*time.Second, func() bool {
		return strings.Contains(first.output(), "offsets not committed")
	})
	time.Sleep(2 * time.Second)
	if got := db.count(t, "flows"); got != n1 {
		t.Fatalf("%d rows while the database was away, want %d", got, n1)
	}
	// Killed during the outage: whatever it read and could not write is
	// not committed.
	first.stop(t, syscall.SIGKILL)
	proxy.setDown(false)
	second := startChild(t, args...)
	waitUntil(t, "every record", 90*time.Second, func() bool { return db.count(t, "flows") >= n1+n2 })
	time.Sleep(time.Second)
	if code := second.stop(t, syscall.SIGTERM); code != exitOK {
		t.Fatalf("SIGTERM: exit %d: %s", code, second.output())
	}
	if got := db.count(t, "flows"); got != n1+n2 {
		t.Fatalf("%d rows, want %d", got, n1+n2)
	}
	t.Logf("first collector:\n%s", first.output())
}
