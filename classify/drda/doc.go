// Package drda recognises DRDA / DDM (Db2 distributed relational database,
// IBM i DDM server on 446) from the client's EXCSAT on any port and reports
// what the security handshake and the statements expose: the SECMEC chosen,
// the user ID in clear, clear-text passwords or password substitutes, failed
// security checks, and SQL or CL command text (by length, never content).
package drda
