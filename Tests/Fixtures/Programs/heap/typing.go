package main

// The shapes a heap typer has to get right on every Go version (issue #10), each holding
// objects that nothing else reaches, so that their types can only come from that shape:
// closures stored anywhere (a struct field, a map value, a slice, an array, an interface, a
// method value, a heap-allocated func variable) with what they capture by value and by
// reference; values inside tiny blocks (pointed to wherever they sit in the block);
// direct-interface structs and arrays; a package-level slice literal whose array is static
// data; a map grown from empty (overflow buckets on classic maps); an interface global as a
// root; goroutines blocked forever on channels only they hold (leaked, where the runtime
// detects it).

import (
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"unsafe"
)

// Leaf is what the shapes below hold.
type Leaf struct{ A, B int64 }

// Wrap and Arr1 are pointer-shaped: an interface holds their value in its data word.
type Wrap struct{ p *Leaf }
type Arr1 [1]*Leaf

type Handler struct {
	OnEvent func(int) int
	Name    string
}

// TinyRec's targets are tiny allocations (pointer-free and under 16 bytes): the runtime
// packs several into one 16-byte block.
type TinyRec struct {
	I *int32
	J *int16
	S string
}

// Method is taken as a method value (a closure over its receiver).
func (n *Node) Method() int64 { return n.Val }

var leafCount int

//go:noinline
func newLeaf(a int64) *Leaf {
	leafCount++
	return &Leaf{A: a, B: -a}
}

var (
	gHandler   *Handler
	gFuncMap   map[string]func() int
	gFuncSlice []func() int
	gFuncArr   *[3]func() int
	gFuncIface any
	gMethod    func() int64
	gFuncPtr   *func() int
	gWrapIface any
	gArr1Iface any
	gIfaceRoot any
	gGrown     map[int64]*Leaf
	gTinyRecs  []*TinyRec
	// A package-level slice literal: its array is static data, filled in at init.
	gStatic = []*Node{newNode(901, "static"), newNode(902, "static")}

	leakedIDs [2]int64
	leakReady = make(chan struct{}, 2)
)

//go:noinline
func makeHandler(l *Leaf) *Handler {
	return &Handler{OnEvent: func(x int) int { return int(l.A) + x }, Name: "handler"}
}

//go:noinline
func makeTwoPointerFunc(l *Leaf, n *Node) func() int {
	return func() int { return int(l.A + n.Val) }
}

var counterLeaf uintptr // makeCounter's leaf, as an integer (no root)

//go:noinline
func makeCounter(l *Leaf, s string) func() int {
	count := 0 // captured by reference: the closure changes it
	counterLeaf = uintptr(unsafe.Pointer(l))
	return func() int { count++; return count + int(l.A) + len(s) }
}

//go:noinline
func makeLeafFunc(l *Leaf) func() int {
	return func() int { return int(l.B) }
}

//go:noinline
func makeFuncPtr(l *Leaf) *func() int {
	f := new(func() int)
	*f = func() int { return int(l.A) * 3 }
	return f
}

// goroutineID parses "goroutine N [" from this goroutine's own trace.
func goroutineID() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	s := strings.TrimPrefix(string(buf[:n]), "goroutine ")
	var id int64
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}

// leakForever blocks on a channel nothing else can reach.
//
//go:noinline
func leakForever(i int) {
	ch := make(chan *Leaf)
	leakedIDs[i] = goroutineID()
	leakReady <- struct{}{}
	l := <-ch
	sink += int(l.A)
}

func buildTyping() {
	gHandler = makeHandler(newLeaf(1))
	gFuncMap = map[string]func() int{"two": makeTwoPointerFunc(newLeaf(2), newNode(2, "captured"))}
	gFuncSlice = []func() int{makeCounter(newLeaf(3), heapString(20, 3))}
	gFuncArr = new([3]func() int)
	gFuncArr[1] = makeLeafFunc(newLeaf(4))
	gFuncIface = makeLeafFunc(newLeaf(5))
	gMethod = newNode(6, "method").Method
	gFuncPtr = makeFuncPtr(newLeaf(7))
	gWrapIface = Wrap{p: newLeaf(8)}
	gArr1Iface = Arr1{newLeaf(9)}
	gIfaceRoot = newLeaf(10)
	gGrown = make(map[int64]*Leaf)
	for i := 0; i < 300; i++ {
		gGrown[int64(i)*7919] = newLeaf(int64(100 + i))
	}
	for i := 0; i < 40; i++ {
		r := &TinyRec{I: new(int32), J: new(int16), S: strings.Repeat("t", 2+i%8)}
		*r.I, *r.J = int32(i), int16(-i)
		gTinyRecs = append(gTinyRecs, r)
	}
	for i := range leakedIDs {
		go leakForever(i)
		<-leakReady
	}
}

// detectLeaks asks the runtime to find leaked goroutines (Go 1.27, and Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile): their status becomes "leaked" and the crash traceback
// says so.
func detectLeaks() {
	if p := pprof.Lookup("goroutineleak"); p != nil {
		_ = p.WriteTo(io.Discard, 0)
	}
}

type tinyValue struct {
	Address string  `json:"address"`
	Type    string  `json:"type"`
	Size    uintptr `json:"size"`
}

// funcName is the name of the function a func value's closure runs.
func funcName(fv unsafe.Pointer) string {
	return runtime.FuncForPC(*(*uintptr)(fv)).Name()
}

func funcval[F any](f *F) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(f)) }

// describeTyping records the closures (typed by their function: "func main.makeHandler.func1"),
// what only they and the other shapes hold, and the values inside tiny blocks.
func (r *recorder) describeTyping() []tinyValue {
	leaf := "main.Leaf"
	leafSize := unsafe.Sizeof(Leaf{})
	closure := func(fv unsafe.Pointer, root string) {
		r.obj(fv, "func "+funcName(fv), 8, root)
	}
	// A struct field.
	fv := funcval(&gHandler.OnEvent)
	closure(fv, "main.gHandler")
	r.obj(*(*unsafe.Pointer)(unsafe.Add(fv, 8)), leaf, leafSize, "main.gHandler")
	// A map value capturing two pointers of different types.
	f := gFuncMap["two"]
	fv = funcval(&f)
	closure(fv, "main.gFuncMap")
	for off := uintptr(8); off <= 16; off += 8 {
		p := *(*unsafe.Pointer)(unsafe.Add(fv, off))
		if *(*int64)(unsafe.Add(p, unsafe.Offsetof(Leaf{}.B))) == -2 {
			r.obj(p, leaf, leafSize, "main.gFuncMap")
		} else {
			r.obj(p, "main.Node", nodeSize, "main.gFuncMap")
		}
	}
	// A slice element capturing a counter by reference, a pointer and a string.
	fv = funcval(&gFuncSlice[0])
	closure(fv, "main.gFuncSlice")
	r.obj(addrPtr(counterLeaf), leaf, leafSize, "main.gFuncSlice")
	// An array element, an interface, a method value, a heap func variable.
	fv = funcval(&gFuncArr[1])
	closure(fv, "main.gFuncArr")
	r.obj(*(*unsafe.Pointer)(unsafe.Add(fv, 8)), leaf, leafSize, "main.gFuncArr")
	fv = efaceData(&gFuncIface)
	closure(fv, "main.gFuncIface")
	r.obj(*(*unsafe.Pointer)(unsafe.Add(fv, 8)), leaf, leafSize, "main.gFuncIface")
	fv = funcval(&gMethod)
	closure(fv, "main.gMethod")
	r.obj(*(*unsafe.Pointer)(unsafe.Add(fv, 8)), "main.Node", nodeSize, "main.gMethod")
	r.obj(unsafe.Pointer(gFuncPtr), "func() int", 8, "main.gFuncPtr")
	fv = funcval(gFuncPtr)
	closure(fv, "main.gFuncPtr")
	r.obj(*(*unsafe.Pointer)(unsafe.Add(fv, 8)), leaf, leafSize, "main.gFuncPtr")
	// Direct-interface values.
	r.obj(efaceData(&gWrapIface), leaf, leafSize, "main.gWrapIface")
	r.obj(efaceData(&gArr1Iface), leaf, leafSize, "main.gArr1Iface")
	// The static slice literal's nodes, the grown map's values.
	for _, n := range gStatic {
		r.node(n, "main.gStatic")
	}
	for _, l := range gGrown {
		r.obj(unsafe.Pointer(l), leaf, leafSize, "main.gGrown")
	}
	// Tiny values: each where it sits, with its type.
	var tiny []tinyValue
	for _, t := range gTinyRecs {
		tiny = append(tiny, tinyValue{hexs(uintptr(unsafe.Pointer(t.I))), "int32", 4},
			tinyValue{hexs(uintptr(unsafe.Pointer(t.J))), "int16", 2},
			tinyValue{hexs(uintptr(strData(t.S))), "string", uintptr(len(t.S))})
	}
	return tiny
}
