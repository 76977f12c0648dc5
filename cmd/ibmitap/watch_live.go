package main

import (
	"context"
	"errors"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/sensor"
)

// openLive opens the interfaces of o, one source per worker.
func openLive(ctx context.Context, o *watchOptions) ([]capture.Source, error) {
	return nil, errors.New("live capture is not in this build yet")
}

// isIdleErr reports whether a source error only says that no packet came.
func isIdleErr(err error) bool { return sensor.IsIdle(err) }

// isLinkErr reports whether a source error is an interface lost and being
// retried.
func isLinkErr(err error) bool { return false }
