package netnstest

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"testing"
)

func TestPair(t *testing.T) {
	p := New(t, "live")
	var found bool
	p.Do(t, p.B, func() {
		_, err := net.InterfaceByName(p.IfB)
		found = err == nil
	})
	if !found {
		t.Fatalf("%s not visible inside %s", p.IfB, p.B)
	}
	if _, err := net.InterfaceByName(p.IfB); err == nil {
		t.Fatalf("%s visible outside its namespace: Do did not move back", p.IfB)
	}
	rx := func() int {
		out, err := p.Exec(p.B, "cat", "/sys/class/net/"+p.IfB+"/statistics/rx_packets")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		n, _ := strconv.Atoi(string(regexp.MustCompile(`\d+`).Find(out)))
		return n
	}
	before := rx()
	file := "../../testdata/http-basic.pcap"
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	p.Replay(t, file, TopSpeed)
	if got := rx() - before; got != 12 {
		t.Errorf("%s received %d packets, want the file's 12 (noise or loss on the link)", p.IfB, got)
	}
}
