package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"time"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/store"
)

// kind is one shape of flow the generator draws from.
type kind struct {
	weight   int
	service  string
	port     uint16
	ibmi     bool
	enc      bool
	version  string
	protocol string
	user     bool
	findings []record.Finding
}

var kinds = []kind{
	{30, "as-signon-s", 9476, true, true, "TLS 1.3", "tls", false, nil},
	{12, "as-database-s", 9471, true, true, "TLS 1.2", "tls", false, nil},
	{10, "as-svrmap", 449, true, false, "", "portmapper", false, nil},
	{8, "as-signon", 8476, true, false, "", "hostserver", true, []record.Finding{
		{Kind: "password_hash_exposed", Severity: "high", Mechanism: "SHA-512"},
		{Kind: "plaintext_where_tls_expected", Severity: "high"}}},
	{6, "as-database", 8471, true, false, "", "hostserver", true, []record.Finding{
		{Kind: "plaintext_where_tls_expected", Severity: "high"},
		{Kind: "sensitive_data_visible", Severity: "medium", Record: "sql"}}},
	{3, "as-rmtcmd", 8475, true, false, "", "hostserver", true, []record.Finding{
		{Kind: "plaintext_where_tls_expected", Severity: "high"},
		{Kind: "sensitive_data_visible", Severity: "medium", Record: "cl-command"}}},
	{4, "telnets", 992, false, true, "TLS 1.2", "tls", false, nil},
	{1, "telnets", 992, false, true, "TLS 1.1", "tls", false, []record.Finding{
		{Kind: "weak_tls_version", Severity: "medium"}}},
	{2, "telnet", 23, true, false, "", "tn5250", true, []record.Finding{
		{Kind: "cleartext_password", Severity: "critical", Protocol: "tn5250 IBMSUBSPW"},
		{Kind: "plaintext_where_tls_expected", Severity: "high"}}},
	{2, "ftp", 21, false, false, "", "ftp", true, []record.Finding{
		{Kind: "cleartext_password", Severity: "critical", Protocol: "ftp PASS"},
		{Kind: "plaintext_where_tls_expected", Severity: "high"}}},
	{2, "drda", 446, true, false, "", "drda", true, []record.Finding{
		{Kind: "user_id_exposed", Severity: "low", Mechanism: "SECMEC 4"},
		{Kind: "plaintext_where_tls_expected", Severity: "high"}}},
	{5, "ssh", 22, false, true, "", "ssh", false, nil},
	{15, "https", 443, false, true, "TLS 1.3", "tls", false, nil},
}

func main() {
	n := flag.Int("flows", 1000000, "flow records to write")
	days := flag.Int("days", 30, "days the flows spread over")
	systems := flag.Int("systems", 20, "IBM i systems")
	clients := flag.Int("clients", 5000, "client addresses")
	users := flag.Int("users", 2000, "user profiles")
	start := flag.String("start", "2026-10-01", "first day (UTC)")
	out := flag.String("o", "", "output `FILE` (default standard output)")
	seed := flag.Uint64("seed", 1, "random seed")
	db := flag.String("db", "", "write the flows and the run into the store `DSN` instead of JSON lines")
	flag.Parse()
	t0, err := time.Parse("2006-01-02", *start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "genflows: -start: %v\n", err)
		os.Exit(2)
	}
	if *db != "" {
		if err := toStore(*db, *n, *days, *systems, *clients, *users, t0, *seed); err != nil {
			fmt.Fprintf(os.Stderr, "genflows: %v\n", err)
			os.Exit(1)
		}
		return
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "genflows: %v\n", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := generate(bw, *n, *days, *systems, *clients, *users, t0, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "genflows: %v\n", err)
		os.Exit(1)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "genflows: %v\n", err)
		os.Exit(1)
	}
}

func generate(w io.Writer, n, days, systems, clients, users int, t0 time.Time, seed uint64) error {
	var buf []byte
	return each(n, days, systems, clients, users, t0, seed, func(f *record.Flow) error {
		buf = record.AppendFlow(buf[:0], f)
		_, err := w.Write(buf)
		return err
	}, func(r *record.Run) error {
		_, err := w.Write(record.AppendRun(nil, r))
		return err
	})
}

// toStore writes the same flows and run into a store, in batches.
func toStore(dsn string, n, days, systems, clients, users int, t0 time.Time, seed uint64) error {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := st.BeginRun(ctx, record.Run{Schema: record.RunSchema, Sensor: "bench", Inputs: []string{"genflows"}})
	if err != nil {
		return err
	}
	batch := make([]record.Flow, 0, 5000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := st.WriteFlows(ctx, id, batch)
		batch = batch[:0]
		return err
	}
	return each(n, days, systems, clients, users, t0, seed, func(f *record.Flow) error {
		batch = append(batch, *f)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}, func(r *record.Run) error {
		if err := flush(); err != nil {
			return err
		}
		return st.EndRun(ctx, id, *r)
	})
}

// each generates the flows and then the run summary.
func each(n, days, systems, clients, users int, t0 time.Time, seed uint64, flow func(*record.Flow) error, run func(*record.Run) error) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	span := time.Duration(days) * 24 * time.Hour
	step := span / time.Duration(n+1)
	var payload uint64
	for i := 0; i < n; i++ {
		pick := rng.IntN(total)
		k := &kinds[0]
		for j := range kinds {
			if pick < kinds[j].weight {
				k = &kinds[j]
				break
			}
			pick -= kinds[j].weight
		}
		start := t0.Add(step * time.Duration(i))
		end := start.Add(time.Duration(rng.IntN(120000)) * time.Millisecond)
		sys := netip.AddrFrom4([4]byte{10, 1, 0, byte(1 + rng.IntN(systems))})
		c := rng.IntN(clients)
		cli := netip.AddrFrom4([4]byte{10, 20, byte(c >> 8), byte(c)})
		client := netip.AddrPortFrom(cli, uint16(32768+rng.IntN(28000)))
		server := netip.AddrPortFrom(sys, k.port)
		if !k.ibmi && k.service == "https" {
			server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(rng.IntN(200))}), k.port)
		}
		enc := k.enc
		f := record.Flow{
			Schema:      record.FlowSchema,
			CommunityID: record.CommunityID(6, client, server),
			Start:       start.UTC().Format(record.TimeLayout),
			End:         end.UTC().Format(record.TimeLayout),
			Transport:   "tcp", Client: client.String(), Server: server.String(),
			Service: k.service, IBMi: k.ibmi, LabelSource: "signature", Encrypted: &enc,
			TLSVersion: k.version, ALPN: []string{}, Protocol: k.protocol,
			PacketsC2S: uint64(5 + rng.IntN(50)), PacketsS2C: uint64(5 + rng.IntN(50)),
			BytesC2S: uint64(300 + rng.IntN(5000)), BytesS2C: uint64(300 + rng.IntN(50000)),
			Findings: []record.Finding{}, EndReason: "fin", Sensor: "bench",
		}
		if k.user {
			f.User = fmt.Sprintf("USR%04d", rng.IntN(users))
		}
		for _, x := range k.findings {
			x.Message = x.Kind
			if x.Kind == "cleartext_password" || x.Kind == "password_hash_exposed" || x.Kind == "user_id_exposed" {
				x.User = f.User
			}
			f.Findings = append(f.Findings, x)
		}
		payload += f.BytesC2S + f.BytesS2C
		if err := flow(&f); err != nil {
			return err
		}
	}
	r := record.Run{Schema: record.RunSchema, Sensor: "bench", Inputs: []string{"genflows"},
		Start: t0.UTC().Format(record.TimeLayout), End: t0.Add(span).UTC().Format(record.TimeLayout),
		Packets: uint64(n) * 40, Decoded: uint64(n) * 40, Flows: uint64(n), PayloadBytes: payload, CaptureLoss: -1}
	return run(&r)
}
