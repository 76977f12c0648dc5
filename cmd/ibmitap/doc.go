// Command ibmitap classifies network traffic to and from IBM i systems.
//
// It only wires: flags, configuration, signals and exit codes. The work is
// done by packages capture, classify, catalog and report.
package main
