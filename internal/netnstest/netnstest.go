package netnstest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// Pair is two namespaces joined by a veth pair: IfA lives in A, IfB in B.
type Pair struct {
	A, B     string // namespace names (ip netns)
	IfA, IfB string // veth ends
}

var seq atomic.Uint32

// Require skips the test (CI unset) or fails it (CI set) when the machine
// cannot run namespace tests: not root, or ip or tcpreplay missing.
func Require(t testing.TB) {
	t.Helper()
	var missing string
	switch {
	case os.Geteuid() != 0:
		missing = "root"
	default:
		for _, tool := range []string{"ip", "tcpreplay"} {
			if _, err := exec.LookPath(tool); err != nil {
				missing = tool
				break
			}
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("netnstest: %s is required (CI is set, so this is a failure, not a skip)", missing)
	}
	t.Skipf("netnstest: %s missing; set up root, iproute2 and tcpreplay to run this test", missing)
}

// New creates the pair; prefix (the test owner's name) starts the namespace
// names so concurrent users never collide. Everything is removed when the
// test ends.
func New(t testing.TB, prefix string) *Pair {
	t.Helper()
	Require(t)
	var rnd [3]byte
	rand.Read(rnd[:])
	h := hex.EncodeToString(rnd[:])
	base := prefix + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(int(seq.Add(1)))
	p := &Pair{A: base + "a", B: base + "b", IfA: "v" + h + "a", IfB: "v" + h + "b"}
	t.Cleanup(func() {
		// Deleting a namespace deletes the veth end inside it, and the
		// peer with it. The root-namespace veth only exists if setup
		// failed half-way.
		run(t, false, "ip", "netns", "del", p.A)
		run(t, false, "ip", "netns", "del", p.B)
		run(t, false, "ip", "link", "del", p.IfA)
	})
	run(t, true, "ip", "netns", "add", p.A)
	run(t, true, "ip", "netns", "add", p.B)
	for _, ns := range []string{p.A, p.B} {
		run(t, true, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
		run(t, true, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
		run(t, true, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	p.link(t, p.IfA, p.IfB)
	return p
}

// AddLink joins A and B with one more veth pair, set up like the first,
// and returns its ends (in A and in B). It goes away with the namespaces.
func (p *Pair) AddLink(t testing.TB) (ifA, ifB string) {
	t.Helper()
	var rnd [3]byte
	rand.Read(rnd[:])
	h := hex.EncodeToString(rnd[:])
	ifA, ifB = "v"+h+"a", "v"+h+"b"
	t.Cleanup(func() { run(t, false, "ip", "link", "del", ifA) })
	p.link(t, ifA, ifB)
	return ifA, ifB
}

// Relink deletes the first veth pair and creates it again under the same
// names (new interface indexes), as when a NIC vanishes and comes back.
func (p *Pair) Relink(t testing.TB) {
	t.Helper()
	if err := p.RelinkErr(); err != nil {
		t.Fatal(err)
	}
}

// RelinkErr is Relink for use outside the test goroutine.
func (p *Pair) RelinkErr() error {
	if err := runErr("ip", "-n", p.B, "link", "del", p.IfB); err != nil {
		return err
	}
	return p.linkErr(p.IfA, p.IfB)
}

func (p *Pair) link(t testing.TB, ifA, ifB string) {
	t.Helper()
	if err := p.linkErr(ifA, ifB); err != nil {
		t.Fatal(err)
	}
}

func (p *Pair) linkErr(ifA, ifB string) error {
	steps := [][]string{
		{"ip", "link", "add", ifA, "mtu", "65535", "type", "veth", "peer", "name", ifB, "mtu", "65535"},
		{"ip", "link", "set", ifA, "netns", p.A},
		{"ip", "link", "set", ifB, "netns", p.B},
	}
	for _, ns := range []struct{ name, ifc string }{{p.A, ifA}, {p.B, ifB}} {
		steps = append(steps,
			[]string{"ip", "netns", "exec", ns.name, "sysctl", "-qw", "net.ipv6.conf." + ns.ifc + ".disable_ipv6=1"},
			[]string{"ip", "-n", ns.name, "link", "set", ns.ifc, "up"})
	}
	for _, s := range steps {
		if err := runErr(s...); err != nil {
			return err
		}
	}
	return nil
}

func run(t testing.TB, must bool, args ...string) {
	t.Helper()
	if err := runErr(args...); err != nil && must {
		t.Fatal(err)
	}
}

func runErr(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netnstest: %v: %v: %s", args, err, bytes.TrimSpace(out))
	}
	return nil
}

// Do runs fn on the calling goroutine with its OS thread inside namespace ns,
// and moves the thread back afterwards. If the thread cannot be moved back it
// stays locked, so the Go runtime retires it.
func (p *Pair) Do(t testing.TB, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("netnstest: %v", err)
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("netnstest: namespace %s: %v", ns, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("netnstest: setns %s: %v", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			t.Errorf("netnstest: back to the original namespace: %v (thread retired)", err)
			return
		}
		runtime.UnlockOSThread()
	}()
	fn()
}

// Rate says how fast Replay sends.
type Rate struct {
	TopSpeed bool    // as fast as possible
	PPS      int     // packets per second when > 0
	Multi    float64 // multiple of the recorded speed when > 0
}

// TopSpeed replays as fast as tcpreplay can.
var TopSpeed = Rate{TopSpeed: true}

// Replay sends file out of IfA with tcpreplay (from namespace A) at rate,
// and returns when tcpreplay has sent everything.
func (p *Pair) Replay(t testing.TB, file string, rate Rate) {
	t.Helper()
	if err := p.ReplayErr(file, rate); err != nil {
		t.Fatal(err)
	}
}

// ReplayErr is Replay for use outside the test goroutine.
func (p *Pair) ReplayErr(file string, rate Rate) error {
	return p.ReplayOn(p.IfA, file, rate)
}

// ReplayOn is ReplayErr out of another end in A (see AddLink).
func (p *Pair) ReplayOn(ifA, file string, rate Rate) error {
	args := []string{"netns", "exec", p.A, "tcpreplay", "-q", "-i", ifA}
	switch {
	case rate.PPS > 0:
		args = append(args, "--pps="+strconv.Itoa(rate.PPS))
	case rate.Multi > 0:
		args = append(args, "--multiplier="+strconv.FormatFloat(rate.Multi, 'f', -1, 64))
	default:
		args = append(args, "--topspeed")
	}
	args = append(args, file)
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netnstest: tcpreplay %s: %v: %s", file, err, bytes.TrimSpace(out))
	}
	return nil
}

// Exec runs a command inside namespace ns and returns its combined output.
func (p *Pair) Exec(ns string, args ...string) ([]byte, error) {
	return exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput()
}
