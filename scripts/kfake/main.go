// Command kfake runs franz-go's in-process Kafka cluster as a broker on a
// port, so the fleet path (read --kafka, collect) can be tried on a fresh
// clone without installing Kafka: go run ./scripts/kfake. It keeps records
// in memory only; it is for trying and testing, not for a real fleet.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "TCP port to listen on (127.0.0.1 and every other address)")
	topic := flag.String("topic", "ibmitap", "topic to create")
	partitions := flag.Int("partitions", 6, "partitions of the topic (at most this many collectors share the work)")
	flag.Parse()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(*port), kfake.SeedTopics(int32(*partitions), *topic))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "kfake: broker on %v, topic %s with %d partitions; Ctrl-C stops it (records are kept in memory only)\n",
		c.ListenAddrs(), *topic, *partitions)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	c.Close()
}
