// Command genflows writes a large deterministic set of flow records (JSON
// lines, ibmitap.flow/1, ending with one run summary) for benchmarking the
// compliance report: IBM i systems with their host servers in plaintext and
// TLS, telnet, FTP, DRDA, SSH and web traffic, spread over a number of days,
// with the findings a sensor would raise.
//
//	genflows -flows 1000000 -days 30 -o flows.jsonl
//	ibmitap report --format html -o report.html flows.jsonl
package main
