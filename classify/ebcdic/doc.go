// Package ebcdic decodes EBCDIC (CCSID 37) text as IBM i clients send user IDs,
// SQL and command text in the host-server and DDM datastreams.
package ebcdic
