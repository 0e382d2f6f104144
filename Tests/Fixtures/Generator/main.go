// Command generator builds a large, realistic Go heap for benchmarks and
// crashes into a core file (see scripts/make-big-core.sh).
//
//	./exe N [TRUTH_PATH]
//
// N is the number of live heap objects to build (digits, optionally with
// underscores, or a k/M/G suffix: 1_000_000, 18M). TRUTH_PATH defaults to
// truth.json. The heap holds about N objects, HeapObjects ≈ N after the final
// GC, and about 60 bytes per object on average (18 M objects ≈ 1.1 GB):
//
//   - singly and doubly linked lists of many lengths, built a few at a time
//     so that consecutive nodes are not adjacent in memory;
//   - binary trees (random insertion order for small ones, balanced for big);
//   - one big map[int64]*Node index and one big map[string][]byte, both grown
//     from empty (a swiss map directory with hundreds of tables on Go 1.24+,
//     one huge bucket array plus overflow buckets on older Go), and many maps
//     of every size from 1 entry to thousands (single-group swiss maps,
//     single-table and split ones; classic maps with B = 0.., some of them
//     caught mid-growth);
//   - []byte and strings of many sizes, a few of them larger than 32 KiB;
//   - JSON-like documents (map[string]any and []any of boxed float64,
//     strings, bools, nested documents) and []any slices of mixed boxed
//     values and pointers, including tiny (8-byte) allocations;
//   - pointer slices and pointer arrays of many sizes pointing back into the
//     lists, trees and index (so the graph is shared, not a forest);
//   - a few big objects (tens of MB at 100 M objects);
//   - goroutines that hold lists and trees only from their stacks.
//
// Everything else is reachable from globals. The build runs with the GC off
// (debug.SetGCPercent(-1)); a GC near the end measures HeapObjects and tops the
// heap up with list nodes to reach N; then runtime.GC and debug.FreeOSMemory
// run (so the core does not carry the garbage of map growth), a one-line
// summary goes to stderr, truth.json is written and the program dereferences
// nil in a //go:noinline function. With GOTRACEBACK=crash and `ulimit -c
// unlimited` the runtime aborts and the kernel writes the core.
//
// truth.json: {"goVersion","goarch","pid","n","seed","gomaxprocs",
// "buildSeconds","gcSeconds","vmHWMKiB","vmRSSKiB","countedAllocs",
// "tinyAllocs","categories":{name: objects counted},"categoryBytes":{name:
// bytes allocated, growth garbage included},"memstats":{HeapObjects,
// HeapAlloc,HeapInuse,HeapSys,Sys,Mallocs,Frees,NumGC}}. The memstats are read
// after the last GC and written without allocating; the only allocations after
// them are the runtime's own on the panic path. HeapObjects counts heap
// blocks, which is what a heap walker sees: tiny allocations (boxed
// float64/int64, strings under 16 bytes; "tinyAllocs" counts the generator's)
// share 16-byte blocks, and the runtime counts those that went into an
// existing block as freed. "categories" counts allocations, tiny ones each,
// so it adds up to a little more than HeapObjects.
//
// It must build with Go 1.21 and later, so it keeps to the Go 1.21 language
// and standard library.
package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ---- the types of the heap ----

// ListNode is a singly linked list node (16 bytes).
type ListNode struct {
	Next *ListNode
	Val  int64
}

// DListNode is a doubly linked list node (32 bytes).
type DListNode struct {
	Next, Prev *DListNode
	Val        int64
	Tag        int64
}

// TreeNode is a binary tree node (32 bytes).
type TreeNode struct {
	Left, Right *TreeNode
	Key         int64
	Size        int32
	Color       int32
}

// Node is the value type of the index maps (48 bytes).
type Node struct {
	ID    int64
	Name  string
	Owner *TreeNode
	Next  *Node
	Score float64
}

// Point is boxed in interfaces (24 bytes, no pointers).
type Point struct{ X, Y, Z float64 }

// ---- categories ----

const (
	catList = iota
	catTree
	catIndex
	catBlobMap
	catMaps
	catJSON
	catIface
	catBlob
	catPtrArr
	catStack
	catBig
	catTopUp
	numCats
)

var catNames = [numCats]string{"lists", "trees", "indexMap", "blobMap", "maps", "json",
	"ifaceSlices", "bytesStrings", "ptrArrays", "goroutineStacks", "big", "topUp"}

// catShare is each category's share of N (of objects, not bytes). The rest
// (about 6% of N) is left to the top-up, which makes up for the estimates of map
// internals and for what the build overshoots.
var catShare = [numCats]float64{
	catList: 0.27, catTree: 0.22, catIndex: 0.075, catBlobMap: 0.08, catMaps: 0.04,
	catJSON: 0.08, catIface: 0.05, catBlob: 0.14, catPtrArr: 0.008,
}

const rounds = 64

// ---- globals: the roots ----

var (
	gLists     []*ListNode
	gDLists    []*DListNode
	gTrees     []*TreeNode
	gIndex     map[int64]*Node
	gBlobMap   map[string][]byte
	gMapsInt   []map[int64]*Node
	gMapsStr   []map[string]int
	gDocs      []any
	gIfaces    [][]any
	gBytes     [][]byte
	gStrings   []string
	gPtrSlices [][]*TreeNode
	gPtrArrays []any // *[K]*Node, *[K]*TreeNode of various K
	gBigInts   []int64
	gBigBytes  []byte
	gBigPtrs   []*TreeNode
	gBigString string

	// Pools of recent objects that later structures point back to.
	treePool  [4096]*TreeNode
	nodePool  [4096]*Node
	dlistPool [1024]*DListNode
	gNames    [256]string

	gNever   = make(chan int)
	gStacked = make(chan int)
	gNil     *Node
	sink     int64

	counts     [numCats]int64
	catBytes   [numCats]int64 // bytes allocated while building each category (garbage of growth included)
	tinyAllocs int64
	pattern    []byte // random bytes that blobs and strings are copied from
	scratch    = make([]byte, 0, 256)
)

// ---- random numbers ----

type rng struct{ s uint64 }

func (r *rng) next() uint64 { // xorshift64*
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return r.s * 2685821657736338717
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// logUniform returns an int in [lo, hi] whose logarithm is uniform.
func (r *rng) logUniform(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	u := float64(r.next()>>11) / (1 << 53)
	v := int(float64(lo) * math.Exp(u*math.Log(float64(hi)/float64(lo))))
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	return v
}

// ---- builders: each builds one structure and returns the objects it allocated ----

func poolTree(r *rng) *TreeNode { return treePool[r.intn(len(treePool))] }
func poolNode(r *rng) *Node     { return nodePool[r.intn(len(nodePool))] }

// newString allocates a string of n pattern bytes (one object; tiny when n < 16).
func newString(r *rng, n int) string {
	if n < 16 {
		tinyAllocs++
	}
	off := r.intn(len(pattern) - n)
	return string(pattern[off : off+n])
}

// newKey allocates a key-like string of 20 to 40 bytes ("user/…/…").
func newKey(r *rng, prefix string) string {
	b := append(scratch[:0], prefix...)
	b = strconv.AppendUint(b, r.next(), 36)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.intn(100000)), 10)
	if len(b) > 40 {
		b = b[:40]
	}
	for len(b) < 20 {
		b = append(b, '_')
	}
	return string(b)
}

// buildLists builds up to four lists at once (of maxLen nodes in all at
// most), appending to them in turn, so that a list's consecutive nodes are
// spread over memory.
func buildLists(r *rng, maxLen int) int64 {
	k := r.between(1, 4)
	var made int64
	if r.intn(2) == 0 {
		var heads, tails [4]*ListNode
		var lens [4]int
		for i := 0; i < k; i++ {
			lens[i] = r.logUniform(1, maxLen/k)
		}
		for more := true; more; {
			more = false
			for i := 0; i < k; i++ {
				if lens[i] == 0 {
					continue
				}
				lens[i]--
				more = more || lens[i] > 0
				n := &ListNode{Val: int64(made)}
				made++
				if tails[i] == nil {
					heads[i] = n
				} else {
					tails[i].Next = n
				}
				tails[i] = n
			}
		}
		gLists = append(gLists, heads[:k]...)
	} else {
		var heads, tails [4]*DListNode
		var lens [4]int
		for i := 0; i < k; i++ {
			lens[i] = r.logUniform(1, maxLen/k)
		}
		for more := true; more; {
			more = false
			for i := 0; i < k; i++ {
				if lens[i] == 0 {
					continue
				}
				lens[i]--
				more = more || lens[i] > 0
				n := &DListNode{Val: int64(made), Tag: int64(i), Prev: tails[i]}
				made++
				if tails[i] == nil {
					heads[i] = n
				} else {
					tails[i].Next = n
				}
				tails[i] = n
				if made&63 == 0 {
					dlistPool[r.intn(len(dlistPool))] = n
				}
			}
		}
		gDLists = append(gDLists, heads[:k]...)
	}
	return made
}

// buildTree builds a binary search tree of size nodes: by random insertion
// when small, balanced (in pre-order) when big.
func buildTree(r *rng, size int) (*TreeNode, int64) {
	if size > 4096 {
		var made int64
		var build func(lo, hi int64) *TreeNode
		build = func(lo, hi int64) *TreeNode {
			if lo > hi {
				return nil
			}
			mid := (lo + hi) / 2
			t := &TreeNode{Key: mid, Size: int32(hi - lo + 1), Color: int32(made & 1)}
			made++
			if made&255 == 0 {
				treePool[r.intn(len(treePool))] = t
			}
			t.Left = build(lo, mid-1)
			t.Right = build(mid+1, hi)
			return t
		}
		return build(0, int64(size-1)), made
	}
	var root *TreeNode
	for i := 0; i < size; i++ {
		key := int64(r.next() >> 1)
		t := &TreeNode{Key: key, Size: 1, Color: int32(i & 1)}
		if i&15 == 0 {
			treePool[r.intn(len(treePool))] = t
		}
		if root == nil {
			root = t
			continue
		}
		for p := root; ; {
			p.Size++
			if key < p.Key {
				if p.Left == nil {
					p.Left = t
					break
				}
				p = p.Left
			} else {
				if p.Right == nil {
					p.Right = t
					break
				}
				p = p.Right
			}
		}
	}
	return root, int64(size)
}

// addIndex adds one entry to the big map[int64]*Node.
func addIndex(r *rng, prev *Node) (*Node, int64) {
	n := &Node{ID: int64(r.next() >> 1), Owner: poolTree(r), Score: float64(r.intn(1000)) / 7}
	made := int64(1)
	if r.intn(4) == 0 {
		n.Name = newKey(r, "node/")
		made++
	} else {
		n.Name = gNames[r.intn(len(gNames))]
	}
	if r.intn(2) == 0 {
		n.Next = prev
	}
	gIndex[n.ID] = n
	if n.ID&31 == 0 {
		nodePool[r.intn(len(nodePool))] = n
	}
	return n, made
}

// addBlob adds one entry to the big map[string][]byte.
func addBlob(r *rng) int64 {
	k := newKey(r, "blob/")
	v := make([]byte, r.logUniform(16, 256))
	off := r.intn(len(pattern) - len(v))
	copy(v, pattern[off:])
	gBlobMap[k] = v
	return 2
}

// buildMap builds one map of a random size: most hold 1 to 8 entries (one
// swiss group, or one classic bucket), some tens, a few thousands. Half are
// map[int64]*Node pointing into the pool, half map[string]int with their own
// keys.
func buildMap(r *rng) int64 {
	var size int
	switch x := r.intn(100); {
	case x < 70:
		size = r.between(1, 8)
	case x < 98:
		size = r.logUniform(9, 128)
	default:
		size = r.logUniform(129, 3000)
	}
	made := int64(2) + int64(size)/64 // header and one group/bucket, plus a rough share for bigger ones
	if r.intn(2) == 0 {
		m := make(map[int64]*Node)
		for i := 0; i < size; i++ {
			m[int64(r.next()>>1)] = poolNode(r)
		}
		gMapsInt = append(gMapsInt, m)
	} else {
		m := make(map[string]int)
		for i := 0; i < size; i++ {
			m[newKey(r, "attr/")] = i
		}
		made += int64(size)
		gMapsStr = append(gMapsStr, m)
	}
	return made
}

var jsonKeys = [...]string{"id", "name", "email", "tags", "score", "active", "created",
	"owner", "items", "meta", "value", "weight", "children", "location", "kind", "ref"}

// buildDoc builds a JSON-like value as encoding/json would decode it.
func buildDoc(r *rng, depth int, made *int64) any {
	if depth > 0 && r.intn(3) == 0 {
		a := make([]any, r.between(1, 8))
		*made++
		for i := range a {
			a[i] = buildValue(r, depth, made)
		}
		*made++ // the slice header boxed in the interface
		return a
	}
	m := make(map[string]any)
	*made += 2
	for i, nf := 0, r.between(2, 8); i < nf; i++ {
		m[jsonKeys[r.intn(len(jsonKeys))]] = buildValue(r, depth, made)
	}
	return m
}

func buildValue(r *rng, depth int, made *int64) any {
	switch r.intn(10) {
	case 0, 1, 2:
		*made++
		tinyAllocs++
		return float64(r.intn(1000000)) + 0.5 // boxed float64: an 8-byte tiny allocation
	case 3, 4:
		s := newString(r, r.between(8, 48))
		*made += 2 // the bytes and the boxed string header
		return s
	case 5:
		return r.intn(2) == 0 // static
	case 6:
		return nil
	case 7, 8:
		if depth < 3 {
			return buildDoc(r, depth+1, made)
		}
		*made++
		tinyAllocs++
		return float64(r.intn(100)) * 1.25
	default:
		*made++
		return Point{float64(r.intn(100)), float64(r.intn(100)), 1}
	}
}

// buildIface builds one []any of mixed boxed values and pointers.
func buildIface(r *rng) int64 {
	a := make([]any, r.logUniform(2, 256))
	made := int64(1)
	for i := range a {
		switch r.intn(10) {
		case 0:
			a[i] = poolTree(r)
		case 1:
			a[i] = poolNode(r)
		case 2:
			a[i] = int64(r.next()>>8) | 1<<40 // boxed int64: tiny
			made++
			tinyAllocs++
		case 3:
			a[i] = r.intn(200) // small ints are static
		case 4:
			a[i] = gNames[r.intn(len(gNames))] // boxed string header
			made++
		case 5:
			a[i] = Point{1, float64(i), 3}
			made++
		case 6:
			b := make([]byte, r.between(16, 64))
			copy(b, pattern[i:])
			a[i] = b // the bytes and the boxed slice header
			made += 2
		case 7:
			a[i] = &Point{X: float64(i)}
			made++
		case 8:
			a[i] = dlistPool[r.intn(len(dlistPool))]
		default:
			a[i] = float64(i) + 0.25
			made++
			tinyAllocs++
		}
	}
	gIfaces = append(gIfaces, a)
	return made
}

// buildBlob builds one []byte or string: mostly 16 to 128 bytes, some tiny,
// some of a few hundred bytes to 4 KiB, a few of 33 to 256 KiB (the
// large-object path).
func buildBlob(r *rng) int64 {
	var n int
	switch x := r.intn(10000); {
	case x < 9300:
		n = r.between(16, 128)
	case x < 9600:
		n = r.between(1, 15)
	case x < 9800:
		n = r.logUniform(256, 4096)
	case x < 9998:
		n = r.between(129, 255)
	default:
		n = r.logUniform(33<<10, 256<<10)
	}
	if r.intn(2) == 0 {
		gStrings = append(gStrings, newString(r, n))
		return 1
	}
	if n < 16 {
		tinyAllocs++
	}
	b := make([]byte, n)
	off := r.intn(len(pattern) - n)
	copy(b, pattern[off:])
	gBytes = append(gBytes, b)
	return 1
}

func fillTrees(r *rng, a []*TreeNode) {
	for i := range a {
		a[i] = poolTree(r)
	}
}

func fillNodes(r *rng, a []*Node) {
	for i := range a {
		a[i] = poolNode(r)
	}
}

// buildPtrArray builds one pointer slice or pointer array of some size.
func buildPtrArray(r *rng) int64 {
	switch r.intn(20) {
	case 0:
		a := new([2]*Node)
		fillNodes(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 1:
		a := new([3]*TreeNode)
		fillTrees(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 2:
		a := new([5]*Node)
		fillNodes(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 3:
		a := new([8]*TreeNode)
		fillTrees(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 4:
		a := new([16]*Node)
		fillNodes(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 5:
		a := new([31]*TreeNode)
		fillTrees(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 6:
		a := new([64]*Node)
		fillNodes(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 7:
		a := new([100]*TreeNode)
		fillTrees(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 8:
		a := new([256]*Node)
		fillNodes(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	case 9:
		a := new([200]*TreeNode)
		fillTrees(r, a[:])
		gPtrArrays = append(gPtrArrays, a)
	default:
		a := make([]*TreeNode, r.logUniform(1, 256))
		fillTrees(r, a)
		gPtrSlices = append(gPtrSlices, a)
	}
	return 1
}

// ---- goroutines holding objects on their stacks ----

//go:noinline
func holdOnStack(seed uint64, size int) {
	r := &rng{s: seed}
	var head, tail *DListNode
	for i := 0; i < size; i++ {
		n := &DListNode{Val: int64(i), Prev: tail}
		if tail == nil {
			head = n
		} else {
			tail.Next = n
		}
		tail = n
	}
	root, _ := buildTree(r, size/2)
	var local [16]*TreeNode // on the stack, pointing into the shared heap
	fillTrees(r, local[:])
	buf := make([]byte, 96<<10) // a large object only this stack holds
	buf[0] = 1
	gStacked <- 1
	<-gNever
	sink += head.Val + root.Key + local[3].Key + int64(buf[0])
}

// ---- main ----

func parseN(s string) (int64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult = 1000
		case 'm', 'M':
			mult = 1000000
		case 'g', 'G':
			mult = 1000000000
		}
		if mult != 1 {
			s = s[:len(s)-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v * mult, true
}

func die(msg string) {
	os.Stderr.WriteString("generator: " + msg + "\n")
	os.Exit(2)
}

// crash dereferences nil: the fault the core is made of.
//
//go:noinline
func crash(p *Node) int64 { return p.ID }

func main() {
	debug.SetTraceback("crash")
	if len(os.Args) < 2 || len(os.Args) > 3 {
		die("usage: exe N [TRUTH_PATH]")
	}
	n, ok := parseN(os.Args[1])
	if !ok || n < 10000 {
		die("N must be a number of objects, at least 10000 (e.g. 1_000_000, 18M)")
	}
	truthPath := "truth.json"
	if len(os.Args) == 3 {
		truthPath = os.Args[2]
	}
	outFile, err := os.Create(truthPath)
	if err != nil {
		die(err.Error())
	}

	start := time.Now()
	debug.SetGCPercent(-1)
	seed := uint64(n)*0x9E3779B97F4A7C15 | 1
	r := &rng{s: seed}

	pattern = make([]byte, 256<<10+4096)
	for i := range pattern {
		pattern[i] = byte(r.next() >> 56)
	}
	for i := range gNames {
		gNames[i] = newKey(r, "name/")
	}
	counts[catBig] += int64(len(gNames)) + 1
	// Seed the pools so that early structures have something to point to.
	for i := range treePool {
		treePool[i] = &TreeNode{Key: int64(i)}
	}
	for i := range nodePool {
		nodePool[i] = &Node{ID: int64(i), Owner: treePool[i], Name: gNames[i&255]}
	}
	for i := range dlistPool {
		dlistPool[i] = &DListNode{Val: int64(i)}
	}
	counts[catTree] += int64(len(treePool))
	counts[catIndex] += int64(len(nodePool))
	counts[catList] += int64(len(dlistPool))

	// A few big objects.
	gBigInts = make([]int64, n/32)
	for i := range gBigInts {
		gBigInts[i] = int64(i) * 7
	}
	gBigBytes = make([]byte, n/4)
	for i := 0; i < len(gBigBytes); i += len(pattern) {
		copy(gBigBytes[i:], pattern)
	}
	gBigString = string(gBigBytes[:n/16])
	gBigPtrs = make([]*TreeNode, n/64)
	counts[catBig] += 4

	gIndex = make(map[int64]*Node)
	gBlobMap = make(map[string][]byte)
	counts[catIndex] += 2
	counts[catBlobMap] += 2

	maxStruct := int(n / 50) // no list or tree is more than 2% of the heap
	if maxStruct > 1<<20 {
		maxStruct = 1 << 20
	}
	stackers := 4
	var quota [numCats]float64
	var prevNode *Node
	target := float64(n) * 0.98
	for round := 0; round < rounds; round++ {
		for c := 0; c < numCats; c++ {
			quota[c] += catShare[c] * target / rounds
		}
		for c := 0; c < numCats; c++ {
			before := allocatedBytes()
			for float64(counts[c]) < quota[c] {
				switch c {
				case catList:
					counts[c] += buildLists(r, maxStruct)
				case catTree:
					t, made := buildTree(r, r.logUniform(1, maxStruct))
					gTrees = append(gTrees, t)
					counts[c] += made
				case catIndex:
					var made int64
					prevNode, made = addIndex(r, prevNode)
					counts[c] += made
				case catBlobMap:
					counts[c] += addBlob(r)
				case catMaps:
					counts[c] += buildMap(r)
				case catJSON:
					var made int64
					gDocs = append(gDocs, buildDoc(r, 0, &made))
					counts[c] += made
				case catIface:
					counts[c] += buildIface(r)
				case catBlob:
					counts[c] += buildBlob(r)
				case catPtrArr:
					counts[c] += buildPtrArray(r)
				}
			}
			catBytes[c] += allocatedBytes() - before
		}
		// The big pointer slice fills up as the trees grow.
		for i := round * len(gBigPtrs) / rounds; i < (round+1)*len(gBigPtrs)/rounds; i++ {
			gBigPtrs[i] = poolTree(r)
		}
		if round == rounds/2 {
			size := int(n / 400)
			for i := 0; i < stackers; i++ {
				go holdOnStack(r.next(), size)
				<-gStacked
				counts[catStack] += int64(size) + int64(size/2) + 1
			}
		}
	}

	// Measure, and top up with lists to N live objects.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := allocatedBytes()
	for deficit := n - int64(ms.HeapObjects); deficit > 0; {
		size := r.logUniform(1, 4096)
		if int64(size) > deficit {
			size = int(deficit)
		}
		var head *ListNode
		for i := 0; i < size; i++ {
			head = &ListNode{Next: head, Val: int64(i)}
		}
		gLists = append(gLists, head)
		deficit -= int64(size)
		counts[catTopUp] += int64(size)
	}
	catBytes[catTopUp] += allocatedBytes() - before
	buildTime := time.Since(start)

	// The truth, minus what the last GC decides, into a preallocated buffer.
	out := make([]byte, 0, 4096)
	out = append(out, `{"goVersion":"`...)
	out = append(out, runtime.Version()...)
	out = append(out, `","goarch":"`...)
	out = append(out, runtime.GOARCH...)
	out = append(out, '"')
	out = appendField(out, "pid", int64(os.Getpid()))
	out = appendField(out, "n", n)
	out = append(out, `,"seed":`...)
	out = strconv.AppendUint(out, seed, 10)
	out = appendField(out, "gomaxprocs", int64(runtime.GOMAXPROCS(0)))
	out = append(out, `,"buildSeconds":`...)
	out = strconv.AppendFloat(out, buildTime.Seconds(), 'f', 3, 64)
	var counted int64
	for _, c := range counts {
		counted += c
	}
	out = appendField(out, "countedAllocs", counted)
	out = appendField(out, "tinyAllocs", tinyAllocs)
	out = append(out, `,"categories":{`...)
	for c := 0; c < numCats; c++ {
		if c > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, catNames[c]...)
		out = append(out, `":`...)
		out = strconv.AppendInt(out, counts[c], 10)
	}
	out = append(out, `},"categoryBytes":{`...)
	for c := 0; c < numCats; c++ {
		if c > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, catNames[c]...)
		out = append(out, `":`...)
		out = strconv.AppendInt(out, catBytes[c], 10)
	}
	out = append(out, '}')
	summary := make([]byte, 0, 512)
	status := make([]byte, 8192)

	gcStart := time.Now()
	runtime.GC()
	debug.FreeOSMemory() // hand the garbage of map growth back, so the core does not hold it
	gcTime := time.Since(gcStart)
	sink += int64(len(gLists) + len(gDLists) + len(gTrees) + len(gIndex) + len(gBlobMap) +
		len(gMapsInt) + len(gMapsStr) + len(gDocs) + len(gIfaces) + len(gBytes) + len(gStrings) +
		len(gPtrSlices) + len(gPtrArrays) + len(gBigInts) + len(gBigBytes) + len(gBigPtrs) + len(gBigString))

	hwm, rss := readStatus(status)
	runtime.ReadMemStats(&ms)
	// From here on nothing allocates.
	out = append(out, `,"gcSeconds":`...)
	out = strconv.AppendFloat(out, gcTime.Seconds(), 'f', 3, 64)
	out = appendField(out, "vmHWMKiB", hwm)
	out = appendField(out, "vmRSSKiB", rss)
	out = append(out, `,"memstats":{"HeapObjects":`...)
	out = strconv.AppendUint(out, ms.HeapObjects, 10)
	out = appendField(out, "HeapAlloc", int64(ms.HeapAlloc))
	out = appendField(out, "HeapInuse", int64(ms.HeapInuse))
	out = appendField(out, "HeapSys", int64(ms.HeapSys))
	out = appendField(out, "Sys", int64(ms.Sys))
	out = appendField(out, "Mallocs", int64(ms.Mallocs))
	out = appendField(out, "Frees", int64(ms.Frees))
	out = appendField(out, "NumGC", int64(ms.NumGC))
	out = append(out, "}}\n"...)
	if _, err := outFile.Write(out); err != nil {
		die("writing the truth failed")
	}
	outFile.Close()

	summary = append(summary, "generator: "...)
	summary = append(summary, runtime.Version()...)
	summary = append(summary, " n="...)
	summary = strconv.AppendInt(summary, n, 10)
	summary = append(summary, " HeapObjects="...)
	summary = strconv.AppendUint(summary, ms.HeapObjects, 10)
	summary = append(summary, " HeapAlloc="...)
	summary = strconv.AppendUint(summary, ms.HeapAlloc, 10)
	summary = append(summary, " ("...)
	summary = strconv.AppendFloat(summary, float64(ms.HeapAlloc)/float64(ms.HeapObjects), 'f', 1, 64)
	summary = append(summary, " B/object) peakRSS="...)
	summary = strconv.AppendInt(summary, hwm>>10, 10)
	summary = append(summary, "MiB build="...)
	summary = strconv.AppendFloat(summary, buildTime.Seconds(), 'f', 2, 64)
	summary = append(summary, "s gc="...)
	summary = strconv.AppendFloat(summary, gcTime.Seconds(), 'f', 2, 64)
	summary = append(summary, "s total="...)
	summary = strconv.AppendFloat(summary, time.Since(start).Seconds(), 'f', 2, 64)
	summary = append(summary, "s\n"...)
	os.Stderr.Write(summary)

	sink += crash(gNil)
	os.Exit(3) // not reached
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

// allocatedBytes is the cumulative count of bytes allocated on the heap.
func allocatedBytes() int64 {
	metrics.Read(allocSample)
	if allocSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(allocSample[0].Value.Uint64())
}

func appendField(b []byte, name string, v int64) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

// readStatus returns VmHWM and VmRSS (KiB) from /proc/self/status, read into buf.
func readStatus(buf []byte) (hwm, rss int64) {
	fd, err := syscall.Open("/proc/self/status", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, -1
	}
	n, _ := syscall.Read(fd, buf)
	syscall.Close(fd)
	if n < 0 {
		n = 0
	}
	return statusField(buf[:n], "VmHWM:"), statusField(buf[:n], "VmRSS:")
}

func statusField(b []byte, name string) int64 {
	for len(b) > 0 {
		line := b
		if i := indexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) >= len(name) && string(line[:len(name)]) == name {
			var v int64
			for _, c := range line[len(name):] {
				if c >= '0' && c <= '9' {
					v = v*10 + int64(c-'0')
				}
			}
			return v
		}
	}
	return -1
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
