//go:build pcap

package main

import (
	"testing"

	"github.com/ibmitap/ibmitap/capture"
)

// TestWatchReplayEquivalencePcap is the replay equivalence with the
// libpcap source (a -tags pcap build).
func TestWatchReplayEquivalencePcap(t *testing.T) { replayEquivalence(t, capture.EnginePcap) }
