package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Encoder writes records as JSON lines. It does not buffer: wrap w in a
// bufio.Writer when lines should be batched.
type Encoder struct {
	w    io.Writer
	buf  bytes.Buffer
	enc  *json.Encoder
	line []byte // the hand-written encoders' output, reused
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w io.Writer) *Encoder {
	e := &Encoder{w: w}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

// AppendFlow appends the JSON line of r (with its newline) to dst.
func AppendFlow(dst []byte, r *Flow) []byte { return appendFlow(dst, r) }

// AppendEvent appends the JSON line of e (with its newline) to dst.
func AppendEvent(dst []byte, e *Event) []byte { return appendEvent(dst, e) }

// AppendRun appends the JSON line of r (with its newline) to dst.
func AppendRun(dst []byte, r *Run) []byte { return appendJSON(dst, r) }

func appendJSON(dst []byte, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// The record types hold only strings, numbers and bools: this
		// cannot happen short of a programming error.
		panic(fmt.Sprintf("record: encoding %T: %v", v, err))
	}
	return append(dst, b.Bytes()...)
}

// Flow writes one flow record.
func (e *Encoder) Flow(r *Flow) error {
	e.line = appendFlow(e.line[:0], r)
	_, err := e.w.Write(e.line)
	return err
}

// Line writes a line an Append function wrote (with its newline).
func (e *Encoder) Line(line []byte) error {
	_, err := e.w.Write(line)
	return err
}

// Event writes one finding event.
func (e *Encoder) Event(ev *Event) error {
	e.line = appendEvent(e.line[:0], ev)
	_, err := e.w.Write(e.line)
	return err
}

// Run writes one run summary.
func (e *Encoder) Run(r *Run) error { return e.write(r) }

func (e *Encoder) write(v any) error {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return fmt.Errorf("record: encoding %T: %w", v, err)
	}
	_, err := e.w.Write(e.buf.Bytes())
	return err
}

// Line is one decoded JSON line: exactly one of Flow, Event and Run is set.
type Line struct {
	Number int // 1-based line number in the input
	Flow   *Flow
	Event  *Event
	Run    *Run
}

// LineError is a line that could not be decoded. Decoding may go on after
// it: the next call to Next reads the following line.
type LineError struct {
	Name string // the input's name
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s: line %d: %v", e.Name, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// MaxLine bounds one JSON line; a longer line is a LineError, not unbounded
// memory.
const MaxLine = 4 << 20

// Decoder reads JSON lines of any of the three schemas.
type Decoder struct {
	name string
	r    *bufio.Reader
	line int
}

// NewDecoder returns a decoder reading r; name is used in errors.
func NewDecoder(name string, r io.Reader) *Decoder {
	return &Decoder{name: name, r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next line. At the end of the input it returns io.EOF. A
// line that is not a record gives a *LineError, after which Next may be
// called again. Blank lines are skipped.
func (d *Decoder) Next() (Line, error) {
	for {
		raw, err := d.readLine()
		if err != nil {
			return Line{}, err
		}
		d.line++
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		l, derr := decodeLine(raw)
		if derr != nil {
			return Line{}, &LineError{Name: d.name, Line: d.line, Err: derr}
		}
		l.Number = d.line
		return l, nil
	}
}

var errTooLong = errors.New("line longer than 4 MiB")

func (d *Decoder) readLine() ([]byte, error) {
	var out []byte
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(out)+len(chunk) > MaxLine {
			// Skip the rest of the line so decoding can go on.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = d.r.ReadSlice('\n')
			}
			d.line++
			return nil, &LineError{Name: d.name, Line: d.line, Err: errTooLong}
		}
		out = append(out, chunk...)
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(out) > 0:
			return out, nil
		default:
			return nil, err
		}
	}
}

// DecodeLine decodes one JSON line (without a decoder's buffer: a Kafka
// message holds one). Surrounding white space is ignored; Number is 0.
func DecodeLine(raw []byte) (Line, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > MaxLine {
		return Line{}, errTooLong
	}
	return decodeLine(raw)
}

func decodeLine(raw []byte) (Line, error) {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return Line{}, fmt.Errorf("not a JSON object: %w", err)
	}
	switch head.Schema {
	case FlowSchema:
		var f Flow
		if err := json.Unmarshal(raw, &f); err != nil {
			return Line{}, fmt.Errorf("flow record: %w", err)
		}
		return Line{Flow: &f}, nil
	case FindingSchema:
		var e Event
		if err := json.Unmarshal(raw, &e); err != nil {
			return Line{}, fmt.Errorf("finding event: %w", err)
		}
		return Line{Event: &e}, nil
	case RunSchema:
		var r Run
		if err := json.Unmarshal(raw, &r); err != nil {
			return Line{}, fmt.Errorf("run summary: %w", err)
		}
		return Line{Run: &r}, nil
	case "":
		return Line{}, errors.New("no schema field")
	}
	return Line{}, fmt.Errorf("unknown schema %q (this ibmitap reads %s, %s and %s)", head.Schema, FlowSchema, FindingSchema, RunSchema)
}
