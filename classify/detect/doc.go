// Package detect holds the contract shared by every protocol detector: the
// Input a detector reads (the first bytes of each direction of one flow) and the
// Verdict it fills (protocol, service, user, credential findings, learned port
// mappings). Detectors live in their own packages under classify and are listed
// in one registry in package classify.
//
// Detection finishes. A detector answers in three ways: a match (its Func
// returns true), "not me" (its RejectFunc returns true: no bytes added to
// the heads can make it match) or "not yet". Two Verdict fields bound how
// long a flow is followed after that:
//
//   - Done (with a match): a direction is settled, no byte after its first
//     Keep bytes can change the verdict. The engine stops buffering it and
//     keeps only those bytes; a flow whose two directions are settled (or
//     full) stops buffering altogether. HTTP settles the server direction
//     after the first final response's headers.
//   - Wait (with or without a match): the answer cannot change before a head
//     holds so many bytes. The engine does not ask again before, so a head
//     growing one segment at a time is not parsed from byte 0 each time.
package detect
