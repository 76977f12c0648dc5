// Package ship sends records to Kafka and consumes them back into a store.
//
// The Producer is what a sensor (read, watch) writes through: flow records,
// finding events and run summaries as the same JSON lines as the files,
// keyed by the IBM i system (the server address) so one system's records
// stay in one partition, in order. Capture never waits on Kafka: records
// go through a bounded in-process queue in front of an idempotent franz-go
// client, and whatever cannot be sent (queue full, delivery failed, still
// queued at shutdown) is counted in Stats.
//
// The Collector is the other end (ibmitap collect): a consumer-group member
// that writes what it reads into a store.Store and commits the offsets of
// exactly the records it wrote, after the database committed. Writes are
// idempotent (sensor, community_id, start), so a collector killed at any
// moment and started again loses nothing and duplicates nothing.
//
// ship reads record types only, never packets or classify internals.
package ship
