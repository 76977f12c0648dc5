package compliance

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as one indented JSON document
// (ibmitap.report/1).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
