// Command shapes builds a Go heap of one shape and crashes into a core file, so that
// the cost of reading a heap can be measured shape by shape (see scripts/make-shape-core.sh).
//
//	./exe SHAPE N [TRUTH_PATH]
//
// N is about the number of live heap objects to build (digits, or a k/M suffix). Shapes:
//
//	list       singly linked list nodes {Next, Val}: eight lists grown in turn, joined
//	dlist      doubly linked list nodes {Next, Prev, Val, Tag}, likewise
//	lrulist    a doubly linked list linked in a random order of its nodes' addresses (an LRU
//	           list after many moves: every step goes somewhere else in memory)
//	tree       a binary search tree built by inserting random keys
//	strings    short strings made by concatenation (most in 16-byte tiny blocks or small
//	           slots), held by a []string
//	maps       small maps (1 to 8 entries) of map[int64]*Leaf and map[string]int, held by a
//	           []any; Swiss maps from Go 1.24 on, classic maps before and with noswissmap
//	anys       []any of boxed values: ints, floats, strings, small structs, pointers
//	ptrarrays  pointer arrays of every small size class ([]*Leaf of 1 to 4096 elements,
//	           about as many bytes of each size) pointing to N/2 leaves
//	bytes      []byte slices of 16 to 64 bytes, every 4096th of 256 KiB (noscan memory)
//	nesting    structs nested six deep with arrays of structs of pointers and strings
//	closures   closures capturing variables by value and by reference, held by []func() int
//	mixed      a linked list of structs, each with a short concatenated string and a 64-byte
//	           slice; every 10th with a small map, every 3rd with an interface holding a
//	           pointer to an item further down the list (the shape of issue #10)
//
// Everything hangs off globals. The heap is built with the GC off, then runtime.GC
// runs, truth.json is written ({"goVersion","shape","n","memstats":{HeapObjects,
// HeapAlloc,NumGC}}) and the program dereferences nil; with GOTRACEBACK=crash the
// runtime aborts into a core.
//
// It must build with Go 1.21 and later.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

type LNode struct {
	Next *LNode
	Val  int64
}

type DNode struct {
	Next, Prev *DNode
	Val, Tag   int64
}

type TNode struct {
	Left, Right *TNode
	Key         int64
}

type Leaf struct {
	A, B int64
}

type Small struct {
	X, Y int32
	S    string
}

type Item struct {
	Next  *Item
	Name  string
	Data  []byte
	Attrs map[string]int
	Extra any
	ID    int64
}

type Level5 struct {
	P    *Leaf
	Name string
}
type Level4 struct {
	Items [3]Level5
	Tag   string
}
type Level3 struct {
	Inner Level4
	Ptr   *Level4
}
type Level2 struct {
	A, B Level3
}
type Level1 struct {
	Deep  Level2
	Leafs []*Leaf
}
type Level0 struct {
	Top  Level1
	Next *Level0
}

var (
	gList     *LNode
	gDList    *DNode
	gTree     *TNode
	gStrings  []string
	gAnys     []any
	gPtrs     [][]*Leaf
	gBytes    [][]byte
	gNests    []*Level0
	gClosures []func() int
	gItems    *Item
	sink      int
)

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return r.s * 2685821657736338717
}
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func shuffle[T any](r *rng, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}

var words = []string{"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"}

func word(r *rng) string { return words[r.intn(len(words))] }

func build(shape string, n int, r *rng) {
	switch shape {
	case "list":
		// Eight lists grown a node at a time each in turn, as a program builds several
		// structures at once: a list's consecutive nodes are near, not adjacent.
		var heads, tails [8]*LNode
		for i := 0; i < n; i++ {
			k := i % 8
			nd := &LNode{Val: int64(i)}
			if tails[k] == nil {
				heads[k] = nd
			} else {
				tails[k].Next = nd
			}
			tails[k] = nd
		}
		for k := 7; k > 0; k-- {
			tails[k-1].Next = heads[k]
		}
		gList = heads[0]
	case "dlist":
		var heads, tails [8]*DNode
		for i := 0; i < n; i++ {
			k := i % 8
			nd := &DNode{Val: int64(i), Tag: int64(k), Prev: tails[k]}
			if tails[k] == nil {
				heads[k] = nd
			} else {
				tails[k].Next = nd
			}
			tails[k] = nd
		}
		for k := 7; k > 0; k-- {
			tails[k-1].Next = heads[k]
			heads[k].Prev = tails[k-1]
		}
		gDList = heads[0]
	case "lrulist":
		// A doubly linked list whose order has nothing to do with where its nodes are (an LRU
		// list after many moves): every step goes somewhere else in memory.
		nodes := make([]*DNode, n)
		for i := range nodes {
			nodes[i] = &DNode{Val: int64(i), Tag: int64(i & 7)}
		}
		shuffle(r, nodes)
		for i := 0; i+1 < n; i++ {
			nodes[i].Next = nodes[i+1]
			nodes[i+1].Prev = nodes[i]
		}
		gDList = nodes[0]
	case "tree":
		for i := 0; i < n; i++ {
			k := int64(r.next() >> 1)
			t := &TNode{Key: k}
			if gTree == nil {
				gTree = t
				continue
			}
			for p := gTree; ; {
				if k < p.Key {
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
	case "strings":
		gStrings = make([]string, 0, n)
		for i := 0; i < n-1; i++ {
			switch i % 3 {
			case 0:
				gStrings = append(gStrings, word(r)+strconv.Itoa(i))
			case 1:
				gStrings = append(gStrings, word(r)+"/"+word(r)+"/"+strconv.Itoa(i))
			default:
				gStrings = append(gStrings, strings.Repeat(word(r), 1+r.intn(6)))
			}
		}
	case "maps":
		// A map of 1–8 entries is a header and one group (Swiss) or one bucket
		// (classic), plus its values: about 4 objects.
		gAnys = make([]any, 0, n/4)
		for i := 0; i < n/4; i++ {
			k := 1 + r.intn(8)
			if i%2 == 0 {
				m := make(map[int64]*Leaf)
				for j := 0; j < k; j++ {
					m[int64(r.next())] = &Leaf{A: int64(j)}
				}
				gAnys = append(gAnys, m)
			} else {
				m := make(map[string]int)
				for j := 0; j < k; j++ {
					m[word(r)+strconv.Itoa(j)] = j
				}
				gAnys = append(gAnys, m)
			}
		}
	case "anys":
		gAnys = make([]any, 0, n)
		for i := 0; i < n-1; i++ {
			switch i % 6 {
			case 0:
				gAnys = append(gAnys, int64(i)*1000003)
			case 1:
				gAnys = append(gAnys, float64(i)+0.5)
			case 2:
				gAnys = append(gAnys, word(r)+strconv.Itoa(i))
			case 3:
				gAnys = append(gAnys, Small{X: int32(i), S: word(r)})
			case 4:
				gAnys = append(gAnys, &Leaf{A: int64(i)})
			default:
				gAnys = append(gAnys, [2]*Leaf{{A: 1}, nil})
			}
		}
	case "ptrarrays":
		// Arrays of every small size class, each size about as many bytes in all as the
		// others (256/k arrays of k pointers per round), pointing to shared leaves.
		sizes := []int{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096}
		leaves := make([]*Leaf, n/2)
		for i := range leaves {
			leaves[i] = &Leaf{A: int64(i)}
		}
		for made := len(leaves); made < n; {
			for _, k := range sizes {
				for c := 0; c < (256+k-1)/k && made < n; c++ {
					a := make([]*Leaf, k)
					for j := range a {
						a[j] = leaves[r.intn(len(leaves))]
					}
					gPtrs = append(gPtrs, a)
					made++
				}
			}
		}
	case "bytes":
		// Mostly short byte slices, and every 4096th one of 256 KiB: pointer-free memory the
		// GC never scans (about 100 bytes an object on average).
		for i := 0; i < n; i++ {
			size := 16 + r.intn(48)
			if i%4096 == 0 {
				size = 256 << 10
			}
			b := make([]byte, size)
			b[0] = byte(i)
			gBytes = append(gBytes, b)
		}
	case "nesting":
		// Each Level0 points to 14 objects: 6 leaves, a concatenated tag and a Level4
		// holding one more leaf under each of its two Level3s, and a []*Leaf of two.
		var prev *Level0
		for made := 0; made < n; {
			l := &Level0{Next: prev}
			for _, l3 := range []*Level3{&l.Top.Deep.A, &l.Top.Deep.B} {
				for j := range l3.Inner.Items {
					l3.Inner.Items[j] = Level5{P: &Leaf{A: int64(j)}, Name: words[j]}
				}
				l3.Inner.Tag = word(r) + strconv.Itoa(made)
				l3.Ptr = &Level4{Tag: word(r)}
				l3.Ptr.Items[0].P = &Leaf{}
				made += 7
			}
			l.Top.Leafs = []*Leaf{{A: 1}, {A: 2}}
			made += 5
			gNests = append(gNests, l)
			prev = l
		}
	case "closures":
		gClosures = make([]func() int, 0, n/2)
		for i := 0; i < n/2; i++ {
			switch i % 3 {
			case 0:
				leaf := &Leaf{A: int64(i)}
				gClosures = append(gClosures, func() int { return int(leaf.A) })
			case 1:
				name := word(r) + strconv.Itoa(i)
				count := i
				gClosures = append(gClosures, func() int { count++; return len(name) + count })
			default:
				s := Small{X: int32(i), S: word(r)}
				p := &Leaf{B: int64(i)}
				gClosures = append(gClosures, func() int { return int(s.X) + int(p.B) })
			}
		}
	case "mixed":
		// About 3.2 objects per item: the item, its string, its slice, a map every 10th
		// (header and group).
		items := n * 10 / 32
		var prev *Item
		recent := make([]*Item, 0, 1024)
		for i := 0; i < items; i++ {
			it := &Item{ID: int64(i), Next: prev}
			it.Name = word(r) + "-" + strconv.Itoa(i)
			it.Data = make([]byte, 64)
			if i%10 == 0 {
				it.Attrs = map[string]int{"a": i, "b": i + 1}
			}
			if i%3 == 0 && len(recent) > 0 {
				// A pointer back into the list: an item up to a thousand nodes down it.
				it.Extra = recent[r.intn(len(recent))]
			}
			if len(recent) < cap(recent) {
				recent = append(recent, it)
			} else {
				recent[r.intn(len(recent))] = it
			}
			prev = it
		}
		gItems = prev
	default:
		os.Stderr.WriteString("shapes: unknown shape " + shape + "\n")
		os.Exit(2)
	}
}

func parseN(s string) int {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1000000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n < 1 {
		os.Stderr.WriteString("shapes: bad N " + s + "\n")
		os.Exit(2)
	}
	return n * mult
}

//go:noinline
func crash(p *int) { *p = 1 }

func main() {
	if len(os.Args) < 3 {
		os.Stderr.WriteString("usage: shapes SHAPE N [TRUTH_PATH]\n")
		os.Exit(2)
	}
	shape, n := os.Args[1], parseN(os.Args[2])
	truthPath := "truth.json"
	if len(os.Args) > 3 {
		truthPath = os.Args[3]
	}
	debug.SetGCPercent(-1)
	r := &rng{s: 0x9E3779B97F4A7C15}
	build(shape, n, r)
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := `{"goVersion":"` + runtime.Version() + `","shape":"` + shape + `","n":` + strconv.Itoa(n) +
		`,"memstats":{"HeapObjects":` + strconv.FormatUint(ms.HeapObjects, 10) +
		`,"HeapAlloc":` + strconv.FormatUint(ms.HeapAlloc, 10) + `,"NumGC":` + strconv.FormatUint(uint64(ms.NumGC), 10) + "}}\n"
	if err := os.WriteFile(truthPath, []byte(out), 0o644); err != nil {
		panic(err)
	}
	os.Stderr.WriteString("shapes: " + shape + " n=" + strconv.Itoa(n) + " heapObjects=" + strconv.FormatUint(ms.HeapObjects, 10) + "\n")
	crash(nil)
}
