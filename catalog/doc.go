// Package catalog is the port catalog: IBM i servers with their TLS twins and
// the client functions that use them, a general list of well-known and
// application ports, the IANA port ranges, and site overrides. It is data with
// a lookup API; it never looks at payloads.
package catalog
