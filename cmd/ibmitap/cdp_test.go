package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/websocket"
)

// cdp is a minimal Chrome DevTools Protocol client over a websocket: enough
// to load a page, watch its console and network, and take a screenshot.
type cdp struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	nextID  int
	replies map[int]chan cdpMsg
	events  []cdpMsg
	done    chan struct{}
}

type cdpMsg struct {
	ID        int                       `json:"id,omitempty"`
	Method    string                    `json:"method,omitempty"`
	Params    json.RawMessage           `json:"params,omitempty"`
	Result    json.RawMessage           `json:"result,omitempty"`
	Error     *struct{ Message string } `json:"error,omitempty"`
	SessionID string                    `json:"sessionId,omitempty"`
}

var devtoolsURL = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startChromium starts a headless Chromium with a fresh profile and
// returns the browser's DevTools websocket URL.
func startChromium(ctx context.Context, bin, profile string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
		"--user-data-dir="+profile, "--remote-debugging-port=0",
		"--remote-allow-origins=http://127.0.0.1", "about:blank")
	// Its own process group, so that stopChromium ends the renderer and
	// helper processes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := devtoolsURL.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case u := <-found:
		return cmd, u, nil
	case <-time.After(30 * time.Second):
		stopChromium(cmd)
		return nil, "", errors.New("chromium did not announce its DevTools endpoint within 30 s")
	}
}

func dialCDP(url string) (*cdp, error) {
	cfg, err := websocket.NewConfig(url, "http://127.0.0.1")
	if err != nil {
		return nil, err
	}
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		return nil, err
	}
	ws.MaxPayloadBytes = 256 << 20
	c := &cdp{ws: ws, replies: map[int]chan cdpMsg{}, done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *cdp) read() {
	defer close(c.done)
	for {
		var m cdpMsg
		if err := websocket.JSON.Receive(c.ws, &m); err != nil {
			return
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch := c.replies[m.ID]; ch != nil {
				ch <- m
				delete(c.replies, m.ID)
			}
		} else {
			c.events = append(c.events, m)
		}
		c.mu.Unlock()
	}
}

// call sends a command (to a session when session is set) and decodes its
// result into out.
func (c *cdp) call(session, method string, params any, out any) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMsg, 1)
	c.replies[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	if err := websocket.JSON.Send(c.ws, msg); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: connection closed", method)
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s: no reply within 60 s", method)
	}
}

// waitEvent waits for an event by method name.
func (c *cdp) waitEvent(method string, timeout time.Duration) bool {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		for _, e := range c.snapshot() {
			if e.Method == method {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func (c *cdp) snapshot() []cdpMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]cdpMsg(nil), c.events...)
}

func (c *cdp) close() { c.ws.Close() }

// stopChromium ends Chromium's whole process group and waits for it.
func stopChromium(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
}
