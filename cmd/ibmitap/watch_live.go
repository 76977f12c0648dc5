package main

import (
	"context"
	"errors"

	"github.com/ibmitap/ibmitap/capture"
)

// openLive opens the interfaces of o, one source per worker (with
// AF_PACKET, the workers share a fanout group that keeps each host pair
// on one of them).
func openLive(ctx context.Context, o *watchOptions) ([]capture.Source, error) {
	cfg := capture.LiveConfig{
		Interfaces:  o.ifaces,
		Engine:      o.engine,
		RingMiB:     o.ringMB,
		Promiscuous: o.promisc,
		Filter:      o.filter,
		BPFFile:     o.bpfFile,
		ReadTimeout: pollInterval,
		FanoutID:    uint16(o.fanoutID),
	}
	lives, err := capture.OpenLiveWorkers(ctx, cfg, o.workers)
	if err != nil {
		return nil, err
	}
	srcs := make([]capture.Source, len(lives))
	for i, l := range lives {
		srcs[i] = l
	}
	return srcs, nil
}

// isIdleErr reports whether a source error only says that no packet came.
func isIdleErr(err error) bool { return errors.Is(err, capture.ErrIdle) }

// isLinkErr reports whether a source error is an interface lost and being
// retried (reported, not fatal).
func isLinkErr(err error) bool { return errors.Is(err, capture.ErrLinkDown) }
