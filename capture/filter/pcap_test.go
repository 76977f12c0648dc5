//go:build pcap

package filter

import (
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"
)

// agreement is the table the pure-Go compiler must agree on with libpcap.
var agreement = []string{
	"tcp", "udp", "ip", "ip6", "not tcp",
	"port 80", "port 8471", "port 21 or port 20", "tcp port 8476", "udp port 53",
	"src port 8470", "dst port 449", "tcp src port 23 or tcp dst port 992",
	"portrange 8470-8476", "tcp portrange 9470-9476", "src portrange 1024-65535", "udp dst portrange 50-60",
	"host 127.0.0.1", "host ::1", "src host 127.0.0.1", "dst host ::1", "host 10.0.0.1", "ip host 10.0.0.9", "dst host 10.0.0.9",
	"net 127.0.0.0/8", "net 10.0.0.0/8", "src net 172.16.0.0/12", "net ::1/128", "dst net 2001:db8::/32", "net fe80::/10",
	"vlan", "vlan 100", "vlan 100 and tcp port 80", "vlan 10 and vlan 20 and tcp", "vlan and ip6",
	"tcp and not port 22", "port 80 or 53", "tcp port 80 or 53", "tcp or udp and port 53",
	"tcp or (udp and port 53)", "!(tcp || udp)", "host 127.0.0.1 and (port 8471 or port 9471)",
	"not ip and not ip6", "ip6 and port 18081", "host 10.0.0.2 and not port 80",
	"vlan or tcp", "(vlan 200 or vlan 100) and udp",
}

func TestAgreesWithLibpcap(t *testing.T) {
	frames := append(recordedFrames(t), synthFrames(t)...)
	for _, expr := range agreement {
		ours := vmFor(t, expr, Frames)
		raw, err := pcap.CompileBPFFilter(layers.LinkTypeEthernet, Snap, expr)
		if err != nil {
			t.Fatalf("libpcap: %q: %v", expr, err)
		}
		prog := make([]bpf.RawInstruction, len(raw))
		for i, r := range raw {
			prog[i] = bpf.RawInstruction{Op: r.Code, Jt: r.Jt, Jf: r.Jf, K: r.K}
		}
		ins, _ := bpf.Disassemble(prog)
		theirs, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatalf("libpcap %q: vm: %v", expr, err)
		}
		matched, bad := 0, 0
		for _, f := range frames {
			a, b := verdict(t, ours, f.data), verdict(t, theirs, f.data)
			if a {
				matched++
			}
			if a != b && bad < 5 {
				bad++
				t.Errorf("%q on %s: pure Go %v, libpcap %v", expr, f.name, a, b)
			}
		}
		t.Logf("%-45q %5d of %d frames match", expr, matched, len(frames))
	}
}
