//go:build linux

package capture

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

const defaultEngine = EngineAFPacket

// afSource reads one or more interfaces through AF_PACKET TPACKET_V3 rings
// (gopacket's afpacket, zero-copy) and implements Live. Next serves the
// interfaces in turn, at most 64 packets from one before the next, and waits
// for all of them in one poll.
type afSource struct {
	cfg    LiveConfig
	prog   []bpf.RawInstruction
	rings  []*afRing
	mu     sync.Mutex // held by Next, and by Close to wait for it
	closed atomic.Bool
	cur    int // ring being served
	left   int // packets it may still deliver in this turn
	pfds   []unix.PollFd
	pring  []int // ring of each pfds entry
	num    uint64
	since  int // packets since the counters were last published

	ns netns // where the interfaces live, for retries

	pubMu sync.Mutex
	pub   []InterfaceStats // published per-ring state and packet counters
	kmu   sync.Mutex       // guards kernel counter reads against socket close
}

var _ Live = (*afSource)(nil)

// openAFPacket opens n sources; with n > 1, source i holds the i-th socket
// of each interface's fanout group.
func openAFPacket(cfg LiveConfig, n int) ([]Live, error) {
	prog, err := socketProgram(&cfg)
	if err != nil {
		return nil, err
	}
	srcs := make([]*afSource, n)
	for i := range srcs {
		srcs[i] = &afSource{cfg: cfg, prog: prog, left: burst, ns: currentNetns()}
	}
	fail := func(err error) ([]Live, error) {
		for _, s := range srcs {
			s.Close()
		}
		return nil, err
	}
	for k, name := range cfg.Interfaces {
		var fan *fanout
		if n > 1 {
			fan = newFanout(fanoutBase(cfg.FanoutID) + uint16(k)) // one group per interface
		}
		for _, s := range srcs {
			r, err := openRing(name, &s.cfg, prog, fan)
			if err != nil {
				return fail(err)
			}
			s.rings = append(s.rings, r)
		}
	}
	out := make([]Live, n)
	for i, s := range srcs {
		s.pub = make([]InterfaceStats, len(s.rings))
		s.pfds = make([]unix.PollFd, len(s.rings))
		s.pring = make([]int, len(s.rings))
		out[i] = s
	}
	return out, nil
}

// socketProgram is the filter to attach: the -ddd file, the expression
// compiled by the pure-Go compiler for a socket (or by libpcap in a pcap
// build when it is outside the subset), or none. Accepting returns the snap
// length, which is how a socket filter cuts packets.
func socketProgram(cfg *LiveConfig) ([]bpf.RawInstruction, error) {
	var (
		prog []bpf.RawInstruction
		err  error
	)
	switch {
	case cfg.BPFFile != "":
		if prog, err = readBPFFile(cfg.BPFFile); err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		return prog, nil
	case cfg.Filter != "":
		if prog, err = compileFilter(cfg.Filter, cfg.SnapLen); err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
	case cfg.SnapLen < defaultSnap:
		prog = []bpf.RawInstruction{{Op: 0x06, K: defaultSnap}} // ret #snap
	default:
		return nil, nil
	}
	for i := range prog {
		if prog[i].Op == 0x06 && prog[i].K != 0 { // BPF_RET|BPF_K accepting
			prog[i].K = uint32(cfg.SnapLen)
		}
	}
	return prog, nil
}

// Next fills p with the next TCP or UDP packet; see the live capture
// contract in live.go for ErrIdle, *LinkError and ErrClosed.
func (a *afSource) Next(p *Packet) error {
	if a.closed.Load() {
		return ErrClosed
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var deadline time.Time
	for {
		if a.closed.Load() {
			return ErrClosed
		}
		got := false
		for range a.rings {
			r := a.rings[a.cur]
			for r.up && a.left > 0 {
				data, ci, err := r.tp.ZeroCopyReadPacketData()
				if err == afpacket.ErrTimeout {
					break
				}
				if err == afpacket.ErrPoll {
					return a.lose(r)
				}
				if err != nil {
					return fmt.Errorf("capture: %s: %w", r.name, err)
				}
				a.left--
				got = true
				// The kernel moved the outer tag into the packet's
				// metadata (gopacket allocates for it: tagged
				// traffic costs one allocation per packet).
				vlan := uint16(0)
				for _, x := range ci.AncillaryData {
					if v, ok := x.(afpacket.AncillaryVLAN); ok {
						vlan = uint16(v.VLAN)
					}
				}
				if a.decode(r, data, ci.Timestamp, ci.Length, vlan, p) {
					return nil
				}
			}
			a.cur++
			if a.cur == len(a.rings) {
				a.cur = 0
			}
			a.left = burst
		}
		if got {
			continue
		}
		a.publish()
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(a.cfg.ReadTimeout)
		} else if !now.Before(deadline) {
			return ErrIdle
		}
		wait := min(deadline.Sub(now), pollSlice)
		if next := a.retry(now); !next.IsZero() {
			wait = min(wait, next.Sub(now))
		}
		if err := a.wait(wait); err != nil {
			return err
		}
	}
}

// decode counts the frame and decodes it into p; false means skipped.
func (a *afSource) decode(r *afRing, data []byte, ts time.Time, wire int, vlan uint16, p *Packet) bool {
	a.num++
	s := &r.stats
	s.Packets++
	s.Bytes += uint64(len(data))
	if a.since++; a.since >= publishEvery {
		a.publish()
	}
	// As if the tag were still in the frame: it is the outer one, and a
	// tunnel inside resets it to the inner traffic's own.
	p.VLAN = vlan
	reason, ok := decodeLink(r.link, data, p, 0)
	if !ok {
		s.Skipped[reason]++
		s.countUndecodable(r.link, reason)
		return false
	}
	if reason == FirstFragment {
		s.Fragments++
	}
	s.Decoded++
	p.Number = a.num
	p.Timestamp = ts
	p.CaptureLen = len(data)
	p.WireLen = wire
	return true
}

// wait blocks up to d for any open socket to have packets.
func (a *afSource) wait(d time.Duration) error {
	n := 0
	for i, r := range a.rings {
		if r.up {
			a.pfds[n] = unix.PollFd{Fd: int32(r.fd), Events: unix.POLLIN}
			a.pring[n] = i
			n++
		}
	}
	ms := max(1, int(d/time.Millisecond))
	if n == 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return nil
	}
	if _, err := unix.Poll(a.pfds[:n], ms); err != nil && err != unix.EINTR {
		return fmt.Errorf("capture: poll: %w", err)
	}
	for i := range a.pfds[:n] {
		if a.pfds[i].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			return a.lose(a.rings[a.pring[i]])
		}
	}
	return nil
}

// lose marks r down after its interface went away, and schedules retries.
func (a *afSource) lose(r *afRing) error {
	cause := r.sockErr()
	r.up = false
	r.stats.LinkDowns++
	r.backoff = time.Second
	r.retryAt = time.Now().Add(r.backoff)
	e := &LinkError{Interface: r.name, Err: fmt.Errorf("%w (%v)", ErrLinkDown, cause)}
	r.lost = e
	a.publish()
	return e
}

// retry brings lost interfaces back whose time has come and returns the
// earliest next retry (zero if none). An interface that came back with the
// same index resumes on the same socket (the kernel rebinds it); one that
// was recreated gets a new socket.
func (a *afSource) retry(now time.Time) time.Time {
	var next time.Time
	for _, r := range a.rings {
		if r.up {
			continue
		}
		if now.Before(r.retryAt) {
			if next.IsZero() || r.retryAt.Before(next) {
				next = r.retryAt
			}
			continue
		}
		var (
			ifc *net.Interface
			err error
			nr  *afRing
		)
		a.ns.do(func() { ifc, err = net.InterfaceByName(r.name) })
		switch {
		case err != nil || ifc.Flags&net.FlagUp == 0:
		case ifc.Index == r.ifindex && r.tp != nil:
			r.up = true
		default:
			a.ns.do(func() { nr, err = openRing(r.name, &a.cfg, a.prog, r.fan) })
			if err != nil {
				break
			}
			a.kmu.Lock()
			r.close()
			r.tp, r.fd, r.ifindex, r.link, r.up = nr.tp, nr.fd, nr.ifindex, nr.link, true
			a.kmu.Unlock()
		}
		if r.up {
			a.publish()
		}
		if !r.up {
			r.backoff = min(2*r.backoff, 30*time.Second)
			r.retryAt = now.Add(r.backoff)
			if next.IsZero() || r.retryAt.Before(next) {
				next = r.retryAt
			}
		}
	}
	return next
}

// publish makes Next's counters visible to Stats.
func (a *afSource) publish() {
	a.since = 0
	a.pubMu.Lock()
	for i, r := range a.rings {
		a.pub[i] = InterfaceStats{Name: r.name, Up: r.up, Err: r.lost, Stats: r.stats}
	}
	a.pubMu.Unlock()
}

// Interfaces returns each interface's counters, kernel counters read now.
func (a *afSource) Interfaces() []InterfaceStats {
	a.pubMu.Lock()
	out := append([]InterfaceStats(nil), a.pub...)
	a.pubMu.Unlock()
	a.kmu.Lock()
	for i, r := range a.rings {
		r.readKernel()
		s := &out[i].Stats
		s.KernelPackets, s.KernelDrops, s.KernelFreezes = r.kern.packets, r.kern.drops, r.kern.freezes
	}
	a.kmu.Unlock()
	return out
}

// Stats returns the sum over the interfaces.
func (a *afSource) Stats() Stats {
	var t Stats
	for _, is := range a.Interfaces() {
		t.add(&is.Stats)
	}
	return t
}

// Close stops the capture: a Next waiting for packets returns ErrClosed
// within 100 ms, then the sockets are closed (their last counters kept).
func (a *afSource) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kmu.Lock()
	defer a.kmu.Unlock()
	for _, r := range a.rings {
		r.close()
	}
	a.ns.close()
	return nil
}
