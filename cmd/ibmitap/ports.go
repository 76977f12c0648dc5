package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/report"
)

func cmdPorts(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ports", flag.ContinueOnError)
	fs.SetOutput(flagOutput(args, stdout, stderr))
	site := fs.String("site", "", "site catalog `FILE` that adds or overrides port entries")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ibmitap ports [flags] [PORT|LOW-HIGH|NAME...]\n\nLook up the port catalog; with no argument, list the IBM i entries.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	queries, err := parseInterspersed(fs, args) // flags before or after the queries
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	cat, err := catalog.Load(*site)
	if err != nil {
		return err
	}
	var entries []catalog.Entry
	if len(queries) == 0 {
		for _, e := range cat.All() {
			if e.IBMi {
				entries = append(entries, e)
			}
		}
	}
	for _, q := range queries {
		found, err := cat.Find(q)
		if err != nil {
			return usageError{err}
		}
		if len(found) == 0 {
			return fmt.Errorf("no catalog entry matches %q", q)
		}
		entries = append(entries, found...)
	}
	return report.Ports(stdout, entries)
}
