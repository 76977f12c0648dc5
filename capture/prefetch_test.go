package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// drainAll returns every packet of src (payloads copied) and the error that
// ended it.
func drainAll(t *testing.T, src Source) ([]Packet, error) {
	t.Helper()
	var out []Packet
	for {
		var p Packet
		if err := src.Next(&p); err != nil {
			return out, err
		}
		p.Payload = bytes.Clone(p.Payload)
		out = append(out, p)
	}
}

func samePackets(t *testing.T, name string, got, want []Packet) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d packets through Prefetch, %d direct", name, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.Payload, w.Payload) {
			t.Fatalf("%s: packet %d: payload differs", name, i+1)
		}
		g.Payload, w.Payload = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: packet %d: %+v through Prefetch, %+v direct", name, i+1, g, w)
		}
	}
}

// TestPrefetchSameAsDirect: every capture of the repository gives the same
// packets, payloads and final error through Prefetch as read directly,
// over batch boundaries (the big captures span many batches).
func TestPrefetchSameAsDirect(t *testing.T) {
	names, _ := filepath.Glob("../testdata/*.pcap*")
	more, _ := filepath.Glob("testdata/*.pcap*")
	names = append(names, more...)
	if len(names) < 10 {
		t.Fatalf("only %d captures found", len(names))
	}
	total := 0
	for _, name := range names {
		direct, err := OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := drainAll(t, direct)
		wantStats := direct.Stats()
		direct.Close()

		f, err := OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		pf := NewPrefetch(f)
		got, gotErr := drainAll(t, pf)
		pf.Close()
		if gotStats := f.Stats(); gotStats.Packets != wantStats.Packets || gotStats.Decoded != wantStats.Decoded {
			t.Errorf("%s: stats %+v through Prefetch, %+v direct", name, gotStats, wantStats)
		}
		f.Close()
		if !errors.Is(gotErr, io.EOF) || !errors.Is(wantErr, io.EOF) {
			if gotErr == nil || wantErr == nil || gotErr.Error() != wantErr.Error() {
				t.Errorf("%s: error %v through Prefetch, %v direct", name, gotErr, wantErr)
			}
		}
		samePackets(t, name, got, want)
		total += len(want)
	}
	t.Logf("%d captures, %d packets", len(names), total)
}

// TestPrefetchCorruptTail: the error that ends a damaged file arrives after
// exactly the packets before it, naming the same packet.
func TestPrefetchCorruptTail(t *testing.T) {
	data, err := os.ReadFile("testdata/lo-eth.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := data[:len(data)-10]
	direct, err := NewReader("cut.pcap", bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	want, wantErr := drainAll(t, direct)
	f, err := NewReader("cut.pcap", bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	pf := NewPrefetch(f)
	defer pf.Close()
	got, gotErr := drainAll(t, pf)
	if errors.Is(wantErr, io.EOF) || gotErr == nil || gotErr.Error() != wantErr.Error() {
		t.Fatalf("error %v through Prefetch, %v direct (want a truncation error)", gotErr, wantErr)
	}
	samePackets(t, "cut.pcap", got, want)
}

// TestPrefetchCloseEarly: closing before the end stops the reader (no
// goroutine left blocked on a full queue) and Next says so.
func TestPrefetchCloseEarly(t *testing.T) {
	f, err := OpenFile("testdata/lo-eth.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf := NewPrefetch(f)
	var p Packet
	if err := pf.Next(&p); err != nil {
		t.Fatal(err)
	}
	pf.Close()
	pf.Close() // twice is fine
	if err := pf.Next(&p); !errors.Is(err, ErrStopped) {
		t.Fatalf("Next after Close: %v, want ErrStopped", err)
	}
}

// TestPrefetchManyBatches: a capture of thousands of packets crosses many
// batch boundaries (by count and by bytes) without losing, repeating or
// corrupting a packet, and the steady state allocates nothing.
func TestPrefetchManyBatches(t *testing.T) {
	path := genCapture(t, 20000)
	direct, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := drainAll(t, direct)
	direct.Close()
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf := NewPrefetch(f)
	defer pf.Close()
	got, err := drainAll(t, pf)
	if !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	samePackets(t, path, got, want)

	g, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	pg := NewPrefetch(g)
	defer pg.Close()
	var p Packet
	for range 3000 { // every batch buffer at its full size
		pg.Next(&p)
	}
	if n := testing.AllocsPerRun(5000, func() { pg.Next(&p) }); n != 0 {
		t.Errorf("%.2f allocations per packet through Prefetch, want 0", n)
	}
}
