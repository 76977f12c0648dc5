package ldap

import "github.com/ibmitap/ibmitap/classify/detect"

// Detect recognises an LDAP connection.
func Detect(in *detect.Input, v *detect.Verdict) bool { return false }
