package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitFindings = 3
)

const usage = `ibmitap - passive traffic classifier for networks with IBM i systems

Usage:
  ibmitap read  [flags] FILE...     classify capture files (pcap, pcapng, gzip'd)
  ibmitap watch [flags] -i IFACE... live sensor: JSON lines (flow records, finding events), metrics
  ibmitap report [flags] INPUT...   compliance report from a store (--db), JSON lines or captures
  ibmitap collect [flags]           consume records from Kafka into a store (--kafka, --db)
  ibmitap ports [PORT|NAME...]      look up the port catalog
  ibmitap version                   module version, commit and Go version

Run 'ibmitap COMMAND -h' for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "read":
		return cmdRead(ctx, rest, stdin, stdout, stderr)
	case "watch":
		return cmdWatch(ctx, rest, stdout, stderr)
	case "report":
		return cmdReport(ctx, rest, stdin, stdout, stderr)
	case "collect":
		return cmdCollect(ctx, rest, stdout, stderr)
	case "ports":
		err = cmdPorts(rest, stdout, stderr)
	case "version":
		return cmdVersion(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "ibmitap: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	return exitCode(err, stderr)
}

// flagOutput is where a command's flag set writes: standard output when
// help was asked for (-h is an answer, not an error), standard error
// otherwise.
func flagOutput(args []string, stdout, stderr io.Writer) io.Writer {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "--h":
			return stdout
		case "--":
			return stderr
		}
	}
	return stderr
}

// usageError marks a command-line mistake (exit 2).
type usageError struct{ error }

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "ibmitap: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}
