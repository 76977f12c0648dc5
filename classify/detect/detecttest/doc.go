// Package detecttest holds what the detector tests share: hex fixtures,
// `tshark -z follow,tcp,raw` dumps of recorded flows, the list of fake
// passwords used to record the bundled captures (testdata/secrets.txt), the
// table checks of the STARTTLS-style detectors (Suite) and the secret oracle
// of the login fuzz targets (CheckLogin, FuzzLogin).
package detecttest
