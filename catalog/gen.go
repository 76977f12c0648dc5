package catalog

// The general port list is generated from the seed page kept in sources/
// (see sources/README.md) at development time; the build reads only the
// committed data/general.tsv.
//go:generate go run ./internal/gen -seeds sources -out data/general.tsv
