//go:build go1.24

package main

import (
	"runtime"
	"unsafe"
)

var cleanupSink int64

// addCleanup attaches a cleanup to a whose argument, a new Node, is held by
// nothing but the cleanup (runtime.AddCleanup captures it in the closure the
// cleanup special points to). It returns that Node's address.
//
//go:noinline
func addCleanup(a *Node) (uintptr, bool) {
	c := newNode(-300, "only-by-cleanup")
	runtime.AddCleanup(a, func(p *Node) { cleanupSink += p.Val }, c)
	return uintptr(unsafe.Pointer(c)), true
}
