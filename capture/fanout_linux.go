//go:build linux

package capture

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Why a classic-BPF fanout program, and not the kernel's hash: the kernel's
// PACKET_FANOUT_HASH follows the flow's 5-tuple, but ibmitap learns from one
// connection what another one means: a port-mapper lookup (port 449) teaches
// the port of the host-server connection that follows, an FTP control
// connection announces its data connections, and IP fragments after the
// first carry no ports at all. All of these share the unordered pair of IP
// addresses. Routing by that pair keeps them on one socket, so each worker's
// shard sees everything it needs and the shards never have to talk to each
// other. The price is balance: one busy host pair stays on one worker, which
// a SPAN port in front of a few IBM i systems shows more than a backbone
// would; it is the price Suricata's and Zeek's cluster modes also pay for
// keeping related flows together.
//
// The program XORs the source and destination address words (the same for
// both directions), folds IPv6's four words into one, multiplies by a
// 32-bit golden-ratio constant and folds the high half into the low half;
// the kernel takes the result modulo the number of sockets. It reads the
// EtherType from the packet's metadata and the addresses relative to the
// network header (SKF_NET_OFF), so it is right whether or not the kernel has
// already removed a VLAN tag (it always has for the outer tag). Frames that
// are not IP go to the first socket.

// fanout is one AF_PACKET fanout group.
type fanout struct {
	id   uint16
	prog []bpf.RawInstruction
}

const skfNetOff = 0xFFF00000 // SKF_NET_OFF (-0x100000) as the unsigned k field

// fanoutProgram returns the address-pair hash as a classic BPF program.
func fanoutProgram() []bpf.RawInstruction {
	net := func(off uint32) bpf.Instruction { return bpf.LoadAbsolute{Off: skfNetOff + off, Size: 4} }
	xorPair := func(a, b uint32) []bpf.Instruction { // A = word(a) ^ word(b)
		return []bpf.Instruction{net(a), bpf.TAX{}, net(b), bpf.ALUOpX{Op: bpf.ALUOpXor}}
	}
	prog := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtProto},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x0800, SkipTrue: 2}, // to ipv4
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x86DD, SkipTrue: 6}, // to ipv6
		bpf.RetConstant{Val: 0},
	}
	// ipv4 (4 + 1 instructions, then a jump over the IPv6 part)
	prog = append(prog, xorPair(12, 16)...)
	v6 := []bpf.Instruction{}
	v6 = append(v6, xorPair(8, 24)...)
	v6 = append(v6, bpf.StoreScratch{Src: bpf.RegA, N: 0})
	for _, w := range []uint32{12, 16, 20} {
		v6 = append(v6, xorPair(w, w+16)...)
		v6 = append(v6, bpf.TAX{}, bpf.LoadScratch{Dst: bpf.RegA, N: 0}, bpf.ALUOpX{Op: bpf.ALUOpXor}, bpf.StoreScratch{Src: bpf.RegA, N: 0})
	}
	prog = append(prog, bpf.Jump{Skip: uint32(len(v6))})
	prog = append(prog, v6...)
	// mix
	prog = append(prog,
		bpf.ALUOpConstant{Op: bpf.ALUOpMul, Val: 0x9E3779B1},
		bpf.TAX{},
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 16},
		bpf.ALUOpX{Op: bpf.ALUOpXor},
		bpf.RetA{},
	)
	raw, err := bpf.Assemble(prog)
	if err != nil {
		panic("capture: fanout program does not assemble: " + err.Error()) // a constant program: a bug, never input
	}
	return raw
}

// fanoutBase is the first group id: the configured one, or one derived
// from the process id so two sensors on one host do not share a group.
func fanoutBase(id uint16) uint16 {
	if id == 0 {
		id = uint16(os.Getpid()&0x7FFF) | 0x8000
	}
	return id
}

// newFanout prepares group id.
func newFanout(id uint16) *fanout { return &fanout{id: id, prog: fanoutProgram()} }

// join adds the bound socket fd to the group and (re)sets the group's
// program.
func (f *fanout) join(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, unix.PACKET_FANOUT_CBPF<<16|int(f.id)); err != nil {
		return fmt.Errorf("joining fanout group %d: %w (is another process using that id? choose another fanout id)", f.id, err)
	}
	// bpf.RawInstruction has the layout of struct sock_filter.
	fp := unix.SockFprog{Len: uint16(len(f.prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&f.prog[0]))}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_PACKET, unix.PACKET_FANOUT_DATA, &fp); err != nil {
		return fmt.Errorf("setting the fanout program of group %d: %w", f.id, err)
	}
	return nil
}
