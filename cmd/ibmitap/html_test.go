package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromiumPath finds Chromium; without it the test skips, except in CI
// where it must be there.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but chromium is not installed (.ci/run installs it)")
	}
	t.Skip("chromium not installed")
	return ""
}

// screenshotDir is where the HTML test leaves its PNG and PDF for review.
func screenshotDir() string {
	if d := os.Getenv("IBMITAP_SCREENSHOT_DIR"); d != "" {
		return d
	}
	return os.TempDir()
}

// TestReportHTMLInChromium opens the HTML report of every bundled capture
// in headless Chromium: it must render with no console error and no
// network request beyond the file itself, and print to PDF. A PNG
// screenshot is written for review.
func TestReportHTMLInChromium(t *testing.T) {
	bin := chromiumPath(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if _, errs, code := runReport(t, append([]string{"-o", page}, captures(t)...)...); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	ctx := t.Context()
	// The profile lives outside t.TempDir: Chromium's helpers may still
	// be writing to it while the test cleans up.
	profile, err := os.MkdirTemp("", "ibmitap-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	cmd, wsURL, err := startChromium(ctx, bin, profile)
	if err != nil {
		t.Fatal(err)
	}
	defer stopChromium(cmd)
	c, err := dialCDP(wsURL)
	if err != nil {
		t.Fatalf("devtools: %v", err)
	}
	defer c.close()

	var target struct{ TargetID string }
	if err := c.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct{ SessionID string }
	if err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	s := att.SessionID
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if err := c.call(s, m, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.call(s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	fileURL := "file://" + page
	if err := c.call(s, "Page.navigate", map[string]any{"url": fileURL}, nil); err != nil {
		t.Fatal(err)
	}
	if !c.waitEvent("Page.loadEventFired", 30*time.Second) {
		t.Fatal("the page did not finish loading within 30 s")
	}
	time.Sleep(500 * time.Millisecond) // late requests, if any, show up

	// The page rendered: its sections and charts are in the DOM.
	var ev struct {
		Result struct{ Value string }
	}
	expr := `[document.querySelectorAll("section").length, document.querySelectorAll("svg rect").length, document.title].join("|")`
	if err := c.call(s, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &ev); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(ev.Result.Value, "|")
	if len(parts) != 3 || atoi(parts[0]) < 9 || atoi(parts[1]) == 0 || !strings.Contains(parts[2], "report") {
		t.Errorf("rendered page: sections|svg rects|title = %q", ev.Result.Value)
	}

	for _, e := range c.snapshot() {
		switch e.Method {
		case "Network.requestWillBeSent":
			var p struct{ Request struct{ URL string } }
			json.Unmarshal(e.Params, &p)
			if p.Request.URL != fileURL {
				t.Errorf("network request to %s", p.Request.URL)
			}
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string
				Args []struct{ Value any }
			}
			json.Unmarshal(e.Params, &p)
			if p.Type == "error" || p.Type == "warning" || p.Type == "assert" {
				t.Errorf("console %s: %v", p.Type, p.Args)
			}
		case "Runtime.exceptionThrown":
			t.Errorf("exception: %s", e.Params)
		case "Log.entryAdded":
			var p struct {
				Entry struct{ Level, Text, URL string }
			}
			json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" || p.Entry.Level == "warning" {
				t.Errorf("log %s: %s %s", p.Entry.Level, p.Entry.Text, p.Entry.URL)
			}
		}
	}

	// The screenshot of the whole page, for a person to look at.
	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := c.call(s, "Page.getLayoutMetrics", nil, &metrics); err != nil {
		t.Fatal(err)
	}
	h := metrics.CSSContentSize.Height
	if h > 16000 {
		h = 16000
	}
	var shot struct{ Data string }
	if err := c.call(s, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": 1280, "height": h, "scale": 1},
	}, &shot); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
	var pdf struct{ Data string }
	if err := c.call(s, "Page.printToPDF", map[string]any{"printBackground": true}, &pdf); err != nil {
		t.Fatal(err)
	}
	pdfBytes, _ := base64.StdEncoding.DecodeString(pdf.Data)
	if !strings.HasPrefix(string(pdfBytes), "%PDF") {
		t.Errorf("printToPDF gave no PDF")
	}
	out := screenshotDir()
	pngPath, pdfPath := filepath.Join(out, "ibmitap-report.png"), filepath.Join(out, "ibmitap-report.pdf")
	if err := os.WriteFile(pngPath, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pdfPath, pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes, %.0f px high); PDF: %s", pngPath, len(png), h, pdfPath)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
