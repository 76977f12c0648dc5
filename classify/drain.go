package classify

import (
	"errors"
	"io"

	"github.com/ibmitap/ibmitap/capture"
)

// Sink takes packets one by one: an Engine or a Pool.
type Sink interface {
	Packet(p *capture.Packet)
}

// Drain feeds every packet of src to e until the source ends. It returns nil
// at a clean end and the source's error otherwise; the packets read before
// the error have been fed, so their flows are still reported by Flush.
// progress, when not nil, is called every 65536 packets.
func Drain(src capture.Source, e Sink, progress func(packets uint64)) error {
	var p capture.Packet
	var n uint64
	ahead, _ := src.(Ahead)
	eng, _ := e.(*Engine)
	if eng == nil {
		ahead = nil
	} else {
		defer eng.clearHints()
	}
	for {
		if ahead != nil {
			eng.hint(ahead)
		}
		err := src.Next(&p)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		e.Packet(&p)
		n++
		if progress != nil && n&0xFFFF == 0 {
			progress(n)
		}
	}
}
