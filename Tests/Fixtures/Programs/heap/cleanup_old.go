//go:build !go1.24

package main

// addCleanup: runtime.AddCleanup exists from Go 1.24 on; before that the
// fixture has no cleanup root.
func addCleanup(a *Node) (uintptr, bool) { return 0, false }
