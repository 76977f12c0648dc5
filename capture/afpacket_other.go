//go:build !linux

package capture

import "fmt"

const defaultEngine = EnginePcap

func openAFPacket(cfg LiveConfig, n int) ([]Live, error) {
	return nil, fmt.Errorf("capture: the afpacket engine is %w on this OS (Linux only); build with -tags pcap and use the pcap engine", ErrNotSupported)
}
