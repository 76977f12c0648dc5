package smb

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWriteCorpus refreshes the committed fuzz seeds from the captures when
// run with SMB_WRITE_CORPUS=1.
func TestWriteCorpus(t *testing.T) {
	if os.Getenv("SMB_WRITE_CORPUS") == "" {
		t.Skip("set SMB_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzSMBDetect")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzSMBDetect")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"smb-smb3-plain", "smb-smb3-encrypted", "smb-smb1", "smb-ntlmv1", "smb-nbt139", "smb-logonfail", "smb-nbns"} {
		h := flowHeads(t, "../../testdata/"+name+".pcap")[0]
		// The first 1.5 KiB hold negotiate and session setup: enough to seed.
		c2s, s2c := h.c2s[:min(len(h.c2s), 1536)], h.s2c[:min(len(h.s2c), 1536)]
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n[]byte(%s)\nbool(false)\n", strconv.Quote(string(c2s)), strconv.Quote(string(s2c)))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
