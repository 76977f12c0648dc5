package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets a test run ibmitap as a child process (a collector to kill
// with SIGKILL): with IBMITAP_TEST_RUN set to the arguments (separated by
// \x1f), the test binary is ibmitap.
func TestMain(m *testing.M) {
	if args := os.Getenv("IBMITAP_TEST_RUN"); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
