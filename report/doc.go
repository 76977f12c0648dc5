// Package report turns flow records into output: a table for people, JSON
// lines and CSV for machines, and catalog listings. It knows nothing of
// packets.
package report
