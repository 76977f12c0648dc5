// Package netnstest gives tests a private link to capture on: two network
// namespaces joined by a veth pair, with tcpreplay to send a capture file
// into one end while a live source reads the other.
//
//	pair := netnstest.New(t, "live")        // namespaces live-<pid>-<n>a/b, veths v<hex>a/b
//	var src capture.Live
//	pair.Do(t, pair.B, func() { src, err = capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{pair.IfB}}) })
//	pair.Replay(t, "testdata/x.pcap", netnstest.TopSpeed)
//
// AddLink joins the namespaces with one more veth pair (several interfaces
// at once) and ReplayOn sends out of it; Relink deletes and recreates the
// first pair (an interface replaced under a running capture); Exec runs a
// command in a namespace.
//
// New needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN), ip (iproute2) and tcpreplay.
// When one is missing the test is skipped, unless CI is set: then it fails,
// because CI installs them (.ci/run) and a silent skip would hide the loss of
// the live-capture tests.
//
// The link is made quiet and faithful: IPv6 is disabled on both ends before
// they come up (no neighbour discovery or MLD noise), no addresses are
// configured (the kernel sends nothing), the MTU is 65535 so frames recorded
// on loopback fit, and generic receive offload stays off (veth default), so
// the receiver sees exactly the frames tcpreplay sent. Cleanup (t.Cleanup)
// always deletes both namespaces, which deletes the veth pair.
//
// Do runs a function with the calling goroutine's OS thread inside a
// namespace (runtime.LockOSThread + setns); sockets opened there stay in that
// namespace after Do returns, so a capture source opened in Do can be read
// from any goroutine.
package netnstest
