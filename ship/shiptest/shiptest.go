// Package shiptest gives tests a Kafka cluster: franz-go's in-process
// kfake by default, or the real brokers named in KAFKA_BROKERS, so the same
// tests run against both. Only tests import it.
package shiptest

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Cluster is a Kafka cluster for one test.
type Cluster struct {
	Brokers []string
	Fake    *kfake.Cluster // nil against a real broker
	t       testing.TB
}

var seq atomic.Int64

// New returns the cluster: KAFKA_BROKERS when set, else a kfake cluster
// (closed when the test ends). opts go to kfake.
func New(t testing.TB, opts ...kfake.Opt) *Cluster {
	t.Helper()
	if env := os.Getenv("KAFKA_BROKERS"); env != "" {
		return &Cluster{Brokers: strings.Split(env, ","), t: t}
	}
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return &Cluster{Brokers: c.ListenAddrs(), Fake: c, t: t}
}

// Real says whether the tests run against real brokers.
func Real() bool { return os.Getenv("KAFKA_BROKERS") != "" }

// Topic creates a topic with a name unique to this test and returns it.
func (c *Cluster) Topic(partitions int32) string {
	c.t.Helper()
	name := fmt.Sprintf("ibmitap-test-%d-%d", time.Now().UnixNano(), seq.Add(1))
	if err := CreateTopic(c.Brokers, name, partitions); err != nil {
		c.t.Fatalf("creating topic %s: %v", name, err)
	}
	return name
}

// CreateTopic creates a topic (replication factor 1).
func CreateTopic(brokers []string, name string, partitions int32) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = name
	rt.NumPartitions = partitions
	rt.ReplicationFactor = 1
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil && err != kerr.TopicAlreadyExists {
			return err
		}
	}
	return nil
}

// Consume reads records of topic from the start until want arrived or the
// deadline passed, and returns them.
func Consume(t testing.TB, brokers []string, topic string, want int, deadline time.Duration) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachError(func(_ string, _ int32, err error) {
			if ctx.Err() == nil {
				t.Logf("fetch: %v", err)
			}
		})
		out = append(out, fs.Records()...)
	}
	return out
}

// FreePort returns a TCP port nothing listens on (now): a broker address
// that refuses connections.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
