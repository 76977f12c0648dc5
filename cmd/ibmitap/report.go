package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/report/compliance"
	"github.com/ibmitap/ibmitap/store"
)

// reportFormats are the compliance report's formats.
var reportFormats = []string{"table", "json", "md", "html", "csv"}

// reportConfig is the parsed command line of report.
type reportConfig struct {
	inputs      []string
	db          string
	format, out string
	opt         compliance.Options
	site        string
	sensor      string
	maxFlows    int
	headBytes   int
}

func cmdReport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, code := parseReportFlags(args, stdout, stderr)
	if code >= 0 {
		return code
	}
	cat, err := catalog.Load(cfg.site)
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
		return exitError
	}
	cfg.opt.Catalog = cat
	b := compliance.NewBuilder(cfg.opt)
	status := exitOK
	if cfg.db != "" {
		q := store.Query{Since: cfg.opt.Since, Until: cfg.opt.Until}
		if err := reportFromStore(ctx, cfg.db, q, b); err != nil {
			fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
			return exitError
		}
	} else {
		status = reportFromFiles(ctx, cfg, cat, b, stdin, stderr)
		if status == exitUsage {
			return status
		}
	}
	rep := b.Report()
	if err := writeOutput(cfg.out, stdout, func(w io.Writer) error { return renderReport(cfg.format, w, rep) }); err != nil {
		fmt.Fprintf(stderr, "ibmitap report: writing %s: %v\n", orStdout(cfg.out), err)
		return exitError
	}
	return status
}

// parseReportFlags returns the configuration, or an exit code >= 0 when the
// command should end (help, usage error).
func parseReportFlags(args []string, stdout, stderr io.Writer) (reportConfig, int) {
	var cfg reportConfig
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(flagOutput(args, stdout, stderr))
	fs.StringVar(&cfg.db, "db", "", "read flows and runs from the store at `DSN` (FILE.db, sqlite:PATH, postgres://...)")
	since := fs.String("since", "", "report flows from `TIME` on (RFC 3339 or a date, UTC)")
	until := fs.String("until", "", "report flows before `TIME` (RFC 3339 or a date, UTC)")
	fs.StringVar(&cfg.format, "format", "", "report format: "+strings.Join(reportFormats, ", ")+" (default: by the -o extension, else table)")
	fs.StringVar(&cfg.out, "o", "", "write the report to `FILE` (through a temporary file, renamed when complete)")
	baseline := fs.String("baseline", "", "compare the exposures with an earlier JSON report `FILE`")
	redact := fs.String("redact-users", "", "replace user profiles by keyed pseudonyms; the key is read from `KEYFILE` (or env:NAME for an environment variable)")
	fs.IntVar(&cfg.opt.Top, "top", 10, "list at most `N` clients and users per row")
	fs.StringVar(&cfg.sensor, "sensor", "", "with capture input: the sensor `NAME` the records carry (as read --sensor)")
	fs.StringVar(&cfg.site, "site", "", "site catalog `FILE` that adds or overrides port entries")
	fs.IntVar(&cfg.maxFlows, "max-flows", 1<<18, "flow-table size when reading captures")
	fs.IntVar(&cfg.headBytes, "head-bytes", 8192, "bytes kept per flow direction when reading captures")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ibmitap report [flags] [--db DSN | FLOWS.jsonl... | CAPTURES...]\n\n"+
			"Compliance report on plaintext use and credential exposure, from a store, from JSON lines\n"+
			"written by read or watch, or from capture files.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	inputs, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, exitOK
		}
		return cfg, exitUsage
	}
	cfg.inputs = inputs
	usage := func(format string, a ...any) (reportConfig, int) {
		fmt.Fprintf(stderr, "ibmitap report: "+format+"\n", a...)
		return cfg, exitUsage
	}
	if cfg.db != "" && len(inputs) > 0 {
		return usage("--db and input files exclude each other")
	}
	if cfg.db == "" && len(inputs) == 0 {
		fmt.Fprintln(stderr, "ibmitap report: no input: give --db DSN, JSON-lines files or capture files")
		fs.Usage()
		return cfg, exitUsage
	}
	if cfg.format == "" {
		cfg.format = formatFromName(cfg.out)
	}
	if !contains(reportFormats, cfg.format) {
		return usage("unknown format %q (want %s)", cfg.format, strings.Join(reportFormats, ", "))
	}
	if cfg.opt.Top < 1 {
		return usage("--top %d: want at least 1", cfg.opt.Top)
	}
	if cfg.headBytes < 256 || cfg.headBytes > 1<<20 || cfg.maxFlows < 1 {
		return usage("--head-bytes wants 256 to 1048576, --max-flows at least 1")
	}
	for _, x := range []struct {
		flag, val string
		dst       *time.Time
	}{{"--since", *since, &cfg.opt.Since}, {"--until", *until, &cfg.opt.Until}} {
		if x.val == "" {
			continue
		}
		t, err := compliance.ParseTime(x.val)
		if err != nil {
			return usage("%s: %v", x.flag, err)
		}
		*x.dst = t
	}
	if !cfg.opt.Since.IsZero() && !cfg.opt.Until.IsZero() && !cfg.opt.Since.Before(cfg.opt.Until) {
		return usage("--since %s is not before --until %s", *since, *until)
	}
	if *baseline != "" {
		f, err := os.Open(*baseline)
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
			return cfg, exitError
		}
		cfg.opt.Baseline, err = compliance.ReadBaseline(*baseline, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
			return cfg, exitError
		}
		cfg.opt.BaselineFile = *baseline
	}
	if *redact != "" {
		key, err := redactionKey(*redact)
		if err == nil {
			cfg.opt.Pseudonym, err = compliance.Pseudonymizer(key)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap report: --redact-users: %v\n", err)
			return cfg, exitError
		}
	}
	return cfg, -1
}

// redactionKey reads the key from a file or, for env:NAME, the environment.
func redactionKey(src string) ([]byte, error) {
	if name, ok := strings.CutPrefix(src, "env:"); ok {
		v, set := os.LookupEnv(name)
		if !set {
			return nil, fmt.Errorf("environment variable %s is not set", name)
		}
		return []byte(v), nil
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(string(b), "\r\n")), nil
}

func formatFromName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		return "html"
	case ".md", ".markdown":
		return "md"
	case ".json":
		return "json"
	case ".csv":
		return "csv"
	}
	return "table"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orStdout(name string) string {
	if name == "" {
		return "standard output"
	}
	return name
}

func renderReport(format string, w io.Writer, r *compliance.Report) error {
	switch format {
	case "json":
		return compliance.WriteJSON(w, r)
	case "md":
		return compliance.WriteMarkdown(w, r)
	case "html":
		return compliance.WriteHTML(w, r)
	case "csv":
		return compliance.WriteCSV(w, r)
	}
	return compliance.WriteTable(w, r)
}

// writeOutput writes through fn to stdout, or to name through a temporary
// file in the same directory that is renamed over name only when complete.
func writeOutput(name string, stdout io.Writer, fn func(io.Writer) error) error {
	if name == "" {
		bw := bufio.NewWriter(stdout)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	if notRegular(name) {
		// A device or pipe is written as it is: a rename would replace it.
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 256<<10)
		err = fn(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// reportFromFiles reads JSON-lines files and capture files (told apart by
// their first byte) into b. Broken JSON lines are named on stderr and
// skipped; the status is then exitError, as for a damaged capture.
func reportFromFiles(ctx context.Context, cfg reportConfig, cat *catalog.Catalog, b *compliance.Builder, stdin io.Reader, stderr io.Writer) int {
	status := exitOK
	var caps []string
	for _, name := range cfg.inputs {
		isJSON, err := looksLikeJSON(name)
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
			status = exitError
			continue
		}
		if !isJSON {
			caps = append(caps, name)
			continue
		}
		if st := readJSONLines(name, b, stderr); st != exitOK {
			status = st
		}
	}
	if len(caps) > 0 {
		pl := &pipeline{cmd: "report", catalog: cat, maxFlows: cfg.maxFlows, headBytes: cfg.headBytes}
		res, err := pl.run(ctx, caps, stdin, stderr, records(func(f *record.Flow) {
			f.Sensor = cfg.sensor
			b.Add(f)
		}))
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
			return exitError
		}
		if res.opened > 0 {
			res.run.Sensor = cfg.sensor
			b.AddRun(res.run)
		}
		if res.status != exitOK {
			status = res.status
		}
	}
	return status
}

// looksLikeJSON says whether a file starts (after white space) with '{'.
// Standard input is read as a capture.
func looksLikeJSON(name string) (bool, error) {
	if name == "-" {
		return false, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for {
		c, err := br.ReadByte()
		if err != nil {
			return false, nil // empty: let the capture reader name the problem
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{', nil
	}
}

func readJSONLines(name string, b *compliance.Builder, stderr io.Writer) int {
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap report: %v\n", err)
		return exitError
	}
	defer f.Close()
	status := exitOK
	dec := record.NewDecoder(name, f)
	for {
		l, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return status
		}
		var le *record.LineError
		if errors.As(err, &le) {
			fmt.Fprintf(stderr, "ibmitap report: %v (line skipped)\n", le)
			status = exitError
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap report: %s: %v\n", name, err)
			return exitError
		}
		switch {
		case l.Flow != nil:
			// A long flow's interim records are followed by its final
			// record, which carries the totals.
			if l.Flow.EndReason != "interim" {
				b.Add(l.Flow)
			}
		case l.Run != nil:
			b.AddRun(*l.Run)
		}
	}
}
