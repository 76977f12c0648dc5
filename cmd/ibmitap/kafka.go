package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/ship"
)

// kafkaFlags are the Kafka connection flags of read, watch and collect.
type kafkaFlags struct {
	brokers, topic            *string
	tls                       *bool
	caFile, certFile, keyFile *string
	sasl, saslMech            *string
	compression               *string
	linger, drain             *time.Duration
	batchBytes, queue         *int
	producer                  bool
	stopPing                  context.CancelFunc
}

// addKafkaFlags registers the connection flags on fs, and the producer's
// batching and queue flags when producer is set.
func addKafkaFlags(fs *flag.FlagSet, producer bool) *kafkaFlags {
	k := &kafkaFlags{producer: producer}
	k.brokers = fs.String("kafka", "", "Kafka seed `BROKERS`, host:port[,host:port...]")
	k.topic = fs.String("kafka-topic", "ibmitap", "Kafka `TOPIC` of the records")
	k.tls = fs.Bool("kafka-tls", false, "connect to the brokers with TLS")
	k.caFile = fs.String("kafka-ca", "", "PEM `FILE` of the CAs that sign the brokers' certificates (implies --kafka-tls; default: the system roots)")
	k.certFile = fs.String("kafka-cert", "", "client certificate PEM `FILE` (implies --kafka-tls)")
	k.keyFile = fs.String("kafka-key", "", "client key PEM `FILE` of --kafka-cert")
	k.sasl = fs.String("kafka-sasl", "", "SCRAM credentials `USER:PASSWORD-FILE` (or USER:env:VARIABLE); the password never goes on the command line")
	k.saslMech = fs.String("kafka-sasl-mechanism", "SCRAM-SHA-512", "SASL `MECHANISM`: SCRAM-SHA-256 or SCRAM-SHA-512")
	if producer {
		k.compression = fs.String("kafka-compression", "zstd", "batch compression: "+strings.Join(ship.Compressions, ", "))
		k.linger = fs.Duration("kafka-linger", 20*time.Millisecond, "how long a batch waits for more records")
		k.batchBytes = fs.Int("kafka-batch-bytes", 1<<20, "largest record batch in `BYTES`")
		k.queue = fs.Int("kafka-queue", 16384, "records queued in front of Kafka (and as many more in flight); beyond that records are counted as unsent, capture never waits")
		k.drain = fs.Duration("kafka-drain", 10*time.Second, "at exit, how long to wait for queued records to reach Kafka")
	}
	return k
}

// enabled says whether --kafka was given.
func (k *kafkaFlags) enabled() bool { return *k.brokers != "" }

// config checks the flags and reads the secrets they point at. clientID
// names this process to the brokers.
func (k *kafkaFlags) config(clientID string) (ship.Config, error) {
	brokers, err := ship.ParseBrokers(*k.brokers)
	if err != nil {
		return ship.Config{}, fmt.Errorf("--kafka: %w", err)
	}
	if *k.topic == "" {
		return ship.Config{}, fmt.Errorf("--kafka-topic: empty")
	}
	cfg := ship.Config{Brokers: brokers, Topic: *k.topic, ClientID: clientID}
	if *k.tls || *k.caFile != "" || *k.certFile != "" {
		if cfg.TLS, err = ship.TLSConfig(*k.caFile, *k.certFile, *k.keyFile); err != nil {
			return ship.Config{}, err
		}
	}
	if *k.sasl != "" {
		if cfg.SASL, err = ship.LoadSASL(*k.sasl, *k.saslMech); err != nil {
			return ship.Config{}, err
		}
	}
	return cfg, nil
}

// newProducer starts the producer the flags describe. A broker that cannot
// be reached yet is only a warning: records queue and go when it answers.
func (k *kafkaFlags) newProducer(stderr io.Writer, cmd string) (*ship.Producer, error) {
	cfg, err := k.config("ibmitap-" + cmd)
	if err != nil {
		return nil, err
	}
	p, err := ship.NewProducer(ship.ProducerConfig{
		Config:        cfg,
		Linger:        *k.linger,
		BatchMaxBytes: int32(min(*k.batchBytes, 1<<30)),
		Compression:   *k.compression,
		QueueSize:     *k.queue,
		// The client's own buffer (records waiting for a broker) gets the
		// same bound: at most twice --kafka-queue records are held.
		MaxBuffered: *k.queue,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	k.stopPing = cancel
	go func() {
		defer cancel()
		if err := p.Ping(ctx); err != nil && !errors.Is(ctx.Err(), context.Canceled) {
			fmt.Fprintf(stderr, "ibmitap %s: warning: no Kafka broker answers yet (%v); records queue (up to --kafka-queue) and are sent when one does\n", cmd, err)
		}
	}()
	return p, nil
}

// closeProducer sends what is queued (for at most --kafka-drain), then
// prints the producer's counters to stderr so a person sees every record
// that did not reach Kafka. It returns them.
func (k *kafkaFlags) closeProducer(p *ship.Producer, stderr io.Writer) ship.Stats {
	if k.stopPing != nil {
		k.stopPing()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *k.drain)
	defer cancel()
	st := p.Close(ctx)
	fmt.Fprintf(stderr, "ibmitap: %s\n", st)
	return st
}

// sensorName is --sensor, else the host name.
func sensorName(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "unknown"
}
