package main

import (
	"context"
	"errors"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/report/compliance"
	"github.com/ibmitap/ibmitap/store"
)

// reportFromStore reads the runs and flows of a store that overlap the
// period into b. The store names its own faults (not a store, a newer
// schema, an unreachable server).
func reportFromStore(ctx context.Context, dsn string, q store.Query, b *compliance.Builder) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	runs, err := st.Runs(ctx, q)
	if err == nil {
		for _, r := range runs {
			b.AddRun(r)
		}
		err = st.Flows(ctx, q, func(f *record.Flow) error {
			// A long flow's interim records are followed by its final
			// record, which carries the totals.
			if f.EndReason != "interim" {
				b.Add(f)
			}
			return nil
		})
	}
	return errors.Join(err, st.Close())
}
