package catalog

// The general port list is generated from the seed page at development
// time; the build reads only the committed data/general.tsv.
//go:generate go run ./internal/gen -seeds ../../shared/seeds -out data/general.tsv
