package ship

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/ship/shiptest"
	"github.com/ibmitap/ibmitap/store"
)

// BenchmarkProduce: flow records per second through the Producer (JSON
// encoding, queue, franz-go, zstd) into the in-process cluster.
func BenchmarkProduce(b *testing.B) {
	for _, comp := range []string{"zstd", "lz4", "none"} {
		b.Run(comp, func(b *testing.B) {
			c := shiptest.New(b)
			topic := c.Topic(4)
			p, err := NewProducer(ProducerConfig{Config: Config{Brokers: c.Brokers, Topic: topic}, Compression: comp})
			if err != nil {
				b.Fatal(err)
			}
			fs := make([]record.Flow, 1000)
			for i := range fs {
				fs[i] = testFlow("bench", i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for !p.Flow(&fs[i%len(fs)]) {
					time.Sleep(100 * time.Microsecond) // measure throughput, not drops
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			st := p.Close(ctx)
			b.StopTimer()
			if st.Sent != uint64(b.N) {
				b.Fatalf("%s", st)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkCollect: flow records per second from Kafka into a store by one
// collector, by engine and batch size. Set IBMITAP_PG_DSN for PostgreSQL;
// IBMITAP_BENCH_RECORDS sets the records per run (default 50,000).
func BenchmarkCollect(b *testing.B) {
	n := 50000
	if v := os.Getenv("IBMITAP_BENCH_RECORDS"); v != "" {
		fmt.Sscan(v, &n)
	}
	c := shiptest.New(b)
	topic := c.Topic(4)
	p, err := NewProducer(ProducerConfig{Config: Config{Brokers: c.Brokers, Topic: topic}, QueueSize: 8192, MaxBuffered: 8192})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		f := testFlow("bench", i)
		for !p.Flow(&f) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if st := p.Close(ctx); st.Sent != uint64(n) {
		b.Fatalf("%s", st)
	}
	engines := []string{"sqlite"}
	if os.Getenv("IBMITAP_PG_DSN") != "" {
		engines = append(engines, "postgres")
	}
	group := 0
	for _, engine := range engines {
		for _, batch := range []int{500, 5000} {
			b.Run(fmt.Sprintf("%s/batch=%d", engine, batch), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					dsn := benchDSN(b, engine)
					st, err := store.Open(context.Background(), dsn)
					if err != nil {
						b.Fatal(err)
					}
					group++
					col, err := NewCollector(CollectorConfig{Config: Config{Brokers: c.Brokers, Topic: topic},
						Group: fmt.Sprintf("bench-%d", group), Batch: batch}, st)
					if err != nil {
						b.Fatal(err)
					}
					ctx, cancel := context.WithCancel(context.Background())
					done := make(chan error, 1)
					b.StartTimer()
					go func() { done <- col.Run(ctx) }()
					for col.Stats().Flows < uint64(n) {
						time.Sleep(5 * time.Millisecond)
					}
					b.StopTimer()
					cancel()
					<-done
					st.Close()
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// benchDSN is a fresh store of the engine.
func benchDSN(b *testing.B, engine string) string {
	if engine == "sqlite" {
		return filepath.Join(b.TempDir(), "bench.db")
	}
	base := os.Getenv("IBMITAP_PG_DSN")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("ibmitap_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}
