// Command heap is the ground-truth fixture for heapview/GoHeap's heap
// reconstruction.
//
// It builds a known heap (linked lists, a tree, pointer slices of every small
// size class and the large-object path, strings, maps of both implementations,
// a growing classic map, a wrapped channel queue, interfaces, closures,
// generics, tiny allocations, an object held only by a parked goroutine's
// stack, one held only by a finalizer and, from Go 1.24, one held only by a
// cleanup), writes what it knows about that heap to a JSON "truth" file, then
// crashes with a nil-pointer dereference so that (with GOTRACEBACK=crash and
// `ulimit -c unlimited`) the kernel writes a core file the truth describes.
//
//	./exe TRUTH_PATH
//
// It must build with every Go toolchain of scripts/versions.sh (1.21 and up),
// so it keeps to the Go 1.21 language and standard library; runtime.AddCleanup
// (Go 1.24) lives in cleanup_go124.go.
//
// Truth conventions (see also scripts/build-fixtures.sh, which checks them
// against the core):
//   - objects[].address is the data address of a heap allocation the program
//     made; type is the reflect spelling of the allocated value ("main.Node",
//     "[100]*main.Node" for a slice backing array of cap 100, "string" with
//     size = len for string bytes, "string" with size 16 for a string boxed in
//     an interface, "int"/"main.Small" for boxed values, "chan T" for a channel
//     header (size = the header, or header+buffer when T has no pointers: then
//     the runtime allocates both at once), "map[K]V" for a map header (the
//     runtime's hmap or maps.Map), "func() int" / "func(*main.Node)" for a
//     closure context); size is the requested size; root names the root the
//     program reached it from ("main.gList", "stack:main.holdOnStack",
//     "finalizer", "cleanup"). Big structures are sampled; every backing array
//     of gPtrSlices and the Big are listed.
//   - edges[] are pointer words: the word at from+offset holds to (each one is
//     checked by the program before it is written).
//   - roots[].address is the heap object the root points to. Global roots also
//     give "variable" (the global's address) and "offset" (of the pointer word
//     inside it: 8 for interfaces, 0 otherwise). The stack root names the
//     function whose frame holds it; the finalizer root's address is the object
//     held only by the finalizer closure ("funcval" is that closure, "object"
//     the object the finalizer is set on); likewise for the cleanup root.
//   - maps[].sumKeys/sumValues are sums over the entries for integer keys/values
//     (null otherwise); growing is whether a classic map has oldbuckets != nil
//     (gGrowing is always growing on classic maps; on swiss maps, which grow
//     all at once, it has just split a table); B is a classic map's log2 of
//     its bucket count; headerSize is the size of hmap or maps.Map.
//   - channels[].elems are the queued pointers in receive order.
//   - typeCounts are exact counts of live objects of the main types.
//
// The order of the last steps matters (as in basics): the truth (minus threads
// and memstats) is encoded first; then runtime.GC and runtime.ReadMemStats run,
// the thread ids are listed with raw system calls, and both are appended into a
// preallocated buffer without allocating, written to a file opened before the
// GC, and the process crashes.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// ---- types ----

// Node mixes pointer and scalar words.
type Node struct {
	Next *Node
	Val  int64
	Name string
	Kids []*Node
}

// Big is larger than 32 KiB: a large object with its own span.
type Big struct {
	Data [5000]*Node
	Pad  [3000]int64
}

// Pair is generic.
type Pair[K comparable, V any] struct {
	Key  K
	Val  V
	Next *Pair[K, V]
}

// Shape is implemented by *Rect.
type Shape interface{ Area() float64 }

type Rect struct {
	W, H  float64
	Owner *Node
}

func (r *Rect) Area() float64 { return r.W * r.H }

type Small struct{ A, B int32 }

type Holder struct {
	P *Node
	S []byte
	M map[string]*Node
	I any
	F func() int
	C chan *Node
}

// ---- roots ----

var (
	gList       *Node
	gTree       *Node
	gPtrSlices  [][]*Node
	gByteSlices [][]byte
	gIntArrays  []any // *[N]int64 for several N
	gStrings    []string
	gMaps       []map[int64]int64
	gStrMap     map[string]*Node
	gSmallMap   map[Small][]int
	gBigValMap  map[int64][200]byte
	gGrowing    map[int64]int64
	gChan       chan *Node
	gChanRecvd  []*Node // what was received from gChan (kept alive so counts stay exact)
	gIntChan    chan int64
	gIface      any
	gShape      Shape
	gIfaces     []any
	gClosure    func() int
	gHolder     *Holder
	gGeneric    *Pair[string, *Node]
	gGenericInt *Pair[int, int]
	gBig        *Big
	gTiny       []*int8
	gTinyStrs   []string
	gFinalized  *Node
)

var (
	ptrSliceLens = []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 100, 127, 128, 500, 511, 512,
		1000, 1024, 4095, 4096, 5000, 10000, 100000}
	byteSliceLens = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 24, 31, 32, 33, 48,
		63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 500, 511, 512, 513, 1000, 1024, 2000, 4095, 4096,
		4097, 8192, 10000, 16384, 20000, 32767, 32768, 32769, 40000, 65536, 70000}
	mapSizes = []int{0, 1, 7, 8, 9, 100, 1000, 100000}
)

// Counts of the main types' live objects (every allocation goes through these).
var nodeCount, rectCount, holderCount, bigCount, pairStrCount, pairIntCount int

// The parked goroutine's stack-only objects, published as plain integers.
var (
	gHoldReady  = make(chan struct{})
	gHold       = make(chan int)
	gStackAddrs [3]uintptr
	gNever      bool
	gEscape     *Node
)

// The finalizer's objects, as plain integers.
var (
	finSink       int64
	gFinOnly      uintptr // held only by the finalizer closure
	gFinFuncval   uintptr // the finalizer closure
	gCleanupOnly  uintptr // held only by the cleanup (Go 1.24+)
	gHasCleanup   bool
	gGrowingState bool
)

// State used by the last steps (preallocated so the end does not allocate).
var (
	ms        runtime.MemStats
	outBuf    []byte
	tids      = make([]int, 0, 1024)
	tids2     = make([]int, 0, 1024)
	tids0     = make([]int, 0, 1024)
	ms0, ms2  runtime.MemStats
	direntBuf = make([]byte, 64<<10)
	taskPath  = []byte("/proc/self/task\x00")
	outFile   *os.File
	sink      int
	nilNode   *Node
)

// ---- building ----

//go:noinline
func newNode(val int64, name string) *Node {
	nodeCount++
	return &Node{Val: val, Name: name}
}

//go:noinline
func newRect(w, h float64, owner *Node) *Rect {
	rectCount++
	return &Rect{W: w, H: h, Owner: owner}
}

// heapString returns a string of n bytes whose data is one heap allocation of
// exactly n bytes (string(b) would use a static table for n == 1).
//
//go:noinline
func heapString(n, seed int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + (seed+i)%26)
	}
	return unsafe.String(unsafe.SliceData(b), n)
}

//go:noinline
func runtimeInt(x int) int { return x }

//go:noinline
func makeClosure(n *Node, k int) func() int {
	return func() int { return int(n.Val) + k }
}

//go:noinline
func makeNodeFunc(n *Node) func() int {
	return func() int { return int(n.Val) * 2 }
}

func buildTree(depth int, next *int64) *Node {
	n := newNode(*next, "tree")
	*next++
	if depth > 1 {
		n.Kids = make([]*Node, 2)
		n.Kids[0] = buildTree(depth-1, next)
		n.Kids[1] = buildTree(depth-1, next)
	}
	return n
}

var listNodes []*Node // while building only

func goMinor() int {
	v := strings.TrimPrefix(runtime.Version(), "go1.")
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func classicMaps() bool {
	return goMinor() <= 23 || strings.Contains(runtime.Version(), "noswissmap")
}

// hchan layout: qcount@0 dataqsiz@8 buf@16 ... recvx@48 (Go <= 1.22; 1.23 added
// a timer pointer before elemtype, so recvx@56). hchanSize grew with the timer
// (1.23) and the synctest bubble pointer (1.25).
func hchanSize() uintptr {
	switch m := goMinor(); {
	case m <= 22:
		return 96
	case m <= 24:
		return 104
	default:
		return 112
	}
}

func recvxOffset() uintptr {
	if goMinor() <= 22 {
		return 48
	}
	return 56
}

// mapHeaderSize: hmap is 48 bytes (56 from 1.24, which added clearSeq);
// maps.Map is 48 bytes.
func mapHeaderSize() uintptr {
	if classicMaps() && goMinor() >= 24 {
		return 56
	}
	return 48
}

func mapHeader(m unsafe.Pointer) unsafe.Pointer { return *(*unsafe.Pointer)(m) }

// classicGrowing reads hmap.oldbuckets (count@0 flags@8 B@9 noverflow@10
// hash0@12 buckets@16 oldbuckets@24).
func classicGrowing(h unsafe.Pointer) bool {
	return *(*unsafe.Pointer)(unsafe.Add(h, 24)) != nil
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "heap: "+format+"\n", args...)
	os.Exit(3)
}

//go:noinline
func buildHeap() {
	// gList: 1000 Nodes; every 10th has Kids of length i%7.
	listNodes = make([]*Node, 1000)
	for i := range listNodes {
		n := newNode(int64(i), "node-"+strconv.Itoa(i))
		if i%10 == 0 {
			n.Kids = make([]*Node, i%7)
			for j := range n.Kids {
				n.Kids[j] = newNode(int64(i*100+j), "")
			}
		}
		listNodes[i] = n
	}
	for i := 0; i+1 < len(listNodes); i++ {
		listNodes[i].Next = listNodes[i+1]
	}
	gList = listNodes[0]

	// gBig (built early so it is the root the Big is reached from).
	gBig = new(Big)
	bigCount++
	for i := range gBig.Data {
		gBig.Data[i] = listNodes[i%len(listNodes)]
	}
	for i := range gBig.Pad {
		gBig.Pad[i] = int64(i) * 3
	}

	var next int64 = 10000
	gTree = buildTree(10, &next)

	gPtrSlices = make([][]*Node, len(ptrSliceLens))
	for i, n := range ptrSliceLens {
		s := make([]*Node, n)
		for j := range s {
			if j%3 != 2 {
				s[j] = newNode(int64(j), "")
			}
		}
		gPtrSlices[i] = s
	}
	gByteSlices = make([][]byte, len(byteSliceLens))
	for i, n := range byteSliceLens {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(i + j)
		}
		gByteSlices[i] = b
	}
	gIntArrays = []any{new([1]int64), new([2]int64), new([7]int64), new([16]int64), new([100]int64),
		new([1000]int64), new([4096]int64), new([5000]int64)}
	for _, a := range gIntArrays {
		v := reflect.ValueOf(a).Elem()
		for j := 0; j < v.Len(); j++ {
			v.Index(j).SetInt(int64(j*j + 1))
		}
	}
	gStrings = make([]string, 200)
	for i := range gStrings {
		gStrings[i] = heapString(1+(i*i*7+i*3)%5000, i)
	}

	// Maps.
	gMaps = make([]map[int64]int64, len(mapSizes))
	for i, n := range mapSizes {
		m := make(map[int64]int64)
		for k := 0; k < n; k++ {
			m[int64(k)] = int64(k)*7 + 3
		}
		gMaps[i] = m
	}
	gStrMap = make(map[string]*Node)
	for i := 0; i < 50; i++ {
		gStrMap["key-"+strconv.Itoa(i)] = newNode(int64(2000+i), "")
	}
	gSmallMap = make(map[Small][]int)
	for i := 0; i < 20; i++ {
		v := make([]int, i%4+1)
		for j := range v {
			v[j] = i*10 + j
		}
		gSmallMap[Small{A: int32(i), B: int32(i * 3)}] = v
	}
	gBigValMap = make(map[int64][200]byte)
	for k := int64(0); k < 10; k++ {
		var v [200]byte
		for j := range v {
			v[j] = byte(k + int64(j))
		}
		gBigValMap[k*11] = v
	}
	gGrowing = make(map[int64]int64)
	if classicMaps() {
		// Insert until a grow has just started (oldbuckets != nil) at >= 500
		// entries: the grow to B=8 starts at the 833rd insert (769th on Go
		// 1.21, whose load factor was 6 rather than 6.5), and each later insert
		// would evacuate up to two of the 128 old buckets.
		for k := int64(0); ; k++ {
			gGrowing[k] = k*7 + 3
			if len(gGrowing) >= 500 && classicGrowing(mapHeader(unsafe.Pointer(&gGrowing))) {
				break
			}
			if k > 1<<20 {
				die("gGrowing never started growing")
			}
		}
	} else {
		for k := int64(0); k < 9*1024/8+1; k++ { // just past a table split
			gGrowing[k] = k*7 + 3
		}
	}

	// Channels: a wrapped queue. Send 14, receive 12, send 8: 10 queued,
	// recvx 12, sendx 6.
	gChan = make(chan *Node, 16)
	chanNodes = make([]*Node, 22)
	for i := range chanNodes {
		chanNodes[i] = newNode(int64(3000+i), "")
	}
	for i := 0; i < 14; i++ {
		gChan <- chanNodes[i]
	}
	gChanRecvd = make([]*Node, 12)
	for i := range gChanRecvd {
		gChanRecvd[i] = <-gChan
	}
	for i := 14; i < 22; i++ {
		gChan <- chanNodes[i]
	}
	gIntChan = make(chan int64, 8)
	for i := int64(1); i <= 3; i++ {
		gIntChan <- i * 1111
	}

	// Interfaces and closures.
	gIface = newRect(3, 4, listNodes[0])
	gShape = newRect(5, 6, listNodes[1])
	boxedInt := runtimeInt(123456789)
	boxedStr := heapString(37, 5)
	boxedSmall := Small{A: int32(runtimeInt(7)), B: int32(runtimeInt(-9))}
	gIfaces = []any{listNodes[2], boxedInt, boxedStr, boxedSmall, gBig}
	gClosure = makeClosure(listNodes[3], runtimeInt(42))

	h := &Holder{
		P: listNodes[4],
		S: make([]byte, 100),
		M: map[string]*Node{},
		I: newRect(7, 8, listNodes[5]),
		F: makeNodeFunc(newNode(4000, "")),
		C: make(chan *Node, 4),
	}
	holderCount++
	for i := 0; i < 3; i++ {
		h.M["hm-"+strconv.Itoa(i)] = newNode(int64(4100+i), "")
	}
	h.C <- newNode(4200, "")
	h.C <- newNode(4201, "")
	gHolder = h

	for i := 4; i >= 0; i-- {
		gGeneric = &Pair[string, *Node]{Key: "pair-" + strconv.Itoa(i*7), Val: newNode(int64(5000+i), ""), Next: gGeneric}
		pairStrCount++
	}
	for i := 2; i >= 0; i-- {
		gGenericInt = &Pair[int, int]{Key: runtimeInt(i), Val: runtimeInt(i * 100), Next: gGenericInt}
		pairIntCount++
	}

	// Tiny allocations (noscan, < 16 bytes).
	gTiny = make([]*int8, 50)
	for i := range gTiny {
		p := new(int8)
		*p = int8(i)
		gTiny[i] = p
	}
	gTinyStrs = make([]string, 35)
	for i := range gTinyStrs {
		gTinyStrs[i] = heapString(1+i%7, i)
	}

	// Finalizer: b is captured only by the finalizer closure.
	a := newNode(-100, "finalized")
	gFinalized = a
	b := newNode(-200, "only-by-finalizer")
	fin := func(x *Node) { finSink += x.Val + b.Val }
	runtime.SetFinalizer(a, fin)
	gFinOnly = uintptr(unsafe.Pointer(b))
	gFinFuncval = uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&fin)))
	gCleanupOnly, gHasCleanup = addCleanup(a)
}

// keepGlobals reads every global so none is dead-code eliminated.
//
//go:noinline
func keepGlobals() int {
	n := int(gList.Val) + len(gTree.Kids) + len(gPtrSlices) + len(gByteSlices) + len(gIntArrays)
	n += len(gStrings) + len(gMaps) + len(gStrMap) + len(gSmallMap) + len(gBigValMap) + len(gGrowing)
	n += len(gChan) + len(gChanRecvd) + len(gIntChan) + len(gIfaces) + len(gTiny) + len(gTinyStrs)
	n += len(gFuncMap) + len(gFuncSlice) + len(gGrown) + len(gTinyRecs) + len(gStatic) + len(gHandler.Name)
	if gFuncArr != nil && gFuncIface != nil && gMethod != nil && gFuncPtr != nil && gWrapIface != nil && gArr1Iface != nil && gIfaceRoot != nil {
		n++
	}
	if gIface != nil && gShape != nil && gHolder != nil && gGeneric != nil && gGenericInt != nil &&
		gBig != nil && gFinalized != nil {
		n++
	}
	if gClosure != nil {
		n += gClosure()
	}
	return n
}

// ---- the stack-only goroutine ----

// holdOnStack holds a small list that only its own frame points to, and parks
// in a channel receive.
//
//go:noinline
func holdOnStack() {
	local := newNode(-1, "stack-only")
	local.Next = newNode(-2, "stack-only-2")
	local.Next.Next = newNode(-3, "stack-only-3")
	if gNever {
		gEscape = local
	}
	gStackAddrs = [3]uintptr{uintptr(unsafe.Pointer(local)), uintptr(unsafe.Pointer(local.Next)),
		uintptr(unsafe.Pointer(local.Next.Next))}
	gHoldReady <- struct{}{}
	v := <-gHold
	local.Val += int64(v)
	runtime.KeepAlive(local)
}

// waitParked polls runtime.Stack until a goroutine running fn is blocked.
func waitParked(fn string) {
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(20 * time.Second)
	for {
		text := string(buf[:runtime.Stack(buf, true)])
		if countParked(text, fn) == 1 {
			return
		}
		if time.Now().After(deadline) {
			die("%s never parked:\n%s", fn, text)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func countParked(text, fn string) int {
	n := 0
	for _, block := range strings.Split(text, "\n\n") {
		if !strings.Contains(block, "\n"+fn+"(") {
			continue
		}
		header := block
		if i := strings.IndexByte(block, '\n'); i >= 0 {
			header = block[:i]
		}
		open, close := strings.IndexByte(header, '['), strings.IndexByte(header, ']')
		if open < 0 || close < open {
			continue
		}
		state := header[open+1 : close]
		if strings.HasPrefix(state, "running") || strings.HasPrefix(state, "runnable") || strings.HasPrefix(state, "syscall") {
			continue
		}
		n++
	}
	return n
}

// crash dereferences nil: the fault the core is made of.
//
//go:noinline
func crash(p *Node) int { return int(p.Val) }

// ---- truth ----

type object struct {
	Address string  `json:"address"`
	Type    string  `json:"type"`
	Size    uintptr `json:"size"`
	Root    string  `json:"root"`
}

type edge struct {
	From   string  `json:"from"`
	Offset uintptr `json:"offset"`
	To     string  `json:"to"`
}

type root struct {
	Address  string   `json:"address"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name,omitempty"`
	Function string   `json:"function,omitempty"`
	Variable string   `json:"variable,omitempty"`
	Offset   *uintptr `json:"offset,omitempty"`
	Object   string   `json:"object,omitempty"`
	Funcval  string   `json:"funcval,omitempty"`
}

type mapInfo struct {
	Name       string  `json:"name"`
	Address    string  `json:"address"`
	Len        int     `json:"len"`
	KeyType    string  `json:"keyType"`
	ElemType   string  `json:"elemType"`
	Impl       string  `json:"impl"`
	Growing    bool    `json:"growing"`
	SumKeys    *int64  `json:"sumKeys"`
	SumValues  *int64  `json:"sumValues"`
	HeaderSize uintptr `json:"headerSize"`
	B          *int    `json:"B,omitempty"` // classic maps: log2 of the bucket count
}

type chanInfo struct {
	Name     string   `json:"name"`
	Address  string   `json:"address"`
	Len      int      `json:"len"`
	Cap      int      `json:"cap"`
	Elems    []string `json:"elems"`
	ElemType string   `json:"elemType"`
	Buf      string   `json:"buf"`
	Recvx    int      `json:"recvx"`
	Sendx    int      `json:"sendx"`
}

type truth struct {
	GoVersion  string         `json:"goVersion"`
	Goarch     string         `json:"goarch"`
	Pid        int            `json:"pid"`
	Gomaxprocs int            `json:"gomaxprocs"`
	Objects    []object       `json:"objects"`
	Edges      []edge         `json:"edges"`
	Roots      []root         `json:"roots"`
	Maps       []mapInfo      `json:"maps"`
	Channels   []chanInfo     `json:"channels"`
	TypeCounts map[string]int `json:"typeCounts"`
	Tiny       []tinyValue    `json:"tiny"`
}

func hexs(p uintptr) string { return fmt.Sprintf("0x%x", p) }

// recorder collects objects (first root wins) and edges (each checked).
type recorder struct {
	objects []object
	seen    map[uintptr]bool
	edges   []edge
}

func (r *recorder) obj(p unsafe.Pointer, typ string, size uintptr, rootName string) {
	a := uintptr(p)
	if p == nil || r.seen[a] {
		return
	}
	r.seen[a] = true
	r.objects = append(r.objects, object{Address: hexs(a), Type: typ, Size: size, Root: rootName})
}

func (r *recorder) edge(from unsafe.Pointer, off uintptr, to unsafe.Pointer) {
	if from == nil || to == nil {
		return
	}
	if got := *(*unsafe.Pointer)(unsafe.Add(from, off)); got != to {
		die("edge %#x+%d holds %p, not %p", uintptr(from), off, got, to)
	}
	r.edges = append(r.edges, edge{From: hexs(uintptr(from)), Offset: off, To: hexs(uintptr(to))})
}

// wordHolding returns the offset of the first word of the size-byte object at
// p that holds target.
func wordHolding(p unsafe.Pointer, size uintptr, target unsafe.Pointer) uintptr {
	for off := uintptr(0); off+8 <= size; off += 8 {
		if *(*unsafe.Pointer)(unsafe.Add(p, off)) == target {
			return off
		}
	}
	die("no word of %p holds %p", p, target)
	return 0
}

func arrType(n int, elem reflect.Type) string { return fmt.Sprintf("[%d]%s", n, elem.String()) }

// addrPtr turns the address of a live object, kept as an integer so that it is
// no root, back into a pointer.
func addrPtr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

func strData(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

type eface struct{ typ, data unsafe.Pointer }

func efaceData(p *any) unsafe.Pointer { return (*eface)(unsafe.Pointer(p)).data }

var (
	nodeT     = reflect.TypeOf(Node{})
	nodePtrT  = reflect.TypeOf(&Node{})
	nodeSize  = unsafe.Sizeof(Node{})
	offNext   = unsafe.Offsetof(Node{}.Next)
	offName   = unsafe.Offsetof(Node{}.Name)
	offKids   = unsafe.Offsetof(Node{}.Kids)
	sliceSize = unsafe.Sizeof([]int(nil))
	ifaceSize = unsafe.Sizeof(any(nil))
	strSize   = unsafe.Sizeof("")
)

func (r *recorder) node(n *Node, rootName string) {
	r.obj(unsafe.Pointer(n), nodeT.String(), nodeSize, rootName)
}

func (r *recorder) describeHeap() {
	node := nodeT.String()

	// gList: every node; every 5th name; every Kids array and kid.
	for i, n := range listNodes {
		r.node(n, "main.gList")
		if i < 200 && n.Next != nil {
			r.edge(unsafe.Pointer(n), offNext, unsafe.Pointer(n.Next))
		}
		if i%5 == 0 {
			r.obj(strData(n.Name), "string", uintptr(len(n.Name)), "main.gList")
			r.edge(unsafe.Pointer(n), offName, strData(n.Name))
		}
		if len(n.Kids) > 0 {
			kids := unsafe.Pointer(unsafe.SliceData(n.Kids))
			r.obj(kids, arrType(cap(n.Kids), nodePtrT), uintptr(cap(n.Kids))*8, "main.gList")
			r.edge(unsafe.Pointer(n), offKids, kids)
			for j, k := range n.Kids {
				r.node(k, "main.gList")
				r.edge(kids, uintptr(j)*8, unsafe.Pointer(k))
			}
		}
	}

	// gBig: the Big and a sample of its Data words.
	r.obj(unsafe.Pointer(gBig), reflect.TypeOf(*gBig).String(), unsafe.Sizeof(*gBig), "main.gBig")
	for i := 0; i < len(gBig.Data); i += 50 {
		r.edge(unsafe.Pointer(gBig), uintptr(i)*8, unsafe.Pointer(gBig.Data[i]))
	}
	r.edge(unsafe.Pointer(gBig), uintptr(len(gBig.Data)-1)*8, unsafe.Pointer(gBig.Data[len(gBig.Data)-1]))

	// gTree: the top six levels (breadth first).
	level := []*Node{gTree}
	for depth := 0; depth < 6; depth++ {
		var nextLevel []*Node
		for _, n := range level {
			r.node(n, "main.gTree")
			if depth < 5 && len(n.Kids) > 0 {
				kids := unsafe.Pointer(unsafe.SliceData(n.Kids))
				r.obj(kids, arrType(cap(n.Kids), nodePtrT), uintptr(cap(n.Kids))*8, "main.gTree")
				r.edge(unsafe.Pointer(n), offKids, kids)
				for j, k := range n.Kids {
					r.edge(kids, uintptr(j)*8, unsafe.Pointer(k))
				}
				nextLevel = append(nextLevel, n.Kids...)
			}
		}
		level = nextLevel
	}

	// gPtrSlices: every backing array; first, second and last elements.
	outer := unsafe.Pointer(unsafe.SliceData(gPtrSlices))
	r.obj(outer, arrType(cap(gPtrSlices), reflect.TypeOf(gPtrSlices).Elem()), uintptr(cap(gPtrSlices))*sliceSize, "main.gPtrSlices")
	for i, s := range gPtrSlices {
		arr := unsafe.Pointer(unsafe.SliceData(s))
		r.obj(arr, arrType(cap(s), nodePtrT), uintptr(cap(s))*8, "main.gPtrSlices")
		r.edge(outer, uintptr(i)*sliceSize, arr)
		for _, j := range []int{0, 1, len(s) - 1} {
			if j >= 0 && j < len(s) && s[j] != nil {
				r.node(s[j], "main.gPtrSlices")
				r.edge(arr, uintptr(j)*8, unsafe.Pointer(s[j]))
			}
		}
	}

	// gByteSlices, gIntArrays, gStrings: every object.
	outer = unsafe.Pointer(unsafe.SliceData(gByteSlices))
	r.obj(outer, arrType(cap(gByteSlices), reflect.TypeOf(gByteSlices).Elem()), uintptr(cap(gByteSlices))*sliceSize, "main.gByteSlices")
	for i, b := range gByteSlices {
		arr := unsafe.Pointer(unsafe.SliceData(b))
		r.obj(arr, arrType(cap(b), reflect.TypeOf(b).Elem()), uintptr(cap(b)), "main.gByteSlices")
		r.edge(outer, uintptr(i)*sliceSize, arr)
	}
	outer = unsafe.Pointer(unsafe.SliceData(gIntArrays))
	r.obj(outer, arrType(cap(gIntArrays), reflect.TypeOf(gIntArrays).Elem()), uintptr(cap(gIntArrays))*ifaceSize, "main.gIntArrays")
	for i := range gIntArrays {
		t := reflect.TypeOf(gIntArrays[i]).Elem()
		p := efaceData(&gIntArrays[i])
		r.obj(p, t.String(), t.Size(), "main.gIntArrays")
		r.edge(outer, uintptr(i)*ifaceSize+8, p)
	}
	outer = unsafe.Pointer(unsafe.SliceData(gStrings))
	r.obj(outer, arrType(cap(gStrings), reflect.TypeOf(gStrings).Elem()), uintptr(cap(gStrings))*strSize, "main.gStrings")
	for i, s := range gStrings {
		r.obj(strData(s), "string", uintptr(len(s)), "main.gStrings")
		r.edge(outer, uintptr(i)*strSize, strData(s))
	}

	// Map headers (and the objects the program put in them).
	outer = unsafe.Pointer(unsafe.SliceData(gMaps))
	r.obj(outer, arrType(cap(gMaps), reflect.TypeOf(gMaps).Elem()), uintptr(cap(gMaps))*8, "main.gMaps")
	for i := range gMaps {
		h := mapHeader(unsafe.Pointer(&gMaps[i]))
		r.obj(h, reflect.TypeOf(gMaps[i]).String(), mapHeaderSize(), "main.gMaps")
		r.edge(outer, uintptr(i)*8, h)
	}
	r.obj(mapHeader(unsafe.Pointer(&gStrMap)), reflect.TypeOf(gStrMap).String(), mapHeaderSize(), "main.gStrMap")
	for k, v := range gStrMap {
		r.obj(strData(k), "string", uintptr(len(k)), "main.gStrMap")
		r.node(v, "main.gStrMap")
	}
	r.obj(mapHeader(unsafe.Pointer(&gSmallMap)), reflect.TypeOf(gSmallMap).String(), mapHeaderSize(), "main.gSmallMap")
	for _, v := range gSmallMap {
		r.obj(unsafe.Pointer(unsafe.SliceData(v)), arrType(cap(v), reflect.TypeOf(v).Elem()), uintptr(cap(v))*8, "main.gSmallMap")
	}
	r.obj(mapHeader(unsafe.Pointer(&gBigValMap)), reflect.TypeOf(gBigValMap).String(), mapHeaderSize(), "main.gBigValMap")
	r.obj(mapHeader(unsafe.Pointer(&gGrowing)), reflect.TypeOf(gGrowing).String(), mapHeaderSize(), "main.gGrowing")

	// Channels: header, buffer, queued nodes.
	hc := *(*unsafe.Pointer)(unsafe.Pointer(&gChan))
	buf := *(*unsafe.Pointer)(unsafe.Add(hc, 16))
	r.obj(hc, reflect.TypeOf(gChan).String(), hchanSize(), "main.gChan")
	r.obj(buf, arrType(cap(gChan), nodePtrT), uintptr(cap(gChan))*8, "main.gChan")
	r.edge(hc, 16, buf)
	recvx := int(*(*uint)(unsafe.Add(hc, recvxOffset())))
	for i := 0; i < len(gChan); i++ {
		slot := uintptr((recvx+i)%cap(gChan)) * 8
		p := *(*unsafe.Pointer)(unsafe.Add(buf, slot))
		r.obj(p, node, nodeSize, "main.gChan")
		r.edge(buf, slot, p)
	}
	outer = unsafe.Pointer(unsafe.SliceData(gChanRecvd))
	r.obj(outer, arrType(cap(gChanRecvd), nodePtrT), uintptr(cap(gChanRecvd))*8, "main.gChanRecvd")
	for i, n := range gChanRecvd {
		r.node(n, "main.gChanRecvd")
		r.edge(outer, uintptr(i)*8, unsafe.Pointer(n))
	}
	hi := *(*unsafe.Pointer)(unsafe.Pointer(&gIntChan))
	if *(*unsafe.Pointer)(unsafe.Add(hi, 16)) != unsafe.Add(hi, hchanSize()) {
		die("gIntChan's buffer is not right after its header (hchanSize %d?)", hchanSize())
	}
	r.obj(hi, reflect.TypeOf(gIntChan).String(), hchanSize()+uintptr(cap(gIntChan))*8, "main.gIntChan")

	// Interfaces.
	rectT := reflect.TypeOf(Rect{})
	offOwner := unsafe.Offsetof(Rect{}.Owner)
	for _, x := range []struct {
		name string
		p    *Rect
	}{{"main.gIface", gIface.(*Rect)}, {"main.gShape", gShape.(*Rect)}} {
		r.obj(unsafe.Pointer(x.p), rectT.String(), rectT.Size(), x.name)
		r.edge(unsafe.Pointer(x.p), offOwner, unsafe.Pointer(x.p.Owner))
	}
	outer = unsafe.Pointer(unsafe.SliceData(gIfaces))
	r.obj(outer, arrType(cap(gIfaces), reflect.TypeOf(gIfaces).Elem()), uintptr(cap(gIfaces))*ifaceSize, "main.gIfaces")
	for i := range gIfaces {
		p := efaceData(&gIfaces[i])
		t := reflect.TypeOf(gIfaces[i])
		switch v := gIfaces[i].(type) {
		case *Node, *Big:
			r.obj(p, t.Elem().String(), t.Elem().Size(), "main.gIfaces")
		case string:
			r.obj(p, "string", strSize, "main.gIfaces") // the boxed string header
			r.obj(strData(v), "string", uintptr(len(v)), "main.gIfaces")
			r.edge(p, 0, strData(v))
		default:
			r.obj(p, t.String(), t.Size(), "main.gIfaces")
		}
		r.edge(outer, uintptr(i)*ifaceSize+8, p)
	}

	// Closures.
	fv := *(*unsafe.Pointer)(unsafe.Pointer(&gClosure))
	r.obj(fv, "func "+funcName(fv), 24, "main.gClosure")
	r.edge(fv, wordHolding(fv, 24, unsafe.Pointer(listNodes[3])), unsafe.Pointer(listNodes[3]))

	// Holder.
	h := gHolder
	hp := unsafe.Pointer(h)
	r.obj(hp, reflect.TypeOf(*h).String(), unsafe.Sizeof(*h), "main.gHolder")
	r.edge(hp, unsafe.Offsetof(h.P), unsafe.Pointer(h.P))
	sdata := unsafe.Pointer(unsafe.SliceData(h.S))
	r.obj(sdata, arrType(cap(h.S), reflect.TypeOf(h.S).Elem()), uintptr(cap(h.S)), "main.gHolder")
	r.edge(hp, unsafe.Offsetof(h.S), sdata)
	mh := mapHeader(unsafe.Pointer(&h.M))
	r.obj(mh, reflect.TypeOf(h.M).String(), mapHeaderSize(), "main.gHolder")
	r.edge(hp, unsafe.Offsetof(h.M), mh)
	for k, v := range h.M {
		r.obj(strData(k), "string", uintptr(len(k)), "main.gHolder")
		r.node(v, "main.gHolder")
	}
	ip := efaceData(&h.I)
	r.obj(ip, rectT.String(), rectT.Size(), "main.gHolder")
	r.edge(hp, unsafe.Offsetof(h.I)+8, ip)
	r.edge(ip, offOwner, unsafe.Pointer(h.I.(*Rect).Owner))
	ffv := *(*unsafe.Pointer)(unsafe.Pointer(&h.F))
	r.obj(ffv, "func "+funcName(ffv), 16, "main.gHolder")
	r.edge(hp, unsafe.Offsetof(h.F), ffv)
	captured := *(*unsafe.Pointer)(unsafe.Add(ffv, 8))
	r.obj(captured, node, nodeSize, "main.gHolder")
	r.edge(ffv, 8, captured)
	hcc := *(*unsafe.Pointer)(unsafe.Pointer(&h.C))
	cbuf := *(*unsafe.Pointer)(unsafe.Add(hcc, 16))
	r.obj(hcc, reflect.TypeOf(h.C).String(), hchanSize(), "main.gHolder")
	r.obj(cbuf, arrType(cap(h.C), nodePtrT), uintptr(cap(h.C))*8, "main.gHolder")
	r.edge(hp, unsafe.Offsetof(h.C), hcc)
	r.edge(hcc, 16, cbuf)
	for i := 0; i < len(h.C); i++ {
		p := *(*unsafe.Pointer)(unsafe.Add(cbuf, uintptr(i)*8))
		r.obj(p, node, nodeSize, "main.gHolder")
		r.edge(cbuf, uintptr(i)*8, p)
	}

	// Generics.
	pairT := reflect.TypeOf(*gGeneric)
	for p := gGeneric; p != nil; p = p.Next {
		pp := unsafe.Pointer(p)
		r.obj(pp, pairT.String(), pairT.Size(), "main.gGeneric")
		r.obj(strData(p.Key), "string", uintptr(len(p.Key)), "main.gGeneric")
		r.node(p.Val, "main.gGeneric")
		r.edge(pp, unsafe.Offsetof(p.Key), strData(p.Key))
		r.edge(pp, unsafe.Offsetof(p.Val), unsafe.Pointer(p.Val))
		r.edge(pp, unsafe.Offsetof(p.Next), unsafe.Pointer(p.Next))
	}
	pairIntT := reflect.TypeOf(*gGenericInt)
	for p := gGenericInt; p != nil; p = p.Next {
		r.obj(unsafe.Pointer(p), pairIntT.String(), pairIntT.Size(), "main.gGenericInt")
		r.edge(unsafe.Pointer(p), unsafe.Offsetof(p.Next), unsafe.Pointer(p.Next))
	}

	// Tiny allocations.
	outer = unsafe.Pointer(unsafe.SliceData(gTiny))
	r.obj(outer, arrType(cap(gTiny), reflect.TypeOf(gTiny).Elem()), uintptr(cap(gTiny))*8, "main.gTiny")
	for i, p := range gTiny {
		r.obj(unsafe.Pointer(p), "int8", 1, "main.gTiny")
		r.edge(outer, uintptr(i)*8, unsafe.Pointer(p))
	}
	outer = unsafe.Pointer(unsafe.SliceData(gTinyStrs))
	r.obj(outer, arrType(cap(gTinyStrs), reflect.TypeOf(gTinyStrs).Elem()), uintptr(cap(gTinyStrs))*strSize, "main.gTinyStrs")
	for i, s := range gTinyStrs {
		r.obj(strData(s), "string", uintptr(len(s)), "main.gTinyStrs")
		r.edge(outer, uintptr(i)*strSize, strData(s))
	}

	// The stack-only list (its addresses are plain integers: the parked
	// goroutine's frame is what keeps it alive).
	for i, a := range gStackAddrs {
		p := addrPtr(a)
		r.obj(p, node, nodeSize, "stack:main.holdOnStack")
		if i+1 < len(gStackAddrs) {
			r.edge(p, offNext, addrPtr(gStackAddrs[i+1]))
		}
	}

	// Finalizer and cleanup.
	r.node(gFinalized, "main.gFinalized")
	fin, only := addrPtr(gFinFuncval), addrPtr(gFinOnly)
	r.obj(fin, "func "+funcName(fin), 16, "finalizer")
	r.obj(only, node, nodeSize, "finalizer")
	r.edge(fin, wordHolding(fin, 16, only), only)
	if gHasCleanup {
		r.obj(addrPtr(gCleanupOnly), node, nodeSize, "cleanup")
	}
}

func describeRoots() []root {
	var out []root
	global := func(name string, v unsafe.Pointer, off uintptr) {
		target := *(*unsafe.Pointer)(unsafe.Add(v, off))
		o := off
		out = append(out, root{Address: hexs(uintptr(target)), Kind: "global", Name: name,
			Variable: hexs(uintptr(v)), Offset: &o})
	}
	global("main.gList", unsafe.Pointer(&gList), 0)
	global("main.gTree", unsafe.Pointer(&gTree), 0)
	global("main.gPtrSlices", unsafe.Pointer(&gPtrSlices), 0)
	global("main.gByteSlices", unsafe.Pointer(&gByteSlices), 0)
	global("main.gIntArrays", unsafe.Pointer(&gIntArrays), 0)
	global("main.gStrings", unsafe.Pointer(&gStrings), 0)
	global("main.gMaps", unsafe.Pointer(&gMaps), 0)
	global("main.gStrMap", unsafe.Pointer(&gStrMap), 0)
	global("main.gSmallMap", unsafe.Pointer(&gSmallMap), 0)
	global("main.gBigValMap", unsafe.Pointer(&gBigValMap), 0)
	global("main.gGrowing", unsafe.Pointer(&gGrowing), 0)
	global("main.gChan", unsafe.Pointer(&gChan), 0)
	global("main.gChanRecvd", unsafe.Pointer(&gChanRecvd), 0)
	global("main.gIntChan", unsafe.Pointer(&gIntChan), 0)
	global("main.gIface", unsafe.Pointer(&gIface), 8)
	global("main.gShape", unsafe.Pointer(&gShape), 8)
	global("main.gIfaces", unsafe.Pointer(&gIfaces), 0)
	global("main.gClosure", unsafe.Pointer(&gClosure), 0)
	global("main.gHolder", unsafe.Pointer(&gHolder), 0)
	global("main.gGeneric", unsafe.Pointer(&gGeneric), 0)
	global("main.gGenericInt", unsafe.Pointer(&gGenericInt), 0)
	global("main.gBig", unsafe.Pointer(&gBig), 0)
	global("main.gTiny", unsafe.Pointer(&gTiny), 0)
	global("main.gTinyStrs", unsafe.Pointer(&gTinyStrs), 0)
	global("main.gFinalized", unsafe.Pointer(&gFinalized), 0)
	global("main.gIfaceRoot", unsafe.Pointer(&gIfaceRoot), 8)
	out = append(out, root{Address: hexs(gStackAddrs[0]), Kind: "stack", Function: "main.holdOnStack"})
	out = append(out, root{Address: hexs(gFinOnly), Kind: "finalizer", Object: hexs(uintptr(unsafe.Pointer(gFinalized))),
		Funcval: hexs(gFinFuncval)})
	if gHasCleanup {
		out = append(out, root{Address: hexs(gCleanupOnly), Kind: "cleanup", Object: hexs(uintptr(unsafe.Pointer(gFinalized)))})
	}
	return out
}

func i64(v int64) *int64 { return &v }

func describeMap(name string, mp unsafe.Pointer, t reflect.Type, n int, sumKeys, sumValues *int64) mapInfo {
	h := mapHeader(mp)
	if got := *(*int)(h); got != n {
		die("%s: the header's count word reads %d, len is %d", name, got, n)
	}
	m := mapInfo{Name: name, Address: hexs(uintptr(h)), Len: n, KeyType: t.Key().String(), ElemType: t.Elem().String(),
		Impl: "swiss", SumKeys: sumKeys, SumValues: sumValues, HeaderSize: mapHeaderSize()}
	if classicMaps() {
		m.Impl = "classic"
		m.Growing = classicGrowing(h)
		b := int(*(*uint8)(unsafe.Add(h, 9)))
		m.B = &b
	}
	return m
}

func describeMaps() []mapInfo {
	var out []mapInfo
	intMap := func(name string, p *map[int64]int64) {
		var sk, sv int64
		for k, v := range *p {
			sk += k
			sv += v
		}
		out = append(out, describeMap(name, unsafe.Pointer(p), reflect.TypeOf(*p), len(*p), i64(sk), i64(sv)))
	}
	for i := range gMaps {
		intMap("main.gMaps["+strconv.Itoa(i)+"]", &gMaps[i])
	}
	out = append(out, describeMap("main.gStrMap", unsafe.Pointer(&gStrMap), reflect.TypeOf(gStrMap), len(gStrMap), nil, nil))
	out = append(out, describeMap("main.gSmallMap", unsafe.Pointer(&gSmallMap), reflect.TypeOf(gSmallMap), len(gSmallMap), nil, nil))
	var sk int64
	for k := range gBigValMap {
		sk += k
	}
	out = append(out, describeMap("main.gBigValMap", unsafe.Pointer(&gBigValMap), reflect.TypeOf(gBigValMap), len(gBigValMap), i64(sk), nil))
	intMap("main.gGrowing", &gGrowing)
	out = append(out, describeMap("main.gHolder.M", unsafe.Pointer(&gHolder.M), reflect.TypeOf(gHolder.M), len(gHolder.M), nil, nil))
	return out
}

func describeChan(name string, cp unsafe.Pointer, n, c int) chanInfo {
	h := *(*unsafe.Pointer)(cp)
	if q, d := *(*uint)(h), *(*uint)(unsafe.Add(h, 8)); int(q) != n || int(d) != c {
		die("%s: hchan reads qcount %d dataqsiz %d, want %d %d", name, q, d, n, c)
	}
	buf := *(*unsafe.Pointer)(unsafe.Add(h, 16))
	recvx := int(*(*uint)(unsafe.Add(h, recvxOffset())))
	sendx := int(*(*uint)(unsafe.Add(h, recvxOffset()-8)))
	if (recvx+n)%c != sendx {
		die("%s: recvx %d + len %d != sendx %d (mod %d): wrong hchan layout?", name, recvx, n, sendx, c)
	}
	ci := chanInfo{Name: name, Address: hexs(uintptr(h)), Len: n, Cap: c, ElemType: nodePtrT.String(),
		Buf: hexs(uintptr(buf)), Recvx: recvx, Sendx: sendx}
	for i := 0; i < n; i++ {
		ci.Elems = append(ci.Elems, hexs(uintptr(*(*unsafe.Pointer)(unsafe.Add(buf, uintptr((recvx+i)%c)*8)))))
	}
	return ci
}

func describeChannels() []chanInfo {
	ch := describeChan("main.gChan", unsafe.Pointer(&gChan), len(gChan), cap(gChan))
	if ch.Recvx != 12 || ch.Sendx != 6 {
		die("gChan: recvx %d sendx %d, want 12 6", ch.Recvx, ch.Sendx)
	}
	for i, e := range ch.Elems { // receive order: the nodes sent 13th to 22nd
		if e != hexs(uintptr(unsafe.Pointer(chanNodes[12+i]))) {
			die("gChan: element %d is %s", i, e)
		}
	}
	for i, n := range gChanRecvd {
		if n != chanNodes[i] {
			die("gChan: received %d out of order", i)
		}
	}
	return []chanInfo{ch, describeChan("main.gHolder.C", unsafe.Pointer(&gHolder.C), len(gHolder.C), cap(gHolder.C))}
}

// chanNodes are the nodes sent to gChan in send order (for the self-check
// only: cleared before the final GC; the queued ones are in the channel, the
// others in gChanRecvd).
var chanNodes []*Node

func typeCounts() map[string]int {
	return map[string]int{
		nodeT.String():                            nodeCount,
		reflect.TypeOf(Big{}).String():            bigCount,
		reflect.TypeOf(Rect{}).String():           rectCount,
		reflect.TypeOf(Holder{}).String():         holderCount,
		reflect.TypeOf(*gGeneric).String():        pairStrCount,
		reflect.TypeOf(Pair[int, int]{}).String(): pairIntCount,
		reflect.TypeOf(Leaf{}).String():           leafCount,
	}
}

func appendField(b []byte, name string, v uint64, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendUint(b, v, 10)
}

// listThreads appends the thread ids of /proc/self/task to tids, sorted, using
// raw system calls into preallocated buffers so that it does not allocate.
func listThreads(tids []int) []int {
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, 0, uintptr(unsafe.Pointer(&taskPath[0])),
		syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0, 0, 0)
	if errno != 0 {
		os.Exit(4)
	}
	defer syscall.Close(int(fd))
	for {
		n, err := syscall.Getdents(int(fd), direntBuf)
		if err != nil {
			os.Exit(4)
		}
		if n <= 0 {
			break
		}
		for off := 0; off < n; {
			reclen := int(direntBuf[off+16]) | int(direntBuf[off+17])<<8
			name := direntBuf[off+19 : off+reclen]
			tid, digits := 0, 0
			for _, c := range name {
				if c < '0' || c > '9' {
					break
				}
				tid = tid*10 + int(c-'0')
				digits++
			}
			if digits > 0 && (digits == len(name) || name[digits] == 0) {
				tids = append(tids, tid)
			}
			off += reclen
		}
	}
	for i := 1; i < len(tids); i++ { // insertion sort: sort.Ints may allocate on old Go
		for j := i; j > 0 && tids[j] < tids[j-1]; j-- {
			tids[j], tids[j-1] = tids[j-1], tids[j]
		}
	}
	return tids
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func main() {
	debug.SetTraceback("crash")
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: exe TRUTH_PATH")
		os.Exit(2)
	}

	buildHeap()
	buildTyping()
	go holdOnStack()
	<-gHoldReady
	waitParked("main.holdOnStack")
	detectLeaks()
	runtime.GC()
	runtime.GC()
	sink += keepGlobals()

	var err error
	outFile, err = os.Create(os.Args[1])
	if err != nil {
		die("%v", err)
	}

	rec := &recorder{seen: map[uintptr]bool{}}
	rec.describeHeap()
	tiny := rec.describeTyping()
	t := truth{
		GoVersion:  runtime.Version(),
		Goarch:     runtime.GOARCH,
		Pid:        os.Getpid(),
		Gomaxprocs: runtime.GOMAXPROCS(0),
		Objects:    rec.objects,
		Edges:      rec.edges,
		Roots:      describeRoots(),
		Maps:       describeMaps(),
		Channels:   describeChannels(),
		TypeCounts: typeCounts(),
		Tiny:       tiny,
	}
	listNodes, chanNodes, rec = nil, nil, nil

	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(&t); err != nil {
		die("%v", err)
	}
	js := bytes.TrimRight(enc.Bytes(), "\n")
	js = js[:len(js)-1] // drop the final '}'
	outBuf = make([]byte, 0, len(js)+4096)
	outBuf = append(outBuf, js...)
	js, t, enc = nil, truth{}, bytes.Buffer{}

	// From here on: no allocation (see basics/main.go for why the loop).
	base := len(outBuf)
	for attempt := 0; ; attempt++ {
		tids0 = listThreads(tids0[:0])
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		tids = listThreads(tids[:0])
		b := append(outBuf[:base], `,"threads":[`...)
		for i, tid := range tids {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(tid), 10)
		}
		b = append(b, `],"memstats":{`...)
		b = appendField(b, "HeapAlloc", ms.HeapAlloc, true)
		b = appendField(b, "HeapObjects", ms.HeapObjects, false)
		b = appendField(b, "Mallocs", ms.Mallocs, false)
		b = appendField(b, "Frees", ms.Frees, false)
		b = appendField(b, "HeapInuse", ms.HeapInuse, false)
		b = appendField(b, "HeapSys", ms.HeapSys, false)
		b = appendField(b, "HeapIdle", ms.HeapIdle, false)
		b = appendField(b, "HeapReleased", ms.HeapReleased, false)
		b = appendField(b, "StackInuse", ms.StackInuse, false)
		b = appendField(b, "StackSys", ms.StackSys, false)
		b = appendField(b, "Sys", ms.Sys, false)
		b = appendField(b, "NumGC", uint64(ms.NumGC), false)
		b = appendField(b, "NextGC", ms.NextGC, false)
		b = appendField(b, "TotalAlloc", ms.TotalAlloc, false)
		b = append(b, '}', '}', '\n')
		outBuf = b
		if _, err := outFile.WriteAt(outBuf, 0); err != nil {
			os.Exit(4)
		}
		if err := outFile.Truncate(int64(len(outBuf))); err != nil {
			os.Exit(4)
		}
		if err := outFile.Sync(); err != nil {
			os.Exit(4)
		}
		// Accept only if nothing was allocated or freed from before the second GC to the
		// end (an object allocated after a GC's sweep is one the core counts as allocated
		// since that GC, and MemStats counts in HeapObjects; a new thread's M is one), no
		// thread started, and nothing was scavenged meanwhile.
		tids2 = listThreads(tids2[:0])
		runtime.ReadMemStats(&ms2)
		if sameInts(tids0, tids) && sameInts(tids, tids2) &&
			ms0.Mallocs == ms.Mallocs && ms0.Frees == ms.Frees &&
			ms2.Mallocs == ms.Mallocs && ms2.Frees == ms.Frees &&
			ms2.HeapIdle == ms.HeapIdle && ms2.HeapReleased == ms.HeapReleased && ms2.NumGC == ms.NumGC {
			break
		}
		if attempt == 50 {
			os.Exit(6) // the thread set never settled
		}
	}
	if err := outFile.Close(); err != nil {
		os.Exit(4)
	}

	sink += keepGlobals()
	sink += crash(nilNode)
	os.Exit(5) // not reached
}
