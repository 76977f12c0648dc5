package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestHelpToStdout: -h is an answer: usage on standard output, nothing on
// standard error, exit status 0, for every command.
func TestHelpToStdout(t *testing.T) {
	for _, cmd := range []string{"read", "ports", "report", "collect", "version"} {
		var out, errb strings.Builder
		code := run(t.Context(), []string{cmd, "-h"}, nil, &out, &errb)
		if code != exitOK || !strings.Contains(out.String(), "Usage: ibmitap "+cmd) || errb.Len() != 0 {
			t.Errorf("%s -h: exit %d, stdout %.60q, stderr %.60q", cmd, code, out.String(), errb.String())
		}
	}
	// A bad flag still goes to standard error with exit status 2.
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"read", "--bogus"}, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "bogus") {
		t.Errorf("read --bogus: exit %d, stderr %q", code, errb.String())
	}
}

func TestVersion(t *testing.T) {
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"version"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ibmitap ") || !strings.HasPrefix(lines[1], "commit ") || !strings.HasPrefix(lines[2], "go1.") {
		t.Errorf("version output %q", out.String())
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-07T21:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got, want := versionText(bi), "ibmitap v1.2.3\ncommit 0123abcd (modified) 2026-12-07T21:00:00Z\ngo1.26.8\n"; got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
	if code := run(t.Context(), []string{"version", "extra"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("version extra: exit %d", code)
	}
}

// TestPortsFlagsAnywhere: ports takes its flags after the queries too.
func TestPortsFlagsAnywhere(t *testing.T) {
	var a, b, errb strings.Builder
	if code := run(t.Context(), []string{"ports", "--site", "/dev/null", "8471"}, nil, &a, &errb); code != exitOK {
		t.Fatalf("flags first: exit %d: %s", code, errb.String())
	}
	if code := run(t.Context(), []string{"ports", "8471", "--site", "/dev/null"}, nil, &b, &errb); code != exitOK {
		t.Fatalf("flags last: exit %d: %s", code, errb.String())
	}
	if a.String() != b.String() || !strings.Contains(a.String(), "as-database") {
		t.Errorf("outputs differ or miss as-database:\n%s\n%s", a.String(), b.String())
	}
}
