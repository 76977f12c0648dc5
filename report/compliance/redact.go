package compliance

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Pseudonymizer returns a function that replaces a user profile by a keyed
// pseudonym: "user-" and the first 12 hex digits of HMAC-SHA256(key, user).
// The same key gives the same pseudonym in every report, so reports stay
// comparable (--baseline) without naming anyone; without the key the names
// cannot be recovered by trying profiles.
func Pseudonymizer(key []byte) (func(string) string, error) {
	if len(key) < 16 {
		return nil, errors.New("redaction key shorter than 16 bytes")
	}
	k := append([]byte(nil), key...)
	return func(user string) string {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(user))
		return "user-" + hex.EncodeToString(m.Sum(nil)[:6])
	}, nil
}
