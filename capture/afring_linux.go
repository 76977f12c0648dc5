//go:build linux

package capture

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

const (
	// blockSize is one TPACKET_V3 block: large enough for a 64 KiB GRO
	// packet, small enough that a quiet link does not strand much of the
	// ring in half-empty blocks.
	blockSize = 256 << 10
	// blockTimeout hands a partly filled block to the reader (it bounds
	// the latency a quiet link adds).
	blockTimeout = 10 * time.Millisecond
)

// afRing is one AF_PACKET socket and its ring, bound to one interface.
type afRing struct {
	name    string
	tp      *afpacket.TPacket
	fd      int
	ifindex int
	link    LinkType
	up      bool
	lost    error // last loss, for InterfaceStats
	retryAt time.Time
	backoff time.Duration
	stats   Stats   // packet counters, owned by Next
	kern    kstats  // kernel counters of closed sockets and past reads; guarded by AFPacket.kmu
	fan     *fanout // group to rejoin on reopen; nil without fanout
}

// kstats are the kernel's PACKET_STATISTICS, accumulated: every read
// returns the counts since the previous read and resets them.
type kstats struct{ packets, drops, freezes uint64 }

// openRing opens an AF_PACKET socket on name with the ring, filter,
// promiscuous mode and fanout group of cfg.
func openRing(name string, cfg *LiveConfig, prog []bpf.RawInstruction, fan *fanout) (*afRing, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, errNoInterface(name)
	}
	// Bound with protocol 0 the socket receives nothing until the filter
	// is attached; it is bound to all protocols afterwards, so no packet
	// slips into the ring unfiltered.
	tp, err := afpacket.NewTPacket(
		afpacket.OptInterface(name),
		afpacket.OptProtocol(0),
		afpacket.OptTPacketVersion(afpacket.TPacketVersion3),
		afpacket.OptBlockSize(blockSize),
		afpacket.OptFrameSize(4096),
		afpacket.OptNumBlocks(max(2, cfg.RingMiB*(1<<20)/blockSize)),
		afpacket.OptBlockTimeout(blockTimeout),
		afpacket.OptPollTimeout(0), // Next polls all sockets itself
	)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("capture: %s: opening an AF_PACKET socket needs CAP_NET_RAW (run as root or give the binary cap_net_raw): %w", name, err)
		}
		return nil, fmt.Errorf("capture: %s: opening an AF_PACKET socket: %w", name, err)
	}
	r := &afRing{name: name, tp: tp, ifindex: ifc.Index, up: true, fan: fan}
	if err := r.setup(cfg, prog); err != nil {
		tp.Close()
		return nil, err
	}
	return r, nil
}

func (r *afRing) setup(cfg *LiveConfig, prog []bpf.RawInstruction) error {
	// gopacket keeps the descriptor to itself; the fanout program, the
	// statistics and the poll over several sockets need it.
	fv := reflect.ValueOf(r.tp).Elem().FieldByName("fd")
	if !fv.IsValid() || !fv.CanInt() {
		return fmt.Errorf("capture: %s: cannot reach the socket of gopacket's afpacket (library changed)", r.name)
	}
	r.fd = int(fv.Int())
	if len(prog) > 0 {
		if err := r.tp.SetBPF(prog); err != nil {
			return fmt.Errorf("capture: %s: attaching the filter: %w", r.name, err)
		}
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: r.ifindex}
	if err := unix.Bind(r.fd, sa); err != nil {
		return fmt.Errorf("capture: %s: bind: %w", r.name, err)
	}
	if got, err := unix.Getsockname(r.fd); err == nil {
		if ll, ok := got.(*unix.SockaddrLinklayer); ok {
			r.link = linkFromARPHRD(ll.Hatype)
		}
	}
	if r.link == 0 {
		return fmt.Errorf("capture: %s: link type not supported for live capture", r.name)
	}
	if r.link != LinkEthernet && (cfg.Filter != "" || cfg.BPFFile != "") {
		return fmt.Errorf("capture: %s: filters need an Ethernet interface (this one is %s)", r.name, r.link)
	}
	if cfg.Promiscuous {
		if err := r.tp.SetPromiscuous(true); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("capture: %s: promiscuous mode needs CAP_NET_ADMIN (and CAP_NET_RAW): %w", r.name, err)
			}
			return fmt.Errorf("capture: %s: promiscuous mode: %w", r.name, err)
		}
	}
	if r.fan != nil {
		if err := r.fan.join(r.fd); err != nil {
			return fmt.Errorf("capture: %s: %w", r.name, err)
		}
	}
	return nil
}

// linkFromARPHRD maps the interface's hardware type to the frames an
// AF_PACKET SOCK_RAW socket delivers; 0 when unsupported.
func linkFromARPHRD(t uint16) LinkType {
	switch t {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		return LinkEthernet
	case unix.ARPHRD_NONE, unix.ARPHRD_PPP, unix.ARPHRD_TUNNEL, unix.ARPHRD_TUNNEL6, unix.ARPHRD_SIT, unix.ARPHRD_IPGRE:
		return LinkRaw // no link header: the frame starts with IP
	}
	return 0
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// readKernel adds the kernel's counters since the last read. Caller holds kmu.
func (r *afRing) readKernel() {
	if r.tp == nil {
		return
	}
	st, err := unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return
	}
	// tp_packets already includes tp_drops (the kernel adds them).
	r.kern.packets += uint64(st.Packets)
	r.kern.drops += uint64(st.Drops)
	r.kern.freezes += uint64(st.Freeze_q_cnt)
}

// close releases the socket after a last read of its counters. Caller holds kmu.
func (r *afRing) close() {
	r.readKernel()
	if r.tp != nil {
		r.tp.Close()
		r.tp = nil
	}
	r.up = false
}

// sockErr returns and clears the socket's pending error.
func (r *afRing) sockErr() error {
	n, err := unix.GetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if n == 0 {
		return unix.ENETDOWN
	}
	return unix.Errno(n)
}
