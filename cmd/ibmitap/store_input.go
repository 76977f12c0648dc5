package main

import (
	"context"
	"errors"

	"github.com/ibmitap/ibmitap/report/compliance"
)

// reportFromStore reads the flows and runs of a store into b.
func reportFromStore(ctx context.Context, dsn string, b *compliance.Builder) error {
	return errors.New("--db: the store is not available in this build yet")
}
