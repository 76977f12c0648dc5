package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// BenchmarkWriter measures rows per second through a Writer into each
// engine, by batch size: go test -run '^$' -bench Writer ./store/
// (PostgreSQL with IBMITAP_PG_DSN set). Each op is one flow record with
// one finding, committed.
func BenchmarkWriter(b *testing.B) {
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T00:00:00Z")
	for _, e := range engines(b) {
		for _, batch := range []int{100, 1000, 5000} {
			b.Run(fmt.Sprintf("%s/batch=%d", e.name, batch), func(b *testing.B) {
				dsn := e.dsn(b)
				s, err := Open(context.Background(), dsn)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				fs := make([]record.Flow, b.N)
				for i := range fs {
					// 30 days of flows, so PostgreSQL meets new partitions.
					fs[i] = flowAt("bench", i, d0.Add(time.Duration(i)*(30*24*time.Hour/time.Duration(b.N+1))), time.Second)
				}
				b.ResetTimer()
				w := NewWriter(s, WriterOptions{BatchSize: batch, QueueSize: 4 * batch, Block: true})
				for i := range fs {
					w.Flow(&fs[i])
				}
				st, err := w.Close(context.Background())
				b.StopTimer()
				if err != nil || st.Written != uint64(b.N) {
					b.Fatalf("%+v, %v", st, err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
