package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Find answers the `ibmitap ports` query: a port number gives every entry
// covering it (TCP and UDP; site and IBM i first, ranges last); "N-M" the
// entries lying inside the range, by port; anything else is a name: exact
// name matches (ignoring case) first, then names and descriptions
// containing it. An empty query or a bad number is an error; no match is
// an empty result.
func (c *Catalog) Find(query string) ([]Entry, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, errors.New("empty query")
	}
	if isDigits(q) {
		port, err := parsePort(q)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", query, err)
		}
		return c.covering(port), nil
	}
	if a, b, ok := strings.Cut(q, "-"); ok && isDigits(a) && isDigits(b) {
		lo, hi, err := parsePorts(q)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", query, err)
		}
		return c.inside(lo, hi), nil
	}
	return c.named(q), nil
}

func isDigits(s string) bool {
	return s != "" && strings.TrimLeft(s, "0123456789") == ""
}

func (c *Catalog) covering(port uint16) []Entry {
	var idx []int
	for i := range c.entries {
		if e := &c.entries[i]; e.Port <= port && port <= e.PortHigh {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := &c.entries[idx[a]], &c.entries[idx[b]]
		if ra, rb := rank(ea), rank(eb); ra != rb {
			return ra < rb
		}
		if wa, wb := width(ea), width(eb); wa != wb {
			return wa < wb
		}
		return ea.Proto < eb.Proto
	})
	return c.pick(idx)
}

func (c *Catalog) inside(lo, hi uint16) []Entry {
	var idx []int
	for i := range c.entries {
		if e := &c.entries[i]; lo <= e.Port && e.PortHigh <= hi {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := &c.entries[idx[a]], &c.entries[idx[b]]
		if ea.Port != eb.Port {
			return ea.Port < eb.Port
		}
		if ra, rb := rank(ea), rank(eb); ra != rb {
			return ra < rb
		}
		return ea.Proto < eb.Proto
	})
	return c.pick(idx)
}

func (c *Catalog) named(q string) []Entry {
	lq := strings.ToLower(q)
	var exact, partial []int
	for i := range c.entries {
		e := &c.entries[i]
		switch {
		case strings.EqualFold(e.Name, q):
			exact = append(exact, i)
		case strings.Contains(strings.ToLower(e.Name), lq) || strings.Contains(strings.ToLower(e.Description), lq):
			partial = append(partial, i)
		}
	}
	return c.pick(append(exact, partial...))
}

func (c *Catalog) pick(idx []int) []Entry {
	out := make([]Entry, len(idx))
	for k, i := range idx {
		out[k] = c.entries[i]
	}
	return out
}
