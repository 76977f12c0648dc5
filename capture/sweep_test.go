package capture

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSweep reads every capture of the repository (testdata/ and
// capture/testdata/, every link type and tunnel) to the end: each is read
// without error and counts exactly the packets capinfos counts
// (testdata/capinfos.txt, written by scripts/capinfos.sh).
func TestSweep(t *testing.T) {
	f, err := os.Open("../testdata/capinfos.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, count, ok := strings.Cut(line, "\t")
		n, err := strconv.ParseUint(count, 10, 64)
		if !ok || err != nil {
			t.Fatalf("capinfos.txt: bad line %q", line)
		}
		want[name] = n
	}
	// Every capture is listed: a new one needs scripts/capinfos.sh.
	for _, dir := range []string{"testdata", "capture/testdata"} {
		filepath.WalkDir(filepath.Join("..", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "fuzz" {
					return filepath.SkipDir // Go fuzz corpora, not captures
				}
				return nil
			}
			rel, _ := filepath.Rel("..", path)
			for _, ext := range []string{".pcap", ".pcapng", ".gz", ".zst"} {
				if strings.HasSuffix(rel, ext) {
					if _, ok := want[rel]; !ok {
						t.Errorf("%s is not in testdata/capinfos.txt (run scripts/capinfos.sh)", rel)
					}
				}
			}
			return nil
		})
	}
	if len(want) < 70 {
		t.Fatalf("capinfos.txt lists %d captures", len(want))
	}
	for name, n := range want {
		_, st, err := readAll(t, filepath.Join("..", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if st.Packets != n {
			t.Errorf("%s: %d packets, capinfos counts %d", name, st.Packets, n)
		}
		if st.Decoded+st.SkippedTotal() != st.Packets {
			t.Errorf("%s: counters do not add up: %+v", name, st)
		}
	}
}

// TestSweepMutated reads cut and corrupted variants of captures of every
// kind: no panic, no hang, counters that add up, and an *Error naming a
// packet or the header when the input is bad.
func TestSweepMutated(t *testing.T) {
	files := []string{
		"testdata/lo-eth.pcap", "testdata/mixed.pcapng", "testdata/lo-eth.pcap.zst", "testdata/mixed.pcapng.gz",
		"../testdata/tunnel/vxlan-jt400-outer.pcap", "../testdata/tunnel/nflog-tls-outer.pcap",
		"../testdata/link/jt400-plain-signon-radiotap.pcap", "../testdata/link/jt400-plain-signon-mpls-pw.pcap",
		"../testdata/link/jt400-plain-signon-ppi.pcap", "../testdata/undecodable/mixed-user0.pcapng",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for _, name := range files {
		orig := mustRead(t, name)
		var variants [][]byte
		for i := 1; i <= 16; i++ {
			variants = append(variants, orig[:len(orig)*i/17])
		}
		for range 40 {
			b := []byte(string(orig))
			for range 1 + rng.IntN(8) {
				b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			}
			variants = append(variants, b)
		}
		for i, v := range variants {
			path := filepath.Join(dir, strconv.Itoa(i))
			if err := os.WriteFile(path, v, 0o644); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				sweepOne(t, name, path)
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("%s variant %d: no end after 20s", name, i)
			}
		}
	}
}

func sweepOne(t *testing.T, name, path string) {
	f, err := OpenFile(path)
	if err != nil {
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: open error %T %v", name, err, err)
		}
		return
	}
	defer f.Close()
	var p Packet
	for {
		err := f.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.File != path {
				t.Errorf("%s: error %T %v", name, err, err)
			}
			break
		}
	}
	if st := f.Stats(); st.Decoded+st.SkippedTotal() != st.Packets {
		t.Errorf("%s: counters do not add up: %+v", name, st)
	}
}
