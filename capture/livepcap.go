//go:build pcap

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"
)

// pcapSource reads interfaces through libpcap (gopacket/pcap, cgo) and
// implements Live with the contract of live.go. libpcap offers no poll over
// several handles through gopacket, so several interfaces are served in
// turn, each read waiting at most pollSlice divided among them.
type pcapSource struct {
	cfg    LiveConfig
	rings  []*pcapRing
	mu     sync.Mutex // held by Next, and by Close to wait for it
	closed atomic.Bool
	cur    int
	left   int
	num    uint64
	since  int
	ns     netns // where the interfaces live, for checks and retries
	pubMu  sync.Mutex
	pub    []InterfaceStats
}

type pcapRing struct {
	name    string
	ifindex int       // kernel index at open; 0 for devices that are not interfaces ("any")
	checkAt time.Time // next look at the interface while idle
	h       *pcap.Handle
	link    LinkType
	up      bool
	lost    error
	retryAt time.Time
	backoff time.Duration
	stats   Stats
	kbase   pcap.Stats // counters of handles closed after a loss
}

func openPcapLive(cfg LiveConfig) (Live, error) {
	s := &pcapSource{cfg: cfg, left: burst, ns: currentNetns()}
	for _, name := range cfg.Interfaces {
		h, err := s.openHandle(name)
		if err != nil {
			s.Close()
			return nil, err
		}
		r := &pcapRing{name: name, h: h, link: LinkType(h.LinkType()), up: true}
		if ifc, err := net.InterfaceByName(name); err == nil {
			r.ifindex = ifc.Index
		}
		s.rings = append(s.rings, r)
	}
	s.pub = make([]InterfaceStats, len(s.rings))
	s.publish()
	return s, nil
}

// openHandle opens and configures one libpcap handle, turning libpcap's
// messages into the start-up lines of live.go.
func (s *pcapSource) openHandle(name string) (*pcap.Handle, error) {
	ih, err := pcap.NewInactiveHandle(name)
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "no such device") {
			return nil, errNoInterface(name)
		}
		return nil, fmt.Errorf("capture: %s: libpcap: %w", name, err)
	}
	defer ih.CleanUp()
	timeout := max(10*time.Millisecond, pollSlice/time.Duration(len(s.cfg.Interfaces)))
	for _, err := range []error{
		ih.SetSnapLen(s.cfg.SnapLen),
		ih.SetPromisc(s.cfg.Promiscuous),
		ih.SetTimeout(timeout),
		ih.SetBufferSize(s.cfg.RingMiB << 20),
	} {
		if err != nil {
			return nil, fmt.Errorf("capture: %s: libpcap: %w", name, err)
		}
	}
	h, err := ih.Activate()
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(strings.ToLower(msg), "no such device"):
			return nil, errNoInterface(name)
		case strings.Contains(msg, "ermission") || strings.Contains(msg, "not permitted"):
			need := "CAP_NET_RAW"
			if s.cfg.Promiscuous {
				need = "CAP_NET_RAW and CAP_NET_ADMIN (promiscuous mode)"
			}
			return nil, fmt.Errorf("capture: %s: capturing needs %s (run as root or give the binary the capabilities): %v", name, need, err)
		}
		return nil, fmt.Errorf("capture: %s: libpcap: %w", name, err)
	}
	switch {
	case s.cfg.BPFFile != "":
		prog, err := readBPFFile(s.cfg.BPFFile)
		if err == nil {
			ins := make([]pcap.BPFInstruction, len(prog))
			for i, r := range prog {
				ins[i] = pcap.BPFInstruction{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
			}
			err = h.SetBPFInstructionFilter(ins)
		}
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("capture: %s: %w", name, err)
		}
	case s.cfg.Filter != "":
		if err := h.SetBPFFilter(s.cfg.Filter); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture: filter '%s' does not compile: %v", s.cfg.Filter, err)
		}
	}
	return h, nil
}

// Next fills p with the next TCP or UDP packet; see the live capture
// contract in live.go.
func (s *pcapSource) Next(p *Packet) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var deadline time.Time
	for {
		if s.closed.Load() {
			return ErrClosed
		}
		got := false
		for range s.rings {
			r := s.rings[s.cur]
			for r.up && s.left > 0 {
				data, ci, err := r.h.ZeroCopyReadPacketData()
				if err == pcap.NextErrorTimeoutExpired {
					break
				}
				if err == io.EOF {
					return ErrClosed
				}
				if err != nil {
					return s.lose(r, err)
				}
				s.left--
				got = true
				if s.decode(r, data, ci.Timestamp, ci.Length, p) {
					return nil
				}
			}
			s.cur = (s.cur + 1) % len(s.rings)
			s.left = burst
		}
		if got {
			continue
		}
		s.publish()
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(s.cfg.ReadTimeout)
		} else if !now.Before(deadline) {
			return ErrIdle
		}
		if err := s.check(now); err != nil {
			return err
		}
		if !s.retry(now) {
			// Nothing open to wait in: sleep a slice instead.
			time.Sleep(min(pollSlice, deadline.Sub(now)))
		}
	}
}

func (s *pcapSource) decode(r *pcapRing, data []byte, ts time.Time, wire int, p *Packet) bool {
	s.num++
	st := &r.stats
	st.Packets++
	st.Bytes += uint64(len(data))
	if s.since++; s.since >= publishEvery {
		s.publish()
	}
	reason, ok := Decode(r.link, data, p) // libpcap puts VLAN tags back in the frame
	if !ok {
		st.Skipped[reason]++
		st.countUndecodable(r.link, reason)
		return false
	}
	if reason == FirstFragment {
		st.Fragments++
	}
	st.Decoded++
	p.Number = s.num
	p.Timestamp = ts
	p.CaptureLen = len(data)
	p.WireLen = wire
	return true
}

// lose closes a handle that failed (libpcap says "The interface went
// down", or the device vanished) and schedules its reopening.
func (s *pcapSource) lose(r *pcapRing, cause error) error {
	msg := cause.Error()
	if ne, ok := cause.(pcap.NextError); ok && ne == pcap.NextErrorReadError {
		msg = r.h.Error().Error()
	}
	s.closeRing(r)
	r.stats.LinkDowns++
	r.backoff = time.Second
	r.retryAt = time.Now().Add(r.backoff)
	e := &LinkError{Interface: r.name, Err: fmt.Errorf("%w (%s)", ErrLinkDown, msg)}
	r.lost = e
	s.publish()
	return e
}

func (s *pcapSource) closeRing(r *pcapRing) {
	if r.h == nil {
		return
	}
	if st, err := r.h.Stats(); err == nil {
		r.kbase.PacketsReceived += st.PacketsReceived
		r.kbase.PacketsDropped += st.PacketsDropped
		r.kbase.PacketsIfDropped += st.PacketsIfDropped
	}
	r.h.Close()
	r.h, r.up = nil, false
}

// checkEvery is how often an idle source looks at its interfaces.
const checkEvery = 200 * time.Millisecond

// check looks, while idle, whether an interface went down or was replaced:
// libpcap's non-blocking reads through gopacket do not report it.
func (s *pcapSource) check(now time.Time) error {
	for _, r := range s.rings {
		if !r.up || r.ifindex == 0 || now.Before(r.checkAt) {
			continue
		}
		r.checkAt = now.Add(checkEvery)
		var (
			ifc *net.Interface
			err error
		)
		s.ns.do(func() { ifc, err = net.InterfaceByName(r.name) })
		switch {
		case err != nil:
			return s.lose(r, errors.New("no such device"))
		case ifc.Index != r.ifindex:
			return s.lose(r, errors.New("interface replaced"))
		case ifc.Flags&net.FlagUp == 0:
			return s.lose(r, errors.New("interface down"))
		}
	}
	return nil
}

// retry reopens lost interfaces whose time has come; it reports whether
// any interface is open.
func (s *pcapSource) retry(now time.Time) bool {
	open := false
	for _, r := range s.rings {
		if !r.up && !now.Before(r.retryAt) {
			var (
				h   *pcap.Handle
				err error
				ifc *net.Interface
			)
			s.ns.do(func() {
				if h, err = s.openHandle(r.name); err == nil {
					ifc, _ = net.InterfaceByName(r.name)
				}
			})
			if err == nil {
				r.h, r.link, r.up = h, LinkType(h.LinkType()), true
				if ifc != nil {
					r.ifindex = ifc.Index
				}
				s.publish()
			} else {
				r.backoff = min(2*r.backoff, 30*time.Second)
				r.retryAt = now.Add(r.backoff)
			}
		}
		open = open || r.up
	}
	return open
}

// publish makes the counters visible to Stats. libpcap's own counters are
// read here, on Next's goroutine: a handle is not safe for concurrent use.
func (s *pcapSource) publish() {
	s.since = 0
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	for i, r := range s.rings {
		k := r.kbase
		if r.h != nil {
			if st, err := r.h.Stats(); err == nil {
				k.PacketsReceived += st.PacketsReceived
				k.PacketsDropped += st.PacketsDropped
				k.PacketsIfDropped += st.PacketsIfDropped
			}
		}
		is := InterfaceStats{Name: r.name, Up: r.up, Err: r.lost, Stats: r.stats}
		is.Stats.KernelPackets = uint64(k.PacketsReceived)
		is.Stats.KernelDrops = uint64(k.PacketsDropped)
		is.Stats.KernelIfDrops = uint64(k.PacketsIfDropped)
		s.pub[i] = is
	}
}

// Interfaces returns each interface's counters as last published.
func (s *pcapSource) Interfaces() []InterfaceStats {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	return append([]InterfaceStats(nil), s.pub...)
}

// Stats returns the sum over the interfaces.
func (s *pcapSource) Stats() Stats {
	var t Stats
	for _, is := range s.Interfaces() {
		t.add(&is.Stats)
	}
	return t
}

// Close stops the capture; a waiting Next returns ErrClosed within 100 ms.
func (s *pcapSource) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != nil {
		s.publish()
	}
	for _, r := range s.rings {
		s.closeRing(r)
	}
	s.ns.close()
	return nil
}

// compilePcapFilter compiles expr with libpcap for an Ethernet socket.
func compilePcapFilter(expr string, snap int) ([]bpf.RawInstruction, error) {
	ins, err := pcap.CompileBPFFilter(layers.LinkTypeEthernet, snap, expr)
	if err != nil {
		return nil, fmt.Errorf("filter '%s' does not compile: %w", expr, err)
	}
	out := make([]bpf.RawInstruction, len(ins))
	for i, r := range ins {
		out[i] = bpf.RawInstruction{Op: r.Code, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}
