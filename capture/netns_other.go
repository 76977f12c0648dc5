//go:build !linux

package capture

// netns has no meaning outside Linux: everything runs where it is.
type netns struct{}

func currentNetns() netns  { return netns{} }
func (netns) do(fn func()) { fn() }
func (netns) close()       {}
