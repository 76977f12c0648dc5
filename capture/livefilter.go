package capture

import (
	"errors"

	"github.com/ibmitap/ibmitap/capture/filter"
	"golang.org/x/net/bpf"
)

// compileFilter compiles expr for an AF_PACKET socket: the pure-Go compiler
// first (it knows the kernel removed the VLAN tag); outside its subset,
// libpcap's compiler in a pcap build, else the subset error.
func compileFilter(expr string, snap int) ([]bpf.RawInstruction, error) {
	prog, err := filter.CompileRaw(expr, filter.Socket)
	if errors.Is(err, filter.ErrOutsideSubset) {
		if p, perr := compilePcapFilter(expr, snap); perr == nil {
			return p, nil
		}
	}
	return prog, err
}

func readBPFFile(path string) ([]bpf.RawInstruction, error) { return filter.ReadDumpFile(path) }
