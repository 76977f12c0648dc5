package sensor

import "github.com/ibmitap/ibmitap/capture"

// kernelOf returns the kernel's counters a live source keeps in its
// capture statistics (zero for files).
func kernelOf(s *capture.Stats) KernelStats {
	return KernelStats{Packets: s.KernelPackets, Drops: s.KernelDrops + s.KernelIfDrops, Freezes: s.KernelFreezes}
}
