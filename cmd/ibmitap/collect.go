package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ibmitap/ibmitap/ship"
	"github.com/ibmitap/ibmitap/store"
)

func cmdCollect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	fs.SetOutput(flagOutput(args, stdout, stderr))
	kf := addKafkaFlags(fs, false)
	group := fs.String("group", "ibmitap-collect", "Kafka consumer `GROUP`; collectors of one group share the topic's partitions")
	db := fs.String("db", "", "store `DSN` to write into: FILE.db, sqlite:PATH or postgres://...")
	batch := fs.Int("batch", 5000, "records written and committed together")
	session := fs.Duration("session-timeout", 10*time.Second, "how long the group waits for a silent collector before handing its partitions to the others")
	grace := fs.Duration("grace", 30*time.Second, "on SIGTERM, how long to keep trying to write and commit the batch in hand")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ibmitap collect --kafka BROKERS --kafka-topic TOPIC --group GROUP --db DSN\n\n"+
			"Consume flow records, finding events and run summaries from Kafka into a store. At least once,\n"+
			"with idempotent writes: offsets are committed only after the database committed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ibmitap collect: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case !kf.enabled():
		return usageErr("--kafka BROKERS is required")
	case *db == "":
		return usageErr("--db DSN is required")
	case *group == "":
		return usageErr("--group is empty")
	case *batch < 1:
		return usageErr("--batch %d: want at least 1", *batch)
	}
	cfg, err := kf.config("ibmitap-collect")
	if err != nil {
		return usageErr("%v", err)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap collect: --db: %v\n", err)
		return exitError
	}
	defer st.Close()
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, "ibmitap collect: "+format+"\n", a...)
	}
	col, err := ship.NewCollector(ship.CollectorConfig{
		Config:         cfg,
		Group:          *group,
		Batch:          *batch,
		SessionTimeout: *session,
		Grace:          *grace,
		Logf:           logf,
	}, st)
	if err != nil {
		return usageErr("%v", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	go func() {
		if err := col.Ping(pctx); err != nil && pctx.Err() != context.Canceled {
			logf("warning: no Kafka broker answers yet (%v); waiting for one", err)
		}
	}()
	err = col.Run(ctx)
	cancel()
	logf("%s", col.Stats())
	if err != nil {
		logf("%v", err)
		return exitError
	}
	return exitOK
}
