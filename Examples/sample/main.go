// Command sample is the tiny program behind the README's example core
// (sample.exe.xz, sample.core.xz; see README.md and make-sample.sh).
//
// It builds a small heap — an inventory with a linked list of nodes, a map and
// a slice — parks three goroutines (on a channel, in time.Sleep and on a
// mutex), then dereferences a nil pointer. Run with GOTRACEBACK=crash and
// `ulimit -c unlimited`, the runtime aborts and the kernel writes ./core.
package main

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Node is one element of a singly linked list.
type Node struct {
	ID    int
	Label string
	Next  *Node
}

// Inventory is the root of the sample heap.
type Inventory struct {
	Owner  string
	Items  map[string]int
	Counts []int
	Head   *Node
}

var (
	inventory *Inventory
	jobs      = make(chan int)
	mu        sync.Mutex
	sink      int
	missing   *Node
)

//go:noinline
func buildHeap() {
	var head *Node
	labels := []string{"gamma", "beta", "alpha"}
	for i, l := range labels {
		head = &Node{ID: len(labels) - i, Label: l, Next: head}
	}
	inventory = &Inventory{
		Owner:  "heapview",
		Items:  map[string]int{"apples": 3, "pears": 5, "plums": 8, "figs": 13},
		Counts: []int{1, 1, 2, 3, 5, 8, 13, 21},
		Head:   head,
	}
}

//go:noinline
func waitForJob() { sink += <-jobs }

//go:noinline
func sleepLong() { time.Sleep(time.Hour) }

//go:noinline
func waitForLock() {
	mu.Lock()
	sink++
	mu.Unlock()
}

//go:noinline
func crash(n *Node) int { return n.ID }

func main() {
	debug.SetTraceback("crash")
	buildHeap()
	mu.Lock() // held forever: waitForLock parks on it
	go waitForJob()
	go sleepLong()
	go waitForLock()
	time.Sleep(200 * time.Millisecond) // let the three park
	runtime.GC()
	sink += crash(missing)
}
