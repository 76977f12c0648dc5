package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify/hostsrv"
)

// Code points of the sign-on family that carry password material.
const (
	cpSubstitute = 0x1105 // password substitute (or password, or token, by auth type)
	cpToken      = 0x1115 // profile token
	cpMFA        = 0x112F
)

// hostServerSecrets collects the password substitutes and tokens that the
// real IBM Toolbox for Java sent in the jt400 captures.
func hostServerSecrets(t *testing.T, files []string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, file := range files {
		src, err := capture.OpenFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var p capture.Packet
		for {
			if err := src.Next(&p); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				break
			}
			for h, msg := range hostsrv.Messages(p.Payload) {
				if h.ID != 0x7002 && h.ID != 0x7004 {
					continue
				}
				start := h.ParamStart()
				if start > len(msg) {
					continue
				}
				for cp, val := range hostsrv.Params(msg[start:]) {
					if (cp == cpSubstitute || cp == cpToken || cp == cpMFA) && len(val) >= 8 {
						out = append(out, append([]byte(nil), val...))
					}
				}
			}
		}
		src.Close()
	}
	return out
}

// TestNoSubstitutesInOutput proves that the password substitutes the real
// client sent never reach any output format or golden file, raw, in hex or
// in base64.
func TestNoSubstitutesInOutput(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "jt400-*.pcap"))
	if len(files) == 0 {
		t.Fatal("no jt400 captures")
	}
	subs := hostServerSecrets(t, files)
	if len(subs) < len(files) {
		t.Fatalf("found %d substitutes in %d captures: the extraction is broken", len(subs), len(files))
	}
	var texts []string
	for _, format := range []string{"json", "csv", "table"} {
		out, errs, _ := readCapture(t, format, files...)
		texts = append(texts, out, errs)
	}
	texts = append(texts, reportTexts(t, files)...)
	goldens, _ := filepath.Glob(filepath.Join(testdataDir, "golden", "jt400-*"))
	reports, _ := filepath.Glob(filepath.Join(testdataDir, "golden", "report.*"))
	goldens = append(goldens, reports...)
	for _, g := range goldens {
		b, _ := os.ReadFile(g)
		texts = append(texts, string(b))
	}
	for _, s := range subs {
		forms := []string{string(s), hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)), base64.StdEncoding.EncodeToString(s)}
		for _, text := range texts {
			for _, f := range forms {
				if strings.Contains(text, f) {
					t.Errorf("a password substitute (%d bytes) appears in the output", len(s))
				}
			}
		}
	}
}
