package main

import (
	"fmt"
	"regexp"
	"strings"
)

var reTok = regexp.MustCompile(`[A-Za-z]+|\d+`)

type stats struct{ names, ports, numbers int }

// verify checks the parse of seed 004 against seed 003, whose converter
// interleaved the columns and glued words to numbers ("Filing548"): each
// row's name words must occur close together, and each
// port number must occur in 003 at least as often as in the port columns.
func verify(rows []row, flowed string) (stats, error) {
	toks := reTok.FindAllString(strings.ToLower(flowed), -1)
	count := map[string]int{}
	for _, t := range toks {
		count[t]++
	}
	var st stats
	var missing []string
	need := map[string]int{}
	for _, r := range rows {
		nt := reTok.FindAllString(strings.ToLower(strings.TrimPrefix(r.Name, "Napster ")), -1)
		if nearby(toks, nt) {
			st.names++
		} else {
			missing = append(missing, r.Name)
		}
		for _, col := range []string{r.TCP, r.UDP} {
			for _, t := range reTok.FindAllString(col, -1) {
				if t[0] >= '0' && t[0] <= '9' {
					need[t]++
				}
			}
		}
	}
	for n, c := range need {
		if count[n] < c {
			return st, fmt.Errorf("port %s: %d times in parsed port columns, %d times in seed 003", n, c, count[n])
		}
		st.ports += c
	}
	if len(missing) > 0 {
		return st, fmt.Errorf("rows not found in seed 003: %q", missing)
	}
	return st, nil
}

func nearby(toks, want []string) bool {
	if len(want) == 0 {
		return false
	}
	// the converter moves words of one cell up to a few lines apart
	const span = 96
	for i, t := range toks {
		if t != want[0] {
			continue
		}
		lo, hi := max(0, i-span), min(len(toks), i+span)
		all := true
		for _, w := range want[1:] {
			found := false
			for _, x := range toks[lo:hi] {
				if x == w {
					found = true
					break
				}
			}
			if !found {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

var reNum = regexp.MustCompile(`\d+`)

// sameNumbers compares every number printed on the two renderings of the
// page (names, ports, notes alike). The only difference allowed is the
// converter's "captured 2001-11-11" -> "2001-1111" in seed 003.
func sameNumbers(flowed, cells string) (int, error) {
	if i := strings.Index(flowed, "PORT NUMBERS"); i >= 0 {
		flowed = flowed[i:]
	}
	if i := strings.Index(flowed, "Sponsor Documents"); i >= 0 {
		flowed = flowed[:i]
	}
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, n := range reNum.FindAllString(s, -1) {
			m[n]++
		}
		return m
	}
	a, b := count(flowed), count(cells)
	a["11"] += 2 * a["1111"]
	delete(a, "1111")
	total := 0
	for n, c := range b {
		total += c
		if a[n] != c {
			return 0, fmt.Errorf("number %s: %d times in seed 004, %d times in seed 003", n, c, a[n])
		}
	}
	for n, c := range a {
		if b[n] != c {
			return 0, fmt.Errorf("number %s: %d times in seed 003, %d times in seed 004", n, c, b[n])
		}
	}
	return total, nil
}
