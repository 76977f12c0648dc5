package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/ship/shiptest"
	"github.com/ibmitap/ibmitap/store"
)

// fleetInputs are the captures of the two sensors of the end-to-end test.
var fleetInputs = map[string][]string{
	"a": {"jt400-plain-signon.pcap", "telnet-login-23.pcap", "tls12-sni-9475.pcap"},
	"b": {"ftp-plain-curl.pcap", "ldap-simple-bind.pcap", "drda-secmec3.pcap"},
}

func fleetFiles(s string) []string {
	var out []string
	for _, f := range fleetInputs[s] {
		out = append(out, filepath.Join(testdataDir, f))
	}
	return out
}

// TestFleet is the fleet path end to end: two sensors (read --sensor a and
// b over different captures) → Kafka → collect → store, on SQLite and on
// PostgreSQL. The store ends up holding exactly the flow records and run
// summaries read --format json writes for the same captures, and report
// --db on it gives the report that report gives on the captures.
func TestFleet(t *testing.T) {
	c := shiptest.New(t)
	topic := c.Topic(3)
	brokers := strings.Join(c.Brokers, ",")

	// What each sensor writes to a file, and what it sends.
	var wantFlows, wantRuns []string
	for _, s := range []string{"a", "b"} {
		var out, errb bytes.Buffer
		args := append([]string{"read", "--format", "json", "--sensor", s, "--kafka", brokers, "--kafka-topic", topic}, fleetFiles(s)...)
		if code := run(t.Context(), args, nil, &out, &errb); code != exitOK {
			t.Fatalf("sensor %s: exit %d: %s", s, code, errb.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if strings.Contains(line, `"schema":"ibmitap.run/1"`) {
				wantRuns = append(wantRuns, line)
			} else {
				wantFlows = append(wantFlows, line)
			}
		}
	}
	sort.Strings(wantFlows)
	sort.Strings(wantRuns)

	for _, db := range testDBs(t) {
		t.Run(db.engine, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var errb bytes.Buffer
			done := make(chan int)
			go func() {
				done <- run(ctx, []string{"collect", "--kafka", brokers, "--kafka-topic", topic, "--group", "fleet-" + db.engine,
					"--db", db.dsn, "--batch", "7"}, nil, &bytes.Buffer{}, &errb)
			}()
			waitUntil(t, "the records in the store", 60*time.Second, func() bool {
				return db.count(t, "flows") == len(wantFlows) && db.count(t, "runs") == len(wantRuns)
			})
			cancel() // as SIGTERM does
			if code := <-done; code != exitOK {
				t.Fatalf("collect: exit %d: %s", code, errb.String())
			}
			st, err := store.Open(t.Context(), db.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var gotFlows, gotRuns []string
			err = st.Flows(t.Context(), store.Query{}, func(f *record.Flow) error {
				gotFlows = append(gotFlows, strings.TrimSpace(string(record.AppendFlow(nil, f))))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			runs, err := st.Runs(t.Context(), store.Query{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range runs {
				gotRuns = append(gotRuns, strings.TrimSpace(string(record.AppendRun(nil, &runs[i]))))
			}
			sort.Strings(gotFlows)
			sort.Strings(gotRuns)
			if strings.Join(gotFlows, "\n") != strings.Join(wantFlows, "\n") {
				t.Errorf("stored flows:\n%s\nwant (read --format json):\n%s", strings.Join(gotFlows, "\n"), strings.Join(wantFlows, "\n"))
			}
			if strings.Join(gotRuns, "\n") != strings.Join(wantRuns, "\n") {
				t.Errorf("stored runs:\n%s\nwant:\n%s", strings.Join(gotRuns, "\n"), strings.Join(wantRuns, "\n"))
			}
			compareFleetReport(t, db.dsn)
		})
	}
}

// compareFleetReport compares report --db on the fleet's store with report
// on the sensors' captures.
func compareFleetReport(t *testing.T, dsn string) {
	t.Helper()
	var fromDB, direct, errb bytes.Buffer
	if code := run(t.Context(), []string{"report", "--format", "json", "--db", dsn}, nil, &fromDB, &errb); code != exitOK {
		t.Fatalf("report --db: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	args := append(append([]string{"report", "--format", "json"}, fleetFiles("a")...), fleetFiles("b")...)
	if code := run(t.Context(), args, nil, &direct, &errb); code != exitOK {
		t.Fatalf("report on the captures: exit %d: %s", code, errb.String())
	}
	a, b := normalizeReport(t, fromDB.Bytes()), normalizeReport(t, direct.Bytes())
	if a != b {
		t.Errorf("report --db:\n%s\nreport on the captures:\n%s", a, b)
	}
}

// normalizeReport re-encodes a JSON report with sorted keys, without what
// tells the two ways of making it apart: the fleet's report names its two
// sensors and runs, the report on the captures read them in one run with
// no sensor name (nor do its evidence samples), and inputs are named as
// each was given.
func normalizeReport(t *testing.T, b []byte) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	delete(v, "generated")
	// Evidence samples name the sensor that saw the flow.
	if fs, ok := v["findings"].([]any); ok {
		for _, g := range fs {
			if smp, ok := g.(map[string]any)["samples"].([]any); ok {
				for _, x := range smp {
					delete(x.(map[string]any), "sensor")
				}
			}
		}
	}
	if cov, ok := v["coverage"].(map[string]any); ok {
		for _, k := range []string{"sensors", "runs", "inputs", "statement"} {
			delete(cov, k)
		}
	}
	out, _ := json.MarshalIndent(v, "", " ")
	return string(out)
}
