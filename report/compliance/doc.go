// Package compliance builds the compliance report (ibmitap.report/1) from
// flow records and run summaries, and renders it as JSON, Markdown, HTML,
// CSV and a terminal table. It reads records only, never packets: the
// report from a store, from JSON lines and from captures is the same.
//
// Memory is bounded by the number of distinct groups (systems × services,
// users, clients, finding groups, days), never by the number of flows.
package compliance
