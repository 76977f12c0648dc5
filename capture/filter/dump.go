package filter

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// ReadDumpFile reads a classic BPF program written by `tcpdump -ddd` (a
// count line, then one "code jt jf k" line per instruction, all decimal).
// Errors name the file and line.
func ReadDumpFile(path string) ([]bpf.RawInstruction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bpf file: %w", err)
	}
	defer f.Close()
	prog, err := ParseDump(f)
	if err != nil {
		return nil, fmt.Errorf("bpf file %s: %w", path, err)
	}
	return prog, nil
}

// ParseDump parses `tcpdump -ddd` output. It checks the count, the fields'
// ranges, that every jump stays inside the program and that the program
// ends with a return, so a bad file fails at start-up and not in the kernel.
func ParseDump(r io.Reader) ([]bpf.RawInstruction, error) {
	sc := bufio.NewScanner(r)
	line := 0
	var (
		prog  []bpf.RawInstruction
		count = -1
	)
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if count < 0 {
			n, err := strconv.Atoi(f[0])
			if len(f) != 1 || err != nil || n < 1 || n > maxInsns {
				return nil, fmt.Errorf("line %d: want the instruction count (1-%d) alone, got %q", line, maxInsns, sc.Text())
			}
			count = n
			prog = make([]bpf.RawInstruction, 0, n)
			continue
		}
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want \"code jt jf k\", got %q", line, sc.Text())
		}
		var v [4]uint64
		for i, bits := range [4]int{16, 8, 8, 32} {
			n, err := strconv.ParseUint(f[i], 10, bits)
			if err != nil {
				return nil, fmt.Errorf("line %d: field %d %q is not a %d-bit decimal number", line, i+1, f[i], bits)
			}
			v[i] = n
		}
		if len(prog) == count {
			return nil, fmt.Errorf("line %d: more instructions than the count %d", line, count)
		}
		prog = append(prog, bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, fmt.Errorf("empty: no instruction count")
	}
	if len(prog) != count {
		return nil, fmt.Errorf("%d instructions, but the count line says %d", len(prog), count)
	}
	for i, ri := range prog {
		left := uint32(len(prog) - i - 1)
		if ri.Op&0x07 != 0x05 { // BPF_JMP class
			continue
		}
		if ri.Op&0xf0 == 0x00 { // BPF_JA: 32-bit offset in k
			if ri.K >= left {
				return nil, fmt.Errorf("instruction %d jumps past the end", i)
			}
		} else if uint32(ri.Jt) >= left || uint32(ri.Jf) >= left {
			return nil, fmt.Errorf("instruction %d jumps past the end", i)
		}
	}
	switch prog[len(prog)-1].Disassemble().(type) {
	case bpf.RetA, bpf.RetConstant:
	default:
		return nil, fmt.Errorf("the last instruction is not a return")
	}
	return prog, nil
}

// FormatDump writes prog the way `tcpdump -ddd` does, for ReadDumpFile.
func FormatDump(prog []bpf.RawInstruction) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", len(prog))
	for _, ri := range prog {
		fmt.Fprintf(&b, "%d %d %d %d\n", ri.Op, ri.Jt, ri.Jf, ri.K)
	}
	return b.String()
}
