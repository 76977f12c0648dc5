package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

// cmdVersion prints the module version, the commit the binary was built
// from and the Go version, from the build information the Go tool embeds.
func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(flagOutput(args, stdout, stderr))
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ibmitap version\n\nPrint the module version, the VCS commit and the Go version of this binary.\n")
	}
	if err := fs.Parse(args); err != nil {
		return exitCode(err, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ibmitap version: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stdout, "ibmitap: no build information in this binary")
		return exitOK
	}
	fmt.Fprint(stdout, versionText(bi))
	return exitOK
}

// versionText renders build information: the module version ("(devel)"
// for a build from a work tree), the commit and its time when the Go tool
// stamped them (it does not with -buildvcs=false or outside a repository),
// and the Go version.
func versionText(bi *debug.BuildInfo) string {
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	commit := "unknown (built without VCS stamping, e.g. -buildvcs=false)"
	if rev != "" {
		commit = rev + dirty
		if when != "" {
			commit += " " + when
		}
	}
	return fmt.Sprintf("ibmitap %s\ncommit %s\n%s\n", bi.Main.Version, commit, bi.GoVersion)
}
