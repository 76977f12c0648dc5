//go:build !pcap

package capture

import (
	"errors"

	"golang.org/x/net/bpf"
)

var errNoPcap = errors.New("capture: the pcap engine needs a build with -tags pcap (cgo and libpcap)")

func openPcapLive(cfg LiveConfig) (Live, error) { return nil, errNoPcap }

// compilePcapFilter needs libpcap's compiler; this build has none.
func compilePcapFilter(expr string, snap int) ([]bpf.RawInstruction, error) {
	return nil, errNoPcap
}
