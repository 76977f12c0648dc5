// Command gen turns the general port list (seeds 003 and 004, two
// renderings of one page) into catalog/data/general.tsv. It runs at
// development time only (go generate in catalog/); the build never needs
// the seeds.
//
// Seed 004 (one line per table cell) is parsed; seed 003 (the same page
// flowed by a PDF converter, columns interleaved) is used to verify the
// parse: every row name must be found there, every port number must
// occur there at least as often as in the parsed port columns, and both
// renderings must print the same numbers the same number of times.
package main
