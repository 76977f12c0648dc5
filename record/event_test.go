package record

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// A streamed finding event says what its finding rests on, as the flow
// record's finding does: FromEvent keeps the basis and the JSON line
// carries it.
func TestEventCarriesBasis(t *testing.T) {
	fl := &classify.Flow{
		Transport: 6,
		Client:    netip.MustParseAddrPort("10.0.0.2:50000"),
		Server:    netip.MustParseAddrPort("10.0.0.1:8471"),
		Service:   "as-database", IBMi: true,
	}
	x := detect.Finding{
		Kind: detect.KindPlaintextWhereTLSExpected, Severity: detect.SevHigh,
		Message: "plaintext", Basis: detect.BasisPort,
	}
	ev := FromEvent(&classify.FindingEvent{Time: time.Unix(1, 0), Flow: fl, Finding: x})
	if ev.Basis != detect.BasisPort {
		t.Fatalf("event basis %q, want %q", ev.Basis, detect.BasisPort)
	}
	if line := AppendEvent(nil, &ev); !bytes.Contains(line, []byte(`"basis":"port"`)) {
		t.Errorf("event line without its basis: %s", line)
	}
}
