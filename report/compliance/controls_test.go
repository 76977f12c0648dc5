package compliance

import (
	"testing"

	"github.com/ibmitap/ibmitap/record"
)

// controlStatus builds a report of the flows and returns each control's
// status and evidence count.
func controlStatus(flows ...*record.Flow) map[string]Control {
	b := NewBuilder(Options{})
	for _, f := range flows {
		b.Add(f)
	}
	out := map[string]Control{}
	for _, c := range b.Report().Controls {
		out[c.ID] = c
	}
	return out
}

// A refused or undone upgrade is a session that ran in clear although the
// service has an encrypted form: transmission-encrypted fails on it alone,
// and an upgrade that held passes.
func TestUpgradeFindingsFailTransmission(t *testing.T) {
	upgraded := record.Finding{Kind: "tls_upgrade", Severity: "info"}
	for _, tc := range []struct {
		name string
		f    *record.Flow
		want string
	}{
		{"STARTTLS refused", flow("", "imap4", "10.0.0.2:143", false,
			record.Finding{Kind: "tls_upgrade_refused", Severity: "medium", Protocol: "STARTTLS"}), Fail},
		{"PostgreSQL SSLRequest answered N", flow("", "postgresql", "10.0.0.2:5432", false,
			record.Finding{Kind: "tls_upgrade_refused", Severity: "medium", Protocol: "SSLRequest"}), Fail},
		{"FTP CCC after AUTH TLS", flow("", "ftp", "10.0.0.2:21", false,
			record.Finding{Kind: "tls_downgrade", Severity: "high", Protocol: "ftp CCC"}, upgraded), Fail},
		{"STARTTLS that held", flow("", "imap4", "10.0.0.2:143", true, upgraded), Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := controlStatus(tc.f)["transmission-encrypted"]
			if c.Status != tc.want || c.Evidence != 1 {
				t.Errorf("transmission-encrypted %s with evidence %d, want %s with 1", c.Status, c.Evidence, tc.want)
			}
		})
	}
}

// An FTP control connection to an IBM i that went back to clear text with
// CCC is a plaintext FTP session: host-servers-tls fails on it. The other
// controls are not the place: no password crossed in clear (it went inside
// TLS before CCC), FTP is no administrative session.
func TestDowngradedFTPToIBMi(t *testing.T) {
	ccc := flow("", "ftp", "10.0.0.3:21", false,
		record.Finding{Kind: "tls_downgrade", Severity: "high", Protocol: "ftp CCC"},
		record.Finding{Kind: "tls_upgrade", Severity: "info"})
	signon := flow("", "as-signon-s", "10.0.0.3:9476", true) // names 10.0.0.3 an IBM i
	st := controlStatus(ccc, signon)
	for id, want := range map[string]string{
		"host-servers-tls":       Fail,
		"transmission-encrypted": Fail,
		"auth-factors-encrypted": Pass,
		"admin-access-encrypted": NotAssessed,
	} {
		if st[id].Status != want {
			t.Errorf("%s: %s, want %s", id, st[id].Status, want)
		}
	}
}
