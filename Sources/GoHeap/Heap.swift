import Synchronization
import GoDWARF

/// Analyses `Process.heap(precomputing:)` can compute while it builds the heap.
public struct HeapPrecomputation: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The dominator tree and every object's retained size (`dominators()`, `retainedSizes()`).
    public static let retainedSizes = HeapPrecomputation(rawValue: 1)
}

/// The Go heap of a core, reconstructed: spans, objects, pointers between them, roots and
/// what is reachable from them.
///
/// Objects are dense integer ids `0 ..< objectCount`, ordered by address, over flat arrays:
/// no per-object class instance or dictionary. An object is a heap slot as the runtime sees it
/// (for allocation-header objects the slot starts with the 8-byte type header).
///
/// ```swift
/// let heap = try process.heap()
/// print(heap.objectCount, heap.liveCount, heap.liveBytes)
/// if let id = heap.object(containing: someAddress) { print(heap.address(of: id), heap.size(of: id)) }
/// ```
public final class Heap: @unchecked Sendable {
    public let version: GoVersion
    /// Every in-use and manual span, sorted by base address.
    public let spans: [Span]
    /// Indexes into `spans` of the in-use (heap object) spans, in address order.
    let heapSpans: [Int32]
    let index: ObjectIndex

    /// Outgoing pointer edges, CSR: targets of object i are `edgeTargets[edgeStart[i] ..< edgeStart[i+1]]`.
    let edgeStart: [UInt32]
    let edgeTargets: [Int32]
    /// A scanner set up to count the pointer words the GC scans per object (`gcWorkCounts`),
    /// which few analyses ask for, in a second pass over the spans.
    let rescan: PointerScanner
    private let scanWordsCache = Mutex<[UInt32]?>(nil)
    public let roots: [Root]
    /// Live (reachable from a root) bit per object.
    let liveBits: [UInt64]
    public let liveCount: Int
    public let liveBytes: UInt64
    /// Problems met while reading; the result is partial where they say so.
    public let warnings: [Warning]
    /// Pointer words (of any object, live or not) that point into the heap at no allocated
    /// object: the source object and the word's value, at most 10,000 of them. For a live
    /// object the runtime guarantees there are none; the heap's warnings say when there are.
    public internal(set) var invalidPointers: [(from: Int32, value: UInt64)] = []
    /// How many such words there are in all.
    public internal(set) var invalidPointerCount = 0
    /// Pages of in-use spans: as the runtime counts them (`mheap_.pagesInUse`, nil when the
    /// field cannot be read) and as the spans read add up. The two are equal whenever no thread
    /// is between publishing or retiring a span and updating the count, as under the runtime's
    /// own check (`CountPagesInUse` stops the world); a core taken while a thread is inside that
    /// window (`gcore` of a live process) names the thread and the function in `midUpdate`.
    public internal(set) var pagesInUse: (runtime: UInt64?, counted: UInt64, midUpdate: String?) = (nil, 0, nil)
    /// Lazily built analyses (dominators, retained sizes, reverse edges).
    let analyses = AnalysisCache()
    /// Wall time of each phase of the build, in seconds, in order.
    public internal(set) var phaseTimes: [PhaseTime] = []
    /// Wall time of the phases that ran on another core beside typing (marking, and the dominator
    /// tree and retained sizes when precomputed), in seconds, in order.
    public internal(set) var besideTyping: [PhaseTime] = []

    public var objectCount: Int { index.objectCount }

    /// The slot size of each size class, from the binary (index 0 is the large-object class).
    public let sizeClasses: [UInt64]
    /// Every goroutine of `runtime.allgs`, dead ones included.
    public let goroutines: [Goroutine]
    /// The distinct types of the heap's objects.
    public let types: [HeapType]
    /// Index into `types` per object, -1 when unknown.
    let objectTypes: [Int32]

    /// The Go type of an object, or nil when no source typed it.
    public func type(of id: Int) -> HeapType? {
        let t = objectTypes[id]
        return t >= 0 ? types[Int(t)] : nil
    }
    /// Index into `types` of an object's type, -1 when unknown.
    public func typeIndex(of id: Int) -> Int { Int(objectTypes[id]) }

    /// Where the Go value of an object starts: 8 bytes into the slot for allocation-header objects.
    public func dataAddress(of id: Int) -> UInt64 {
        let s = span(of: id)
        return index.address(of: id) &+ (version.allocationHeaders && !s.noscan && !s.isLarge && s.elemSize > 512 ? 8 : 0)
    }

    /// Bit per object: allocated after its span was last swept (i < freeindex with a clear allocation bit).
    let freshBits: [UInt64]

    init(version: GoVersion, spans: [Span], heapSpans: [Int32], index: ObjectIndex,
         sizeClasses: [UInt64], freshBits: [UInt64], types: [HeapType], objectTypes: [Int32], goroutines: [Goroutine], edgeStart: [UInt32], edgeTargets: [Int32], rescan: PointerScanner, roots: [Root], live: Marking, warnings: [Warning]) {
        self.rescan = rescan
        self.version = version
        self.spans = spans
        self.heapSpans = heapSpans
        self.index = index
        self.freshBits = freshBits
        self.sizeClasses = sizeClasses
        self.types = types
        self.goroutines = goroutines
        self.objectTypes = objectTypes
        self.edgeStart = edgeStart
        self.edgeTargets = edgeTargets
        self.roots = roots
        self.liveBits = live.bits
        self.liveCount = live.count
        self.liveBytes = live.bytes
        self.warnings = warnings
    }

    /// The slot address of an object.
    @inline(__always) public func address(of id: Int) -> UInt64 { index.address(of: id) }
    /// The slot size of an object (its size class, or the page-rounded size of a large object).
    @inline(__always) public func size(of id: Int) -> UInt64 { index.size(ofObject: id) }
    /// The span holding an object.
    public func span(of id: Int) -> Span { spans[index.spanIndex(ofObject: id)] }
    /// Whether an object is reachable from a root.
    @inline(__always) public func isLive(_ id: Int) -> Bool { (liveBits[id >> 6] >> UInt64(id & 63)) & 1 == 1 }
    /// Whether an object was allocated after its span was last swept: after the last GC, for a swept span.
    @inline(__always) public func isAllocatedSinceSweep(_ id: Int) -> Bool {
        id >> 6 < freshBits.count && (freshBits[id >> 6] >> UInt64(id & 63)) & 1 == 1
    }

    /// The objects an object points to (each pointer word that points into an allocated object).
    public func pointers(from id: Int) -> ArraySlice<Int32> {
        edgeTargets[Int(edgeStart[id]) ..< Int(edgeStart[id + 1])]
    }
    public var edgeCount: Int { edgeTargets.count }

    /// The pointer words the GC scans in an object (its mark work).
    public func gcWork(of id: Int) -> Int {
        let w = gcWorkCounts()
        return id >= 0 && id < w.count ? Int(w[id]) : 0
    }

    /// The pointer words the GC scans in each object, by object id: counted by a second pass over
    /// the spans on first use (about as long as the pointer scan), then kept.
    public func gcWorkCounts() -> [UInt32] {
        scanWordsCache.withLock { cached in
            if let cached { return cached }
            var scanner = rescan
            scanner.scan()
            cached = scanner.scanWords
            return scanner.scanWords
        }
    }

    /// Whether the word at `offset` bytes into object `id`'s slot holds a pointer as the runtime's
    /// own metadata says — the heap bitmap (Go 1.21), the span's bitmap, the allocation header's
    /// type or the large span's type (Go 1.22+) — or nil when that cannot be read or the offset
    /// is outside the slot. This is what the GC scans, whatever type the SDK gave the object.
    public func isPointerWord(_ id: Int, offset: UInt64) -> Bool? {
        guard id >= 0, id < objectCount, offset % 8 == 0, offset < size(of: id),
              let mask = rescan.pointerMask(of: id, covering: offset &+ 8) else { return nil }
        let w = Int(offset / 8)
        guard w / 64 < mask.count else { return nil }
        return (mask[w / 64] >> UInt64(w % 64)) & 1 == 1
    }

    /// Calls `body` for each heap span with objects, in address order: the span's object ids,
    /// their slot size and the span's index into `spans`.
    func forEachSpan(_ body: (Range<Int>, UInt64, Int) -> Void) {
        for p in heapSpans.indices {
            let first = Int(index.heapFirst[p]), end = Int(index.heapFirst[p + 1])
            if end > first { body(first ..< end, index.geometry[Int(heapSpans[p])].elemSize, Int(heapSpans[p])) }
        }
    }

    /// Objects and bytes as of the last GC, as `MemStats.HeapObjects` and `HeapAlloc` count them
    /// right after it: every allocated object but those allocated since their span was swept.
    public var statsAtLastGC: (objects: Int, bytes: UInt64) {
        var n = 0, b: UInt64 = 0
        forEachSpan { ids, size, _ in
            for id in ids where !isAllocatedSinceSweep(id) { n += 1; b &+= size }
        }
        return (n, b)
    }

    /// Total bytes of all allocated objects (as `MemStats.HeapAlloc` counts them).
    public var allocatedBytes: UInt64 {
        var total: UInt64 = 0
        for s in heapSpans { let sp = spans[Int(s)]; total &+= UInt64(sp.objectCount) &* sp.elemSize }
        return total
    }

    /// The object whose slot contains `address` (interior pointers included): O(1) through the
    /// page table, plus a search among the objects of a span with free slots.
    public func object(containing address: UInt64) -> Int? { index.object(containing: address) }

    /// What marking found: a live bit per object, and the count and slot bytes of the live objects.
    struct Marking { var bits: [UInt64]; var count: Int; var bytes: UInt64 }

    /// Marks from the roots over the CSR edges, iteratively (depth first, an explicit stack).
    static func mark(roots: [Root], edgeStart: [UInt32], edgeTargets: [Int32], objectCount: Int,
                     size: (Int) -> UInt64) -> Marking {
        var bits = [UInt64](repeating: 0, count: (objectCount + 63) / 64)
        var stack: [Int32] = []
        stack.reserveCapacity(1 << 16)
        var count = 0
        var bytes: UInt64 = 0
        guard edgeStart.count == objectCount + 1 else { return Marking(bits: bits, count: 0, bytes: 0) }
        bits.withUnsafeMutableBufferPointer { bits in
            edgeStart.withUnsafeBufferPointer { starts in
                edgeTargets.withUnsafeBufferPointer { targets in
                    for r in roots where r.object >= 0 && Int(r.object) < objectCount {
                        let i = Int(r.object)
                        let b = UInt64(1) << UInt64(i & 63)
                        if bits[i >> 6] & b == 0 { bits[i >> 6] |= b; stack.append(r.object) }
                    }
                    while let t = stack.popLast() {
                        let i = Int(t)
                        count &+= 1
                        bytes &+= size(i)
                        var e = Int(starts[i])
                        let end = min(Int(starts[i &+ 1]), targets.count)
                        while e < end {
                            let j = Int(targets[e])
                            e &+= 1
                            guard j >= 0, j < objectCount else { continue }
                            let b = UInt64(1) << UInt64(j & 63)
                            if bits[j >> 6] & b == 0 { bits[j >> 6] |= b; stack.append(Int32(j)) }
                        }
                    }
                }
            }
        }
        return Marking(bits: bits, count: count, bytes: bytes)
    }
}
