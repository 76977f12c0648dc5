package ftp

import "github.com/ibmitap/ibmitap/classify/detect"

// Detect recognises an FTP control connection.
func Detect(in *detect.Input, v *detect.Verdict) bool { return false }
