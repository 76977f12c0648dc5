package sensor

import (
	"fmt"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify"
)

// KernelStats are the live capture's kernel counters, accumulated over
// the run (all sources added up).
type KernelStats struct {
	Packets, Drops, Freezes uint64
}

// Snapshot is the run's counters at one moment. The capture loop
// publishes one about every second (the engine is not safe for concurrent
// use), and metrics and the stats line read the latest.
type Snapshot struct {
	Time    time.Time
	Capture capture.Stats
	Kernel  KernelStats
	Engine  classify.Stats
}

// LossRatio is the capture-loss estimate: gap bytes over acknowledged
// bytes, -1 when nothing was acknowledged (no estimate).
func (s *Snapshot) LossRatio() float64 {
	if s.Engine.AckedBytes == 0 {
		return -1
	}
	return float64(s.Engine.GapBytes) / float64(s.Engine.AckedBytes)
}

// add adds o's counters to s (several workers into one).
func (s *Snapshot) add(o *Snapshot) {
	c, oc := &s.Capture, &o.Capture
	c.Packets += oc.Packets
	c.Decoded += oc.Decoded
	c.Fragments += oc.Fragments
	c.Bytes += oc.Bytes
	for i, n := range oc.Skipped {
		c.Skipped[i] += n
	}
	k := kernelOf(oc)
	s.Kernel.Packets += k.Packets
	s.Kernel.Drops += k.Drops
	s.Kernel.Freezes += k.Freezes
	e, oe := &s.Engine, &o.Engine
	e.Packets += oe.Packets
	e.Flows += oe.Flows
	e.Emitted += oe.Emitted
	e.Evicted += oe.Evicted
	e.IdleExpired += oe.IdleExpired
	e.LatePackets += oe.LatePackets
	e.HeadsNoMemory += oe.HeadsNoMemory
	e.HeadsReclaimed += oe.HeadsReclaimed
	e.ClockJumps += oe.ClockJumps
	e.HeadHoles += oe.HeadHoles
	e.LearnedEvicted += oe.LearnedEvicted
	e.Learned += oe.Learned
	e.ExpectDropped += oe.ExpectDropped
	e.Uninspected += oe.Uninspected
	e.Interim += oe.Interim
	e.FindingEvents += oe.FindingEvents
	e.GapBytes += oe.GapBytes
	e.AckedBytes += oe.AckedBytes
	e.Active += oe.Active
	e.HeadMemory += oe.HeadMemory
}

// StatsLine renders the counters an operator watches, in key=value form.
func StatsLine(s *Snapshot, outs []*Output) string {
	var out OutputStats
	for _, o := range outs {
		st := o.Stats()
		out.Written += st.Written
		out.Dropped += st.Dropped
	}
	e := &s.Engine
	parts := []string{
		fmt.Sprintf("packets=%d", s.Capture.Packets),
		fmt.Sprintf("bytes=%d", s.Capture.Bytes),
		fmt.Sprintf("decoded=%d", s.Capture.Decoded),
		fmt.Sprintf("skipped=%d", s.Capture.SkippedTotal()),
		fmt.Sprintf("kernel_packets=%d", s.Kernel.Packets),
		fmt.Sprintf("kernel_drops=%d", s.Kernel.Drops),
		fmt.Sprintf("kernel_freezes=%d", s.Kernel.Freezes),
		fmt.Sprintf("flows_active=%d", e.Active),
		fmt.Sprintf("flows=%d", e.Flows),
		fmt.Sprintf("records=%d", e.Emitted),
		fmt.Sprintf("interim=%d", e.Interim),
		fmt.Sprintf("findings=%d", e.FindingEvents),
		fmt.Sprintf("evicted=%d", e.Evicted),
		fmt.Sprintf("gap_bytes=%d", e.GapBytes),
		fmt.Sprintf("capture_loss=%s", ratio(s.LossRatio())),
		fmt.Sprintf("head_memory=%d", e.HeadMemory),
		fmt.Sprintf("output_written=%d", out.Written),
		fmt.Sprintf("output_dropped=%d", out.Dropped),
	}
	return strings.Join(parts, " ")
}

func ratio(r float64) string {
	if r < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.6f", r)
}
