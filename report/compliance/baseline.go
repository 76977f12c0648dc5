package compliance

import (
	"encoding/json"
	"fmt"
	"io"
)

// ReadBaseline decodes an earlier report (ibmitap.report/1 JSON).
func ReadBaseline(name string, r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(io.LimitReader(r, 1<<30))
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	if rep.Schema != Schema {
		return nil, fmt.Errorf("baseline %s: schema %q, want %s", name, rep.Schema, Schema)
	}
	return &rep, nil
}

// compare lists the exposures that are new since the baseline and those
// the baseline had that are gone (resolved).
func compare(base *Report, file string, now []Exposure) *Change {
	key := func(e Exposure) expKey { return expKey{e.Class, e.User, e.System, e.Service} }
	old := map[expKey]bool{}
	for _, e := range base.Exposures {
		old[key(e)] = true
	}
	c := &Change{File: file, Period: base.Period, New: []Exposure{}, Resolved: []Exposure{}}
	cur := map[expKey]bool{}
	for _, e := range now {
		cur[key(e)] = true
		if old[key(e)] {
			c.Unchanged++
		} else {
			c.New = append(c.New, e)
		}
	}
	for _, e := range base.Exposures {
		if !cur[key(e)] {
			c.Resolved = append(c.Resolved, e)
		}
	}
	sortExposures(c.Resolved)
	return c
}
