// Package record is the contract between the half of ibmitap that watches
// packets and the half that keeps and reports: the flow record
// (ibmitap.flow/1), the finding event (ibmitap.finding/1) and the run summary
// (ibmitap.run/1), their JSON-lines encoding and decoding.
//
// Everything downstream of classification — report writers, the store,
// Kafka shipping, the compliance report — reads these types and never a
// packet or a classify internal. Field names are a public interface: fields
// may be added (with omitempty, so older lines stay byte-identical), never
// renamed or removed without a schema bump.
package record
