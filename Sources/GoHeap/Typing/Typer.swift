import CSupport
import GoCore
import GoDWARF

/// Gives heap objects their Go types.
///
/// Sources, by confidence: a runtime type the heap stores (the allocation header or `largeType`,
/// Go 1.22+, or an interface's type word) is trusted most; then the DWARF types of globals, then
/// those of stack frames. What a typed value points to inherits its confidence less one
/// (a container that knows the length — a slice's cap, a channel's buffer size, a map's bucket
/// or group count — passes it on undiminished and fixes the element count). A higher
/// confidence replaces a lower one and re-walks the object, so a type learnt late from a better
/// source corrects what a weaker path guessed; the most trusted work is done first
/// (``WorkQueue``), so that seldom happens.
///
/// Typed objects are walked with their DWARF type, so types flow from the roots through
/// pointers, slices, strings, interfaces, maps (buckets, Swiss directories, tables, groups),
/// channels and closures. What no source reaches stays untyped and is reported as unknown.
///
/// The typer is split by concept: the per-type table (``TypeShapes``), the per-object state
/// (``TypeAssignments``), the work list (``WorkQueue``), offers and their application
/// (`Typer+Offers.swift`), and one walker per shape of Go value: struct leaves, interfaces,
/// classic and Swiss maps, channels, closures, tiny blocks, the standard library's unsafe
/// idioms, and the seeds (`Typer+Seeds.swift`).
struct Typer {
    let dwarf: DWARFFile
    let mem: AddressSpace
    let runtimeTypes: RuntimeTypeReader
    let spans: [Span]
    let heapSpans: [Int32]
    let index: ObjectIndex
    /// Per span index: bytes of allocation header before each Go value, and the value's size.
    let spanDataOffset: [UInt64]
    let spanDataSize: [UInt64]
    let headers: Bool
    let typesBase: UInt64
    let bias: UInt64
    let core: Core

    var shapes: TypeShapes
    var states: TypeAssignments
    var queue = WorkQueue()
    /// Offers made and not yet applied (see `Typer+Offers.swift`).
    var pending = PendingOffers()
    var ifaceCache = [IfaceMeaning](repeating: IfaceMeaning(typ: 0, action: .nothing, type: -1), count: Typer.ifaceCacheSize)
    var shapeless: [String: TypeID]?
    /// The last core piece read (see `word`).
    var pieceStart: UInt64 = 0, pieceEnd: UInt64 = 0
    var pieceBase: UnsafeRawPointer?
    /// The piece used before the last: reads alternate between the heap and the runtime's
    /// off-heap memory (itabs, types), which would otherwise search the pieces at every switch.
    var otherStart: UInt64 = 0, otherEnd: UInt64 = 0
    var otherBase: UnsafeRawPointer?
    let pointerBits: PointerBits
    let greenTea: Bool
    let sizeClasses: [UInt64]
    /// Whether closure functions' DWARF gives each captured variable's offset (Go 1.23+).
    let closureOffsets: Bool
    /// Per closure function (its entry): its record type, -1 none.
    var closureRecords: [UInt64: Int32] = [:]
    var closureCatalog: ClosureCatalog?
    /// Per shape index: the idiom types resolved (`Typer+Idioms.swift`).
    var idioms: [Idiom] = []
    /// Per shape index: the hash-trie node views resolved (`downcast`).
    var nodeViews: [NodeView?] = []
    var closureCache = [(pc: UInt64, type: Int32)](repeating: (0, -1), count: 512)
    /// The executable's data and bss and the goroutine stacks (runtime addresses, sorted, not
    /// overlapping), and the values walked in them.
    var staticRanges: [(start: UInt64, end: UInt64)]
    var staticSeen = Set<UInt64>()
    var staticDepth = 0
    /// Runtime struct types' fields, read once (see `Typer+RuntimeTypes`).
    var runtimeStructFields: [UInt64: [(offset: UInt64, type: UInt64)]] = [:]
    let itabType: UInt64
    let hchanBuf: UInt64?, hchanSize: UInt64?, hchanElemSize: UInt64?, hchanCount: UInt64?
    let hchanQcount: UInt64?, hchanClosed: UInt64?, hchanElemtype: UInt64?

    init(process: Process, dwarf: DWARFFile, runtimeTypes: RuntimeTypeReader, spans: [Span], heapSpans: [Int32],
         index: ObjectIndex, version: GoVersion, typesBase: UInt64, pointerBits: PointerBits, sizeClasses: [UInt64]) {
        self.pointerBits = pointerBits
        self.sizeClasses = sizeClasses
        greenTea = version.greenTea
        closureOffsets = version.atLeast(23)
        self.index = index
        self.dwarf = dwarf
        self.mem = process.core.memory
        self.runtimeTypes = runtimeTypes
        self.spans = spans
        self.heapSpans = heapSpans
        let headerBytes: (Span) -> UInt64 = { s in version.allocationHeaders && !s.noscan && !s.isLarge && s.elemSize > 512 ? 8 : 0 }
        spanDataOffset = spans.map(headerBytes)
        spanDataSize = spans.map { s in
            s.isLarge ? (s.limit > s.base ? s.limit &- s.base : s.elemSize) : s.elemSize &- headerBytes(s)
        }
        self.headers = version.allocationHeaders
        self.typesBase = typesBase
        self.bias = process.core.loadBias
        self.core = process.core
        let bias = process.core.loadBias
        staticRanges = process.core.executable.sections.filter { $0.name == ".data" || $0.name == ".bss" }
            .map { (start: $0.address &+ bias, end: $0.address &+ bias &+ $0.size) }
        shapes = TypeShapes(dwarf: dwarf)
        states = TypeAssignments(objects: index.objectCount)
        let itab = (try? StructLayout(dwarf, "internal/abi.ITab")) ?? (try? StructLayout(dwarf, "runtime.itab"))
        itabType = (try? itab?.offset("Type")) ?? (try? itab?.offset("_type")) ?? 8
        let hchan = try? StructLayout(dwarf, "runtime.hchan")
        hchanBuf = try? hchan?.offset("buf")
        hchanSize = hchan?.size
        hchanElemSize = try? hchan?.offset("elemsize")
        hchanCount = try? hchan?.offset("dataqsiz")
        hchanQcount = try? hchan?.offset("qcount")
        hchanClosed = try? hchan?.offset("closed")
        hchanElemtype = try? hchan?.offset("elemtype")
    }

    // MARK: results

    var heapTypes: [HeapType] { states.heapTypes }
    /// Every object's heap type index (-1: untyped).
    func objectTypes() -> [Int32] { states.types }

    // MARK: objects

    func object(_ p: UInt64) -> Int? { index.object(containing: p) }
    @inline(__always) func span(_ id: Int) -> Span { spans[index.spanIndex(ofObject: id)] }
    /// Where the Go value starts: after the 8-byte type header for header objects.
    @inline(__always) func dataStart(_ id: Int) -> UInt64 { index.address(of: id) &+ spanDataOffset[index.spanIndex(ofObject: id)] }
    /// The Go value's size: the slot less its header, or a large object's requested size.
    @inline(__always) func dataSize(_ id: Int) -> UInt64 { spanDataSize[index.spanIndex(ofObject: id)] }

    // MARK: the run

    /// Seeds in order of trust, draining the work list after each: runtime types, globals, then
    /// goroutine stack frames (whose dead slots may hold stale pointers, so they come last).
    ///
    /// What no seed reaches is then looked at object by object (interface words in it, arrays
    /// of what points into it): only the live objects, once `live` gives the live set (its bits
    /// by object id; nil: every object). Dead objects keep the types their headers, their spans
    /// or typed objects give them; sniffing millions of them for interface words cost more than
    /// the whole walk on real programs.
    mutating func run(goroutines: [Goroutine], threadOf: (Goroutine) -> Thread?, closures: [(fn: UInt64, argument: UInt64)],
                      live: () -> [UInt64]? = { nil }, unnamedGlobalSlots: [UInt64] = []) {
        addStackRanges(goroutines)
        seedRuntimeTypes()
        drain()
        seedGlobals()
        drain()
        seedClosures(closures)
        drain()
        seedStacks(goroutines, threadOf: threadOf)
        drain()
        seedAllocations(goroutines, threadOf: threadOf)
        drain()
        seedUnnamedPools(unnamedGlobalSlots)
        drain()
        var untyped: [Int32] = []
        if let bits = live(), bits.count >= (index.objectCount + 63) / 64 {
            for id in 0 ..< index.objectCount where states.type(id) < 0 && (bits[id >> 6] >> UInt64(id & 63)) & 1 == 1 {
                untyped.append(Int32(truncatingIfNeeded: id))
            }
        } else {
            for id in 0 ..< index.objectCount where states.type(id) < 0 { untyped.append(Int32(truncatingIfNeeded: id)) }
        }
        for _ in 0..<3 {
            guard sniffInterfaces(untyped) > 0 else { break }
            drain()
            untyped.removeAll { states.type(Int($0)) >= 0 }
        }
        for _ in 0..<3 {
            guard inferArrays(untyped) > 0 else { break }
            drain()
            untyped.removeAll { states.type(Int($0)) >= 0 }
        }
    }

    /// Walks the work list until it is empty. Objects wait in a small ring between leaving the
    /// list and being walked, so that the memory of the next few is loading (prefetched) while
    /// one is walked; the order stays deterministic.
    mutating func drain() {
        let empty = WorkQueue.Item(p: 0, id: 0, span: 0, confidence: 0)
        var ring = (empty, empty, empty, empty, empty, empty, empty, empty)
        let stride = MemoryLayout<WorkQueue.Item>.stride
        var head = 0, count = 0
        var steps = 0
        while steps < 1 << 31 {
            while count < 8, let item = queue.pop() {
                prefetch(item.p)
                states.prefetchBoth(Int(item.id))
                withUnsafeMutableBytes(of: &ring) {
                    $0.storeBytes(of: item, toByteOffset: ((head &+ count) & 7) &* stride, as: WorkQueue.Item.self)
                }
                count &+= 1
            }
            guard count > 0 else {
                // Nothing left to walk: the waiting offers may give more.
                guard pending.count > 0 else { break }
                applyPending()
                continue
            }
            let item = withUnsafeBytes(of: &ring) { $0.load(fromByteOffset: head &* stride, as: WorkQueue.Item.self) }
            head = (head &+ 1) & 7
            count &-= 1
            steps += 1
            walk(item)
        }
    }

    /// Walks one object with its type, unless it was raised to a higher confidence since it was
    /// queued (it is queued again at that level).
    @inline(__always) mutating func walk(_ item: WorkQueue.Item) {
        let id = Int(item.id), p = item.p, c = item.confidence
        guard states.confidence(id) == c else { return }
        let ti = Int(states.type(id))
        guard ti >= 0 else { return }
        guard states.dwarfOf[ti] >= 0 else {
            if states.runtimeOf[ti] != 0 { walkRuntime(p, span: Int(item.span), ti, c) }
            return
        }
        let t = TypeID(rawValue: states.dwarfOf[ti])
        let ii = shapes.ensure(t)
        if !shapes.isWalkable(ii) { return }
        let size = shapes.size[ii]
        let n = max(states.countOf[ti], 1)
        if n == 1 { visit(p, t, c, depth: 0); return }
        guard size > 0 else { return }
        let limit = p &+ spanDataSize[Int(item.span)]
        var k: UInt64 = 0
        while k < n, p &+ k &* size < limit {
            visit(p &+ k &* size, t, c, depth: 0)
            k += 1
        }
    }

    // MARK: memory

    /// Starts loading the first cache line of the value at `a`, to be walked soon.
    @inline(__always) func prefetch(_ a: UInt64) {
        if a >= pieceStart, a < pieceEnd, let base = pieceBase { hv_prefetch(base + Int(a &- pieceStart)) }
    }

    /// The word at `a`; reads within the last piece of the core used go straight to its bytes.
    /// Bounds are compared as lengths (`end - a >= 8`), never as sums: a word read from the
    /// target can be anything, and `a + 8` of 0xFFFF_FFFF_FFFF_FFF8 wraps to 0.
    @inline(__always) mutating func word(_ a: UInt64) -> UInt64 {
        if a >= pieceStart, a < pieceEnd, pieceEnd &- a >= 8, let base = pieceBase {
            return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: Int(a &- pieceStart), as: UInt64.self))
        }
        return wordSwitchingPiece(a)
    }

    /// `word(_:)` outside the last piece: the piece before it, else a search of the pieces.
    @inline(never) mutating func wordSwitchingPiece(_ a: UInt64) -> UInt64 {
        if a >= otherStart, a < otherEnd, otherEnd &- a >= 8, let base = otherBase {
            swap(&pieceStart, &otherStart); swap(&pieceEnd, &otherEnd); swap(&pieceBase, &otherBase)
            return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: Int(a &- pieceStart), as: UInt64.self))
        }
        if let p = mem.dataPiece(containing: a), p.end &- a >= 8 {
            otherStart = pieceStart; otherEnd = pieceEnd; otherBase = pieceBase
            pieceStart = p.start; pieceEnd = p.end; pieceBase = p.base
            return UInt64(littleEndian: p.base.loadUnaligned(fromByteOffset: Int(a &- p.start), as: UInt64.self))
        }
        return mem.word(a) ?? 0
    }

    // MARK: types by name

    /// The DWARF type of a runtime type: by `DW_AT_go_runtime_type`, else by name.
    func dwarfType(_ rt: RuntimeType) -> TypeID? {
        if rt.address >= typesBase, let t = dwarf.type(runtimeTypeOffset: rt.address &- typesBase) { return t }
        return dwarf.type(named: rt.name)
    }

    /// A DWARF type by Go name; failing that, a generic instantiation DWARF only has in its shape
    /// form ("entry[go.shape.interface {},…]" for "entry[interface {},…]").
    mutating func type(named name: String) -> TypeID? {
        if let t = dwarf.type(named: name) { return t }
        if shapeless == nil {
            var m: [String: TypeID] = [:]
            for (i, t) in dwarf.types.enumerated() where t.name.contains("go.shape.") {
                m[TypeShapes.displayName(t.name)] = TypeID(rawValue: Int32(i))
            }
            shapeless = m
        }
        return shapeless?[name]
    }
}
