// Package classify follows TCP and UDP flows and decides what each one is.
//
// The Engine keeps a bounded, bidirectional flow table keyed by a fixed-size
// key, orients every flow (client = the SYN sender, else the side whose port is
// in the catalog, else the higher port), keeps the first bytes of each
// direction in sequence order (the stream heads), runs the protocol detectors
// of the registry over them, learns per-host facts (port-mapper answers,
// announced FTP data connections) and, when a flow ends, labels it and raises
// the policy findings. Everything runs on packet time, so the same capture
// always gives the same result.
package classify
