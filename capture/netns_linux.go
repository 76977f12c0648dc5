//go:build linux

package capture

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// netns is the network namespace a live source was opened in. Reopening a
// lost interface or looking it up happens there, even when Next runs on a
// thread of another namespace (a test harness, a program that moved).
type netns struct {
	f   *os.File // nil: unknown, use the current one
	ino uint64
}

func currentNetns() netns {
	f, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return netns{}
	}
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		f.Close()
		return netns{}
	}
	return netns{f: f, ino: st.Ino}
}

// do runs fn inside the namespace (on the current thread when it is there
// already). Only for the rare paths: retries and idle checks.
func (n netns) do(fn func()) {
	if n.f == nil {
		fn()
		return
	}
	runtime.LockOSThread()
	var st unix.Stat_t
	if unix.Stat("/proc/thread-self/ns/net", &st) == nil && st.Ino == n.ino {
		runtime.UnlockOSThread()
		fn()
		return
	}
	cur, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		fn()
		return
	}
	defer cur.Close()
	if unix.Setns(int(n.f.Fd()), unix.CLONE_NEWNET) != nil {
		runtime.UnlockOSThread()
		fn()
		return
	}
	fn()
	if unix.Setns(int(cur.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	} // else the thread stays locked and the runtime retires it
}

func (n netns) close() {
	if n.f != nil {
		n.f.Close()
	}
}
