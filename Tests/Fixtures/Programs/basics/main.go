// Command basics is the ground-truth fixture for heapview/GoHeap.
//
// It builds known state (globals of many kinds, goroutines parked in distinct
// ways, a chain of calls whose PCs it records), writes what the runtime itself
// knows about that state to a JSON "truth" file, then crashes with a nil-pointer
// dereference so that (with GOTRACEBACK=crash and `ulimit -c unlimited`) the
// kernel writes a core file whose contents the truth describes.
//
//	./exe TRUTH_PATH
//
// It must build with every Go toolchain of scripts/versions.sh (1.21 and up),
// so it keeps to the Go 1.21 language and standard library.
//
// The order of the last steps matters: the truth (minus threads and memstats)
// is encoded first; then runtime.GC and runtime.ReadMemStats run, the thread ids
// are listed with raw system calls, and both are appended into a preallocated
// buffer without allocating, written to a file opened before the GC, and the
// process crashes. All of that is redone (with two GCs, MemStats read after
// each and once more after the write) until nothing was allocated or freed from
// before the second GC to the end, the thread set did not change and nothing was
// scavenged. Nothing the truth describes changes after it is written,
// except by the runtime's own panic path (which allocates the panic message
// string, one small object).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Point is the struct type of the linked globals.
type Point struct {
	X, Y int
	Name string
	Next *Point
}

// Globals the truth describes. All are read by keepGlobals so the linker keeps them.
var (
	gInt       int = 42
	gInt64     int64
	gUint8     uint8 = 200
	gFloat     float64
	gBool      bool
	gString    string = "hello, heapview"
	gDynString string
	gSlice     []int
	gBytes     [16]byte
	gPoint     *Point
	gIface     any
	gMap       map[string]int
	gFunc      func(int) int
)

// An unsafe view wider than the object it points to (as code that casts a small buffer to a
// big array type does): gWideView, a global, points as *wideView (64 bytes) at a 16-byte
// object whose own type, [2]int64, is only known one pointer further down, through
// gNarrowHolder. A reader must not give the object the type that cannot fit in it.
type wideView struct{ W [8]int64 }

type narrowHolder struct{ P *[2]int64 }

var (
	gWideView     *wideView
	gNarrowHolder *narrowHolder
)

// Synchronisation objects the parked goroutines block on.
var (
	chRecv   = make(chan int)
	chSelA   = make(chan int)
	chSelB   = make(chan string)
	chLocked = make(chan struct{})
	gMu      sync.Mutex
	gWG      sync.WaitGroup
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
	nilPoint  *Point
	gCallers  []uintptr
)

//go:noinline
func makeAdder(k int) func(int) int {
	return func(x int) int { return x*k + 1 }
}

//go:noinline
func initGlobals() {
	gInt64 = -1234567890123
	gFloat = 3.25
	gBool = true
	gDynString = strings.Repeat("heap", 8) + "-dynamic" // 40 bytes, on the heap
	gSlice = make([]int, 7, 10)
	for i := range gSlice {
		gSlice[i] = i*i + 1
	}
	for i := 0; i < len(gBytes); i++ {
		gBytes[i] = byte(i)
	}
	second := &Point{X: 3, Y: 4, Name: "second"}
	gPoint = &Point{X: 1, Y: 2, Name: "first", Next: second}
	gIface = &Point{X: 5, Y: 6, Name: "iface"}
	gMap = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
	local := gInt
	gFunc = makeAdder(local)
	narrow := &[2]int64{7, 8}
	gNarrowHolder = &narrowHolder{P: narrow}
	gWideView = (*wideView)(unsafe.Pointer(narrow))
}

// keepGlobals reads every global so none is dead-code eliminated.
//
//go:noinline
func keepGlobals() int {
	n := gInt + int(gInt64) + int(gUint8) + int(gFloat)
	if gBool {
		n++
	}
	n += len(gString) + len(gDynString) + len(gSlice) + int(gBytes[3])
	if gPoint != nil {
		n += gPoint.X
	}
	if gIface != nil {
		n++
	}
	if gWideView != nil && gNarrowHolder != nil {
		n += int(gNarrowHolder.P[1])
	}
	n += len(gMap)
	if gFunc != nil {
		n += gFunc(1)
	}
	return n
}

// ---- parked goroutines ----

//go:noinline
func parkChanRecv() { sink += <-chRecv }

//go:noinline
func parkSelect() {
	select {
	case v := <-chSelA:
		sink += v
	case s := <-chSelB:
		sink += len(s)
	}
}

//go:noinline
func parkSleep() { time.Sleep(time.Hour) }

//go:noinline
func parkMutex() {
	gMu.Lock() // main holds it forever
	sink++
	gMu.Unlock()
}

//go:noinline
func parkWaitGroup() { gWG.Wait() }

//go:noinline
func parkLocked() {
	runtime.LockOSThread()
	<-chLocked
	sink++
}

// LPair is a generic type held by a local of parkLocals.
type LPair[K comparable, V any] struct {
	Key K
	Val V
}

var chLocals = make(chan int)

// parkLocals blocks with locals of many kinds live across the receive, so they sit
// in its frame where the core can show them; localsTruth records their values.
//
//go:noinline
func parkLocals() {
	s := strings.Repeat("loc", 4) + "-string"
	n := int64(len(s))*1000 + 7 + int64(gInt-42) // not a constant: gInt is 42 at run time
	p := &Point{X: 11, Y: 22, Name: "local-point"}
	sl := []int{3, 1, 4, 1, 5}
	var i any = p
	var iv any = len(s) * 5
	g := LPair[string, int]{Key: "key", Val: 5}
	f := func() int { return p.X + 1 }
	<-chLocals
	// Their addresses are taken, so each local lives whole in its frame slot.
	useLocals(&s, &n, &p, &sl, &i, &iv, &g, &f)
}

//go:noinline
func useLocals(s *string, n *int64, p **Point, sl *[]int, i, iv *any, g *LPair[string, int], f *func() int) {
	sink += len(*s) + int(*n) + (*p).X + len(*sl) + (*f)() + g.Val + len(g.Key)
	if *i == nil || *iv == nil {
		sink++
	}
}

func localsTruth() []map[string]any {
	fn := "main.parkLocals"
	return []map[string]any{
		{"function": fn, "name": "s", "kind": "string", "string": "locloclocloc-string"},
		{"function": fn, "name": "p", "kind": "ptr", "fields": map[string]any{"X": 11, "Y": 22, "Name": "local-point"}},
		{"function": fn, "name": "sl", "kind": "slice", "ints": []int{3, 1, 4, 1, 5}},
		{"function": fn, "name": "i", "kind": "interface", "dynamicType": "*main.Point"},
		{"function": fn, "name": "iv", "kind": "interface", "dynamicType": "int", "int": 19 * 5},
		{"function": fn, "name": "g", "kind": "struct", "type": "main.LPair[string,int]", "fields": map[string]any{"Key": "key", "Val": 5}},
	}
}

// parkLabeled blocks inside pprof.Do, so its goroutine carries profiler labels.
//
//go:noinline
func parkLabeled() {
	pprof.Do(context.Background(), pprof.Labels("worker", "w1", "job", "42"), func(context.Context) {
		<-chLocals
	})
}

// parkers maps each parking function to how many goroutines run it.
var parkers = []struct {
	name  string
	count int
}{
	{"main.parkChanRecv", 1},
	{"main.parkSelect", 1},
	{"main.parkSleep", 1},
	{"main.parkMutex", 1},
	{"main.parkWaitGroup", 1},
	{"main.parkLocked", 3},
	{"main.parkLocals", 1},
	{"main.parkLabeled", 1},
}

func startParkers() {
	gMu.Lock()
	gWG.Add(1)
	go parkChanRecv()
	go parkSelect()
	go parkSleep()
	go parkMutex()
	go parkWaitGroup()
	for i := 0; i < 3; i++ {
		go parkLocked()
	}
	go parkLocals()
	go parkLabeled()
}

// waitParked polls runtime.Stack until every parking goroutine is blocked
// (state neither running, runnable nor in a syscall). Bounded: fails after 20s.
func waitParked() string {
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(20 * time.Second)
	for {
		text := string(buf[:runtime.Stack(buf, true)])
		missing := ""
		for _, p := range parkers {
			if n := countParked(text, p.name); n != p.count {
				missing += fmt.Sprintf(" %s(%d/%d)", p.name, n, p.count)
			}
		}
		if missing == "" {
			return text
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "basics: goroutines not parked:%s\n%s\n", missing, text)
			os.Exit(3)
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

// ---- function PCs ----

//go:noinline
func level1() int { return level2() + 1 }

//go:noinline
func level2() int { return level3() + 1 }

//go:noinline
func level3() int {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(0, pcs)
	gCallers = pcs[:n]
	return n
}

// crash dereferences nil: the fault the core is made of.
//
//go:noinline
func crash(p *Point) int { return p.X }

// ---- truth ----

type caller struct {
	PC       string `json:"pc"`
	LookupPC string `json:"lookupPC"`
	Function string `json:"function"`
	Entry    string `json:"entry"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

type function struct {
	Name      string `json:"name"`
	Entry     string `json:"entry"`
	FuncForPC string `json:"funcForPC"`
}

type goroutines struct {
	Count  int    `json:"count"`
	Stacks string `json:"stacks"`
}

type truth struct {
	GoVersion  string           `json:"goVersion"`
	Goarch     string           `json:"goarch"`
	Pid        int              `json:"pid"`
	Gomaxprocs int              `json:"gomaxprocs"`
	Globals    []map[string]any `json:"globals"`
	Callers    []caller         `json:"callers"`
	Functions  []function       `json:"functions"`
	Goroutines goroutines       `json:"goroutines"`
	Crash      map[string]any   `json:"crash"`
	Locals     []map[string]any `json:"locals"`
	Labels     []map[string]any `json:"labels"`
}

func hexs(p uintptr) string       { return fmt.Sprintf("0x%x", p) }
func ptr(p unsafe.Pointer) string { return hexs(uintptr(p)) }

type eface struct{ typ, data unsafe.Pointer }

func global(name, kind string, addr unsafe.Pointer, size uintptr, extra map[string]any) map[string]any {
	g := map[string]any{"name": name, "kind": kind, "address": ptr(addr), "size": size}
	for k, v := range extra {
		g[k] = v
	}
	return g
}

func pointFields(p *Point) map[string]any {
	return map[string]any{"X": p.X, "Y": p.Y, "Name": p.Name, "Next": ptr(unsafe.Pointer(p.Next))}
}

func describeGlobals() []map[string]any {
	ints := make([]int, len(gSlice))
	copy(ints, gSlice)
	bs := make([]int, len(gBytes))
	for i, b := range gBytes {
		bs[i] = int(b)
	}
	entries := map[string]int{}
	for k, v := range gMap {
		entries[k] = v
	}
	iface := (*eface)(unsafe.Pointer(&gIface))
	funcval := *(*unsafe.Pointer)(unsafe.Pointer(&gFunc))
	code := *(*uintptr)(funcval)
	fnName := ""
	if f := runtime.FuncForPC(code); f != nil {
		fnName = f.Name()
	}
	return []map[string]any{
		global("main.gInt", "int", unsafe.Pointer(&gInt), unsafe.Sizeof(gInt), map[string]any{"int": gInt}),
		global("main.gInt64", "int64", unsafe.Pointer(&gInt64), unsafe.Sizeof(gInt64), map[string]any{"int": gInt64}),
		global("main.gUint8", "uint8", unsafe.Pointer(&gUint8), unsafe.Sizeof(gUint8), map[string]any{"uint": gUint8}),
		global("main.gFloat", "float64", unsafe.Pointer(&gFloat), unsafe.Sizeof(gFloat), map[string]any{"float": gFloat}),
		global("main.gBool", "bool", unsafe.Pointer(&gBool), unsafe.Sizeof(gBool), map[string]any{"bool": gBool}),
		global("main.gString", "string", unsafe.Pointer(&gString), unsafe.Sizeof(gString), map[string]any{
			"data": ptr(unsafe.Pointer(unsafe.StringData(gString))), "len": len(gString), "string": gString}),
		global("main.gDynString", "string", unsafe.Pointer(&gDynString), unsafe.Sizeof(gDynString), map[string]any{
			"data": ptr(unsafe.Pointer(unsafe.StringData(gDynString))), "len": len(gDynString), "string": gDynString}),
		global("main.gSlice", "slice", unsafe.Pointer(&gSlice), unsafe.Sizeof(gSlice), map[string]any{
			"data": ptr(unsafe.Pointer(unsafe.SliceData(gSlice))), "len": len(gSlice), "cap": cap(gSlice), "ints": ints}),
		global("main.gBytes", "array", unsafe.Pointer(&gBytes), unsafe.Sizeof(gBytes), map[string]any{"bytes": bs}),
		global("main.gPoint", "ptr", unsafe.Pointer(&gPoint), unsafe.Sizeof(gPoint), map[string]any{
			"target": ptr(unsafe.Pointer(gPoint)), "fields": pointFields(gPoint), "nextFields": pointFields(gPoint.Next)}),
		global("main.gIface", "interface", unsafe.Pointer(&gIface), unsafe.Sizeof(gIface), map[string]any{
			"data": ptr(iface.data), "type": ptr(iface.typ), "dynamicType": fmt.Sprintf("%T", gIface),
			"fields": pointFields(gIface.(*Point))}),
		global("main.gMap", "map", unsafe.Pointer(&gMap), unsafe.Sizeof(gMap), map[string]any{
			"target": ptr(*(*unsafe.Pointer)(unsafe.Pointer(&gMap))), "len": len(gMap), "entries": entries}),
		global("main.gFunc", "func", unsafe.Pointer(&gFunc), unsafe.Sizeof(gFunc), map[string]any{
			"target": ptr(funcval), "code": hexs(code), "codeFunction": fnName}),
	}
}

func describeCallers() []caller {
	out := make([]caller, 0, len(gCallers))
	for _, pc := range gCallers {
		c := caller{PC: hexs(pc), LookupPC: hexs(pc - 1)}
		if f := runtime.FuncForPC(pc - 1); f != nil {
			c.Function = f.Name()
			c.Entry = hexs(f.Entry())
			c.File, c.Line = f.FileLine(pc - 1)
		}
		out = append(out, c)
	}
	return out
}

func describeFunctions() []function {
	fns := []struct {
		name string
		fn   any
	}{
		{"main.main", main},
		{"main.level1", level1},
		{"main.level2", level2},
		{"main.level3", level3},
		{"main.crash", crash},
		{"runtime.GC", runtime.GC},
		{"fmt.Sprintf", fmt.Sprintf},
		{"strings.Repeat", strings.Repeat},
	}
	out := make([]function, 0, len(fns))
	for _, f := range fns {
		entry := reflect.ValueOf(f.fn).Pointer()
		name := ""
		if rf := runtime.FuncForPC(entry); rf != nil {
			name = rf.Name()
		}
		out = append(out, function{Name: f.name, Entry: hexs(entry), FuncForPC: name})
	}
	return out
}

// listThreads appends the thread ids of /proc/self/task to tids, sorted, using
// raw system calls into preallocated buffers so that it does not allocate: it
// runs after the final GC, just before the truth is written.
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

func appendField(b []byte, name string, v uint64, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendUint(b, v, 10)
}

func main() {
	debug.SetTraceback("crash")
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: exe TRUTH_PATH")
		os.Exit(2)
	}

	initGlobals()
	startParkers()
	level1()
	waitParked()
	// Let the GC start whatever threads and worker goroutines it needs now,
	// so the thread list below is still right when the core is written.
	runtime.GC()
	runtime.GC()
	sink += keepGlobals()

	var err error
	outFile, err = os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "basics:", err)
		os.Exit(3)
	}

	buf := make([]byte, 1<<20)
	t := truth{
		GoVersion:  runtime.Version(),
		Goarch:     runtime.GOARCH,
		Pid:        os.Getpid(),
		Gomaxprocs: runtime.GOMAXPROCS(0),
		Globals:    describeGlobals(),
		Callers:    describeCallers(),
		Functions:  describeFunctions(),
		Crash:      map[string]any{"function": "main.crash"},
		Locals:     localsTruth(),
		Labels:     []map[string]any{{"function": "main.parkLabeled", "labels": map[string]string{"worker": "w1", "job": "42"}}},
	}
	t.Goroutines.Count = runtime.NumGoroutine()
	t.Goroutines.Stacks = string(buf[:runtime.Stack(buf, true)])

	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(&t); err != nil {
		fmt.Fprintln(os.Stderr, "basics:", err)
		os.Exit(3)
	}
	js := bytes.TrimRight(enc.Bytes(), "\n")
	js = js[:len(js)-1] // drop the final '}'
	outBuf = make([]byte, 0, len(js)+4096)
	outBuf = append(outBuf, js...)
	js, buf, t, enc = nil, nil, truth{}, bytes.Buffer{}

	// From here on: no allocation. The tail (memstats and threads) is appended
	// into the preallocated buffer. Starting a thread allocates (the runtime's m
	// and g0), and the runtime may start one late (e.g. when ReadMemStats starts
	// the world again, or a P is handed off during the write), so: collect,
	// write, list the threads again, and redo it all if they changed.
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
	sink += crash(nilPoint)
	os.Exit(5) // not reached
}
