// Package detect holds the contract shared by every protocol detector: the
// Input a detector reads (the first bytes of each direction of one flow) and the
// Verdict it fills (protocol, service, user, credential findings, learned port
// mappings). Detectors live in their own packages under classify and are listed
// in one registry in package classify.
package detect
