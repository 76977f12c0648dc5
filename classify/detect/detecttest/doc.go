// Package detecttest holds what the detector tests share: hex fixtures,
// `tshark -z follow,tcp,raw` dumps of recorded flows, and the list of fake
// passwords used to record the bundled captures (testdata/secrets.txt).
package detecttest
