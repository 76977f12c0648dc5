package capture

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Live capture contract. A live Source's Next returns:
//
//   - nil: p holds a packet; p.Payload is valid until the next call to Next.
//   - ErrIdle: no packet arrived within LiveConfig.ReadTimeout. Nothing is
//     wrong: check for shutdown, advance wall-clock timers, call Next again.
//   - a *LinkError (errors.Is(err, ErrLinkDown)): an interface went down or
//     disappeared. It is counted (Stats.LinkDowns), the other interfaces keep
//     capturing, and the source reopens it with back-off (1 s doubling to
//     30 s); report it and call Next again. It is returned once per loss
//     (AF_PACKET: when the kernel reports it; libpcap: noticed within
//     200 ms of an idle read).
//   - ErrClosed: Close was called (or the context given to the constructor
//     ended). Final.
//   - anything else: a fatal read error.
//
// Close may be called from any goroutine; a Next blocked waiting for packets
// returns ErrClosed within 100 ms and Close waits for it. Stats may also be
// called from any goroutine: packet counters are published every 1024
// packets and whenever Next waits, the kernel counters are read on the spot.

var (
	// ErrIdle is returned by a live Source's Next when no packet arrived
	// within the read timeout.
	ErrIdle = errors.New("capture: no packet within the read timeout")
	// ErrClosed is returned by Next after Close.
	ErrClosed = errors.New("capture: source closed")
	// ErrLinkDown is the cause of a *LinkError.
	ErrLinkDown = errors.New("interface down or gone")
	// ErrNotSupported is returned for a capture engine this build or OS
	// does not have.
	ErrNotSupported = errors.New("not supported")
)

// LinkError reports an interface lost mid-run; the source retries it.
type LinkError struct {
	Interface string
	Err       error // the cause as the kernel gave it, wrapping ErrLinkDown
}

// Error formats as "capture: IFACE: interface down or gone (...); retrying".
func (e *LinkError) Error() string {
	return fmt.Sprintf("capture: %s: %v; retrying", e.Interface, e.Err)
}

// Unwrap returns the cause.
func (e *LinkError) Unwrap() error { return e.Err }

// Engines a LiveConfig can name.
const (
	EngineAFPacket = "afpacket" // Linux AF_PACKET TPACKET_V3, pure Go (the Linux default)
	EnginePcap     = "pcap"     // libpcap; needs a build with -tags pcap
)

// LiveConfig configures a live capture.
type LiveConfig struct {
	// Interfaces to capture on; several are merged into one stream that
	// serves each in turn (at most 64 packets from one before the next
	// gets its chance).
	Interfaces []string
	// Engine is EngineAFPacket or EnginePcap; empty means AF_PACKET on
	// Linux, libpcap elsewhere.
	Engine string
	// RingMiB is the kernel ring (AF_PACKET) or buffer (libpcap) per socket
	// in MiB; 0 means 32.
	RingMiB int
	// SnapLen cuts each packet; 0 means 262144 (whole packets).
	SnapLen int
	// Promiscuous asks the interfaces to deliver frames not addressed to
	// them (needs CAP_NET_ADMIN as well as CAP_NET_RAW).
	Promiscuous bool
	// Filter is a tcpdump expression: the pure-Go subset of package
	// capture/filter, or any expression in a -tags pcap build.
	Filter string
	// BPFFile is a program written by `tcpdump -ddd`; not with Filter.
	BPFFile string
	// ReadTimeout bounds how long Next waits before returning ErrIdle; 0
	// means 250 ms.
	ReadTimeout time.Duration
	// FanoutID is the AF_PACKET fanout group of OpenLiveWorkers (one group
	// per interface: FanoutID, FanoutID+1, ...); 0 picks one from the
	// process id.
	FanoutID uint16
}

// InterfaceStats is one interface's share of a live source's counters.
type InterfaceStats struct {
	Name  string
	Up    bool  // false while the interface is lost and being retried
	Err   error // the last loss, nil if none
	Stats Stats
}

// Live is a Source reading network interfaces.
type Live interface {
	Source
	// Interfaces returns the counters of each interface; Stats is their sum.
	Interfaces() []InterfaceStats
}

const (
	defaultRingMiB     = 32
	defaultSnap        = 262144
	defaultReadTimeout = 250 * time.Millisecond
	// pollSlice bounds one wait, so Close is noticed within 100 ms.
	pollSlice = 20 * time.Millisecond
	// publishEvery is how many packets Next reads between publishing its
	// counters for Stats.
	publishEvery = 1024
	// burst is how many packets one interface may deliver in a row.
	burst = 64
)

func (c *LiveConfig) defaults() error {
	if len(c.Interfaces) == 0 {
		return errors.New("capture: no interface given")
	}
	if c.Filter != "" && c.BPFFile != "" {
		return errors.New("capture: give a filter or a BPF file, not both")
	}
	if c.RingMiB <= 0 {
		c.RingMiB = defaultRingMiB
	}
	if c.SnapLen <= 0 || c.SnapLen > defaultSnap {
		c.SnapLen = defaultSnap
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = defaultReadTimeout
	}
	return nil
}

// errNoInterface is the one-line start-up error for a missing interface.
func errNoInterface(name string) error {
	return fmt.Errorf("capture: interface %q does not exist", name)
}

// OpenLive opens cfg.Interfaces as one Source. It closes itself when ctx
// ends. Start-up errors are one line naming the interface, the capability
// or the filter at fault.
func OpenLive(ctx context.Context, cfg LiveConfig) (Live, error) {
	srcs, err := OpenLiveWorkers(ctx, cfg, 1)
	if err != nil {
		return nil, err
	}
	return srcs[0], nil
}

// OpenLiveWorkers opens n sources that share the traffic of cfg.Interfaces:
// with AF_PACKET, n sockets per interface in one fanout group that keeps
// every packet of a host pair on one socket (see fanout_linux.go). Source i
// reads socket i of every interface, so a host pair is on the same source
// whatever interface it crosses. libpcap has no fanout: n must be 1.
func OpenLiveWorkers(ctx context.Context, cfg LiveConfig, n int) ([]Live, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if n < 1 {
		n = 1
	}
	engine := cfg.Engine
	if engine == "" {
		engine = defaultEngine
	}
	var (
		srcs []Live
		err  error
	)
	switch engine {
	case EngineAFPacket:
		srcs, err = openAFPacket(cfg, n)
	case EnginePcap:
		if n > 1 {
			return nil, errors.New("capture: several workers need the afpacket engine (libpcap has no fanout)")
		}
		var s Live
		s, err = openPcapLive(cfg)
		srcs = []Live{s}
	default:
		return nil, fmt.Errorf("capture: unknown engine %q (afpacket or pcap)", engine)
	}
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		context.AfterFunc(ctx, func() { s.Close() })
	}
	return srcs, nil
}
