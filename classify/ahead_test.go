package classify

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
)

// interleaved writes a capture of n TCP connections open at once, their
// packets interleaved one by one (so that the packets ahead of each one
// belong to other flows, new and old), some of them FTP and telnet logins
// whose findings depend on the bytes.
func interleaved(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "interleaved.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := synth.NewWriter(bw, synth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type conv struct {
		c    *synth.Conn
		msgs []string
	}
	var cs []*conv
	for i := range n {
		cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), uint16(30000+i))
		port := []uint16{21, 23, 31000}[i%3]
		c := &conv{c: w.TCP(cl, netip.AddrPortFrom(netip.MustParseAddr("10.1.0.1"), port))}
		switch port {
		case 21:
			c.msgs = []string{"s220 ready\r\n", "cUSER U" + fmt.Sprint(i) + "\r\n", "s331 pw\r\n", "cPASS secret\r\n", "s230 ok\r\n"}
		case 23:
			c.msgs = []string{"s\xff\xfd\x18", "c\xff\xfb\x18", "slogin: ", "cuser\r\n"}
		default:
			c.msgs = []string{"c\x01\x02random", "s\x03\x04bytes"}
		}
		cs = append(cs, c)
	}
	for _, c := range cs {
		c.c.SYN()
	}
	for _, c := range cs {
		c.c.SYNACK()
	}
	for _, c := range cs {
		c.c.Ack(synth.Client)
	}
	for more := true; more; {
		more = false
		for _, c := range cs {
			if len(c.msgs) == 0 {
				continue
			}
			m := c.msgs[0]
			c.msgs = c.msgs[1:]
			side := synth.Client
			if m[0] == 's' {
				side = synth.Server
			}
			c.c.Send(side, []byte(m[1:]))
			more = true
		}
	}
	for _, c := range cs {
		c.c.Close()
	}
	if err := bw.Flush(); err != nil || w.Err() != nil {
		t.Fatal(err, w.Err())
	}
	f.Close()
	return path
}

// sameFlowsBothWays reads every capture of testdata and a capture of
// 3,000 interleaved connections twice, once with a feature of the engine
// and once without (set turns it on or off and may wrap the source), and
// fails when the flows differ. It returns what used reports summed over
// the runs with the feature, so a test can tell that the feature was used.
func sameFlowsBothWays(t *testing.T, what string, set func(e *Engine, on bool, f *capture.File) capture.Source, used func(e *Engine) uint64) uint64 {
	t.Helper()
	files := []string{interleaved(t, 3000)}
	for _, pat := range []string{"../testdata/*.pcap", "../testdata/*.pcapng", "../testdata/*/*.pcap"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	run := func(name string, on bool) ([]Flow, uint64) {
		f, err := capture.OpenFile(name)
		if err != nil {
			return nil, 0 // captures that fail on purpose
		}
		defer f.Close()
		var flows []Flow
		e, err := New(Config{Emit: func(fl *Flow) {
			c := *fl
			c.Findings = slices.Clone(fl.Findings)
			flows = append(flows, c)
		}})
		if err != nil {
			t.Fatal(err)
		}
		src := set(e, on, f)
		if c, ok := src.(*capture.Prefetch); ok {
			defer c.Close()
		}
		if err := Drain(src, e, nil); err != nil && !errors.Is(err, io.EOF) {
			t.Logf("%s: %v", name, err)
		}
		e.Flush()
		return flows, used(e)
	}
	var total uint64
	for _, name := range files {
		without, _ := run(name, false)
		with, n := run(name, true)
		total += n
		if !reflect.DeepEqual(with, without) {
			t.Errorf("%s: %d flows with %s, %d without, or they differ", name, len(with), what, len(without))
		}
	}
	return total
}

// TestHintsChangeNothing: reading through capture.Prefetch, whose look
// ahead makes Drain prefetch slots and flows and hand each packet the key
// worked out in advance, gives the very flows a plain read gives, on every
// capture of testdata and on a capture of 3,000 interleaved connections.
func TestHintsChangeNothing(t *testing.T) {
	hinted := sameFlowsBothWays(t, "hints", func(e *Engine, on bool, f *capture.File) capture.Source {
		if on {
			return capture.NewPrefetch(f)
		}
		return f
	}, func(e *Engine) uint64 { return e.hintsUsed })
	if hinted < 10000 {
		t.Errorf("only %d packets used a hint: the look ahead is not wired", hinted)
	}
}

// TestEarlyLookChangesNothing: ruling a flow out on the first segment of
// its second direction before copying it gives the very flows the lazy
// inspection of the copied heads gives, on every capture of testdata and
// on generated flows of random bytes (which it rules out).
func TestEarlyLookChangesNothing(t *testing.T) {
	ruled := sameFlowsBothWays(t, "the early look", func(e *Engine, on bool, f *capture.File) capture.Source {
		e.noEarlyLook = !on
		return f
	}, func(e *Engine) uint64 { return e.earlyRuled })
	if ruled < 900 {
		t.Errorf("only %d flows ruled out early: the look is not wired", ruled)
	}
}
