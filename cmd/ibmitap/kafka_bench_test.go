package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/ship/shiptest"
)

// BenchmarkReadKafka: flow records per second through read --kafka (into
// the in-process cluster) beside the same read writing JSON lines only, on
// a capture of 50,000 one-packet flows.
func BenchmarkReadKafka(b *testing.B) {
	const n = 50000
	file := udpFlows(b, n)
	c := shiptest.New(b)
	topic := c.Topic(4)
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"json-only", nil},
		{"kafka-zstd", []string{"--kafka", strings.Join(c.Brokers, ","), "--kafka-topic", topic}},
		{"kafka-lz4", []string{"--kafka", strings.Join(c.Brokers, ","), "--kafka-topic", topic, "--kafka-compression", "lz4"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var errb bytes.Buffer
				args := append([]string{"read", "--format", "json", "-o", os.DevNull, "--sensor", "bench", "--kafka-queue", "100000"}, tc.extra...)
				if code := run(context.Background(), append(args, file), nil, &bytes.Buffer{}, &errb); code != exitOK {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
				if tc.extra != nil && !strings.Contains(errb.String(), "unsent=0") {
					b.Fatalf("records lost: %s", errb.String())
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
