package filter

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// Target says what the compiled program will look at, which decides how a
// VLAN tag is found.
type Target uint8

const (
	// Frames is a whole Ethernet frame with its 802.1Q tags in-band (a
	// capture file, libpcap without kernel help). As in libpcap, each vlan
	// primitive moves every later test 4 bytes further into the frame.
	Frames Target = iota
	// Socket is a Linux AF_PACKET socket: the kernel has already removed
	// the outer tag into the packet's metadata, so vlan reads the tag
	// from there and the headers stay where they are.
	Socket
)

// maxInsns is the kernel's BPF_MAXINSNS.
const maxInsns = 4096

// Snap is what an accepting program returns: the whole packet (libpcap's
// maximum snap length).
const Snap = 262144

// node is a boolean test tree; a leaf loads a value and compares it.
type node interface{ isNode() }

type andNode struct{ a, b node }
type orNode struct{ a, b node }
type notNode struct{ a node }
type constNode bool

// cmpNode loads a value into A (load), optionally masks it, and compares it
// with val.
type cmpNode struct {
	load []bpf.Instruction
	mask uint32 // 0: no mask
	cond bpf.JumpTest
	val  uint32
}

func (andNode) isNode()   {}
func (orNode) isNode()    {}
func (notNode) isNode()   {}
func (constNode) isNode() {}
func (cmpNode) isNode()   {}

func and(a, b node) node { return andNode{a, b} }
func or(a, b node) node  { return orNode{a, b} }
func not(a node) node    { return notNode{a} }

func orAll(ns ...node) node {
	n := ns[0]
	for _, m := range ns[1:] {
		n = or(n, m)
	}
	return n
}

func ld(off uint32, size int) []bpf.Instruction {
	return []bpf.Instruction{bpf.LoadAbsolute{Off: off, Size: size}}
}

func eq(load []bpf.Instruction, v uint32) node {
	return cmpNode{load: load, cond: bpf.JumpEqual, val: v}
}

// item is one program slot before layout: an instruction, a conditional
// jump or unconditional jump to labels, or a label.
type item struct {
	ins   bpf.Instruction // plain instruction; nil for jumps and labels
	label int             // >0: this item is a label
	cond  bpf.JumpTest
	val   uint32
	jt    int  // conditional jump targets (labels)
	jf    int  // (jt == 0: unconditional jump to jf)
	jump  bool // item is a jump
}

type asm struct {
	items  []item
	labels int
}

func (a *asm) newLabel() int { a.labels++; return a.labels }
func (a *asm) place(l int)   { a.items = append(a.items, item{label: l}) }
func (a *asm) emit(i bpf.Instruction) {
	a.items = append(a.items, item{ins: i})
}

// gen emits code that jumps to t when n holds and to f otherwise.
func (a *asm) gen(n node, t, f int) {
	switch n := n.(type) {
	case andNode:
		m := a.newLabel()
		a.gen(n.a, m, f)
		a.place(m)
		a.gen(n.b, t, f)
	case orNode:
		m := a.newLabel()
		a.gen(n.a, t, m)
		a.place(m)
		a.gen(n.b, t, f)
	case notNode:
		a.gen(n.a, f, t)
	case constNode:
		l := f
		if n {
			l = t
		}
		a.items = append(a.items, item{jump: true, jf: l})
	case cmpNode:
		for _, i := range n.load {
			a.emit(i)
		}
		if n.mask != 0 {
			a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: n.mask})
		}
		a.items = append(a.items, item{jump: true, cond: n.cond, val: n.val, jt: t, jf: f})
	}
}

// assemble lays the program out. Every jump goes forward; a conditional
// jump farther than 255 instructions (the field is 8 bits) is sent through
// an unconditional jump placed right after it.
func (a *asm) assemble() ([]bpf.Instruction, error) {
	for {
		pos := make(map[int]int)
		n := 0
		for _, it := range a.items {
			if it.label > 0 {
				pos[it.label] = n
				continue
			}
			n++
		}
		if n > maxInsns {
			return nil, fmt.Errorf("program of %d instructions is longer than the kernel's %d", n, maxInsns)
		}
		out := make([]bpf.Instruction, 0, n)
		var far = -1
		farTrue := false
		for i, it := range a.items {
			switch {
			case it.label > 0:
			case !it.jump:
				out = append(out, it.ins)
			case it.jt == 0:
				out = append(out, bpf.Jump{Skip: uint32(pos[it.jf] - len(out) - 1)})
			default:
				st := pos[it.jt] - len(out) - 1
				sf := pos[it.jf] - len(out) - 1
				if st > 255 || sf > 255 {
					far, farTrue = i, st > 255
					break
				}
				out = append(out, bpf.JumpIf{Cond: it.cond, Val: it.val, SkipTrue: uint8(st), SkipFalse: uint8(sf)})
			}
			if far >= 0 {
				break
			}
		}
		if far < 0 {
			return out, nil
		}
		l := a.newLabel()
		it := a.items[far]
		target := it.jf
		if farTrue {
			target, a.items[far].jt = it.jt, l
		} else {
			a.items[far].jf = l
		}
		tramp := []item{{label: l}, {jump: true, jf: target}}
		a.items = append(a.items[:far+1], append(tramp, a.items[far+1:]...)...)
	}
}

// program turns a test tree into a whole filter: accept (Snap) or drop (0).
func program(n node) ([]bpf.Instruction, error) {
	a := &asm{}
	t, f := a.newLabel(), a.newLabel()
	a.gen(n, t, f)
	a.place(t)
	a.emit(bpf.RetConstant{Val: Snap})
	a.place(f)
	a.emit(bpf.RetConstant{Val: 0})
	return a.assemble()
}
