package main

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/internal/netnstest"
	"github.com/ibmitap/ibmitap/ship/shiptest"
)

// TestWatchKafkaOnVeth: watch --kafka sends every line it writes — finding
// events, flow records and the run summary — to Kafka as well, one message
// each, and accounts for them at exit.
func TestWatchKafkaOnVeth(t *testing.T) {
	c := shiptest.New(t)
	topic := c.Topic(2)
	p := netnstest.New(t, "watchk")
	var srcs []capture.Source
	var err error
	p.Do(t, p.B, func() {
		srcs, err = openLive(t.Context(), &watchOptions{ifaces: listFlag{p.IfB}, ringMB: 8, workers: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	old := openSources
	openSources = func(context.Context, *watchOptions) ([]capture.Source, error) { return srcs, nil }
	t.Cleanup(func() { openSources = old })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, errb := &lineLog{}, &lineLog{}
	done := make(chan int, 1)
	args := []string{"watch", "-i", p.IfB, "--stats-interval", "0", "--sensor", "k",
		"--kafka", strings.Join(c.Brokers, ","), "--kafka-topic", topic}
	go func() { done <- run(ctx, args, nil, out, errb) }()
	p.Replay(t, filepath.Join(testdataDir, "jt400-plain-signon.pcap"), netnstest.TopSpeed)
	time.Sleep(1500 * time.Millisecond)
	cancel()
	if code := <-done; code != exitOK {
		lines, _ := errb.snapshot()
		t.Fatalf("watch --kafka: exit %d: %s", code, strings.Join(lines, "\n"))
	}
	lines, _ := out.snapshot()
	var events int
	for _, l := range lines {
		if strings.Contains(l, `"schema":"ibmitap.finding/1"`) {
			events++
		}
	}
	if events == 0 || len(lines) < 3 {
		t.Fatalf("watch wrote %d lines, %d events: nothing to compare", len(lines), events)
	}
	recs := shiptest.Consume(t, c.Brokers, topic, len(lines), 20*time.Second)
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Value))
	}
	want := append([]string(nil), lines...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Kafka holds %d messages, the output %d lines; they differ", len(got), len(want))
	}
	stderr, _ := errb.snapshot()
	if !strings.Contains(strings.Join(stderr, "\n"), "kafka: sent=") {
		t.Errorf("no Kafka account at exit: %s", strings.Join(stderr, "\n"))
	}
	t.Logf("%d lines (%d finding events) on stdout and in Kafka", len(lines), events)
}
