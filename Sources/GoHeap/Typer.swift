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
/// source corrects what a weaker path guessed.
/// Typed objects are walked with their DWARF type, so types flow from the roots through
/// pointers, slices, strings, interfaces, maps (buckets, Swiss directories, tables, groups),
/// channels and closures. What no source reaches stays untyped and is reported as unknown.
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

    private(set) var heapTypes: [HeapType] = []
    /// Per object: bits 0–5 the confidence of its type (at most `runtimeTrust`), bit 6
    /// `runtimeOnly`, bit 7 `explicitCount`. One byte, so that the array stays mostly in the
    /// cache: most checks end here, without reading the type.
    private var conf: [UInt8]
    /// Per object: its heap type's index, -1 when untyped.
    private var types: [Int32]
    /// Objects to walk: where each one's Go value starts, and its id (so it is not looked up
    /// again), in two arrays (12 bytes an entry).
    private var work: [UInt64] = [], workIDs: [Int32] = []
    struct WorkItem { var p: UInt64; var id: Int }
    private var stringTypeIndex: Int32 = -1
    private var arrays: [ArrayKey: Int32] = [:]
    private var arrayCache = [ArrayCacheEntry](repeating: ArrayCacheEntry(type: -1, count: 0, index: -1), count: 1 << 12)
    private var ifaceCache = [IfaceMeaning](repeating: IfaceMeaning(typ: 0, action: .nothing, type: -1), count: Typer.ifaceCacheSize)
    private var singleByDWARF: [Int32]
    private var byKey: [HeapType: Int32] = [:]
    private var pointerful: [Int8]
    private var shapeless: [String: TypeID]?
    /// The last core piece read (see `word`).
    private var pieceStart: UInt64 = 0, pieceEnd: UInt64 = 0
    private var pieceBase: UnsafeRawPointer?
    /// Per heap type: its DWARF type (-1 none), element count, runtime type; parallel to `heapTypes`.
    private var htDwarf: [Int32] = [], htCount: [UInt64] = [], htRuntime: [UInt64] = []
    /// What the walk needs of each DWARF type, computed once per type, in flat arrays so the
    /// per-object hot path touches no reference-counted storage.
    private var infoFlags: [UInt8]          // see TypeFlags
    private var infoSize: [UInt64]
    /// The size DWARF gives the type itself (`infoSize` is that of the type behind typedefs).
    private var infoOwnSize: [UInt64]
    private var infoShape: [ShapeKind]
    /// For map and chan types: the header type the value points to (`hash<K,V>`, `map<K,V>`,
    /// `hchan<T>`), -1 none; `infoElem` holds a chan's element type.
    private var infoHeader: [Int32]
    private var infoElem: [Int32]
    private var infoCount: [UInt64]
    private var infoStride: [UInt64]
    private var infoFieldStart: [Int32]
    private var infoFieldEnd: [Int32]
    private var fieldOffsets: [UInt64] = []
    private var fieldTypes: [Int32] = []
    /// A struct's walk, flattened: its pointer-holding leaves (pointer, slice, string, interface
    /// fields, through nested structs and small arrays) in field order, each with its offset,
    /// shape, type (the element type for pointers and slices) and nesting depth. Per DWARF type:
    /// the range in the leaf arrays, start -1 until computed, -2 when it is not flattened.
    private var leafStart: [Int32], leafEnd: [Int32]
    private var leafOffset: [UInt64] = [], leafShape: [ShapeKind] = [], leafType: [Int32] = [], leafDepth: [UInt8] = []
    private var infoName: [String]
    private let itabType: UInt64
    private let hchanBuf: UInt64?, hchanSize: UInt64?, hchanElemSize: UInt64?, hchanCount: UInt64?
    static let stringType = HeapType(name: "string", dwarf: nil, count: 0)

    init(process: Process, dwarf: DWARFFile, runtimeTypes: RuntimeTypeReader, spans: [Span], heapSpans: [Int32],
         index: ObjectIndex, version: GoVersion, typesBase: UInt64) {
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
        conf = [UInt8](repeating: 0, count: index.objectCount)
        types = [Int32](repeating: -1, count: index.objectCount)
        singleByDWARF = [Int32](repeating: -1, count: dwarf.types.count)
        pointerful = [Int8](repeating: -1, count: dwarf.types.count)
        let n = dwarf.types.count
        infoFlags = [UInt8](repeating: 0, count: n)
        infoSize = [UInt64](repeating: 0, count: n)
        infoOwnSize = [UInt64](repeating: 0, count: n)
        infoShape = [ShapeKind](repeating: .none, count: n)
        infoHeader = [Int32](repeating: -1, count: n)
        infoElem = [Int32](repeating: -1, count: n)
        infoCount = [UInt64](repeating: 0, count: n)
        infoStride = [UInt64](repeating: 0, count: n)
        infoFieldStart = [Int32](repeating: 0, count: n)
        infoFieldEnd = [Int32](repeating: 0, count: n)
        infoName = [String](repeating: "", count: n)
        leafStart = [Int32](repeating: -1, count: n)
        leafEnd = [Int32](repeating: -1, count: n)
        let itab = (try? StructLayout(dwarf, "internal/abi.ITab")) ?? (try? StructLayout(dwarf, "runtime.itab"))
        itabType = (try? itab?.offset("Type")) ?? (try? itab?.offset("_type")) ?? 8
        let hchan = try? StructLayout(dwarf, "runtime.hchan")
        hchanBuf = try? hchan?.offset("buf")
        hchanSize = hchan?.size
        hchanElemSize = try? hchan?.offset("elemsize")
        hchanCount = try? hchan?.offset("dataqsiz")
    }

    // MARK: objects

    func object(_ p: UInt64) -> Int? {
        index.object(containing: p)
    }
    /// The heap type index of an object, -1 when untyped.
    @inline(__always) func typeIndex(_ id: Int) -> Int32 { types[id] }
    /// Every object's heap type index (-1: untyped).
    func objectTypes() -> [Int32] { types }
    /// The most distinct heap types made; past it, new ones are not (a guard on damaged heaps).
    static let maxHeapTypes = (1 << 24) - 2
    @inline(__always) func span(_ id: Int) -> Span { spans[index.spanIndex(ofObject: id)] }
    /// Where the Go value starts: after the 8-byte type header for header objects.
    @inline(__always) func dataStart(_ id: Int) -> UInt64 { index.address(of: id) &+ spanDataOffset[index.spanIndex(ofObject: id)] }
    /// The Go value's size: the slot less its header, or a large object's requested size.
    @inline(__always) func dataSize(_ id: Int) -> UInt64 { spanDataSize[index.spanIndex(ofObject: id)] }

    // MARK: type table

    /// The index of a heap type, made on first use; -1 when the table is full.
    mutating func heapType(_ t: HeapType) -> Int32 {
        if let i = byKey[t] { return i }
        guard heapTypes.count < Typer.maxHeapTypes else { return -1 }
        let i = Int32(heapTypes.count)
        heapTypes.append(t)
        htDwarf.append(t.dwarf?.rawValue ?? -1)
        htCount.append(t.count)
        htRuntime.append(t.runtimeType)
        byKey[t] = i
        if t.count == 0, t.runtimeType == 0, let d = t.dwarf, singleByDWARF[d.index] < 0,
           t.name == infoName[ensureInfo(d)] { singleByDWARF[d.index] = i }
        return i
    }

    /// Gives the object that starts at `p` the type `t` (`[count]t` when count > 1) unless it already
    /// has one of at least this confidence.
    static let runtimeTrust: UInt8 = 40, globalTrust: UInt8 = 30, stackTrust: UInt8 = 20
    static let explicitCount: UInt8 = 0x80
    /// The object's type is a runtime type DWARF lacks.
    static let runtimeOnly: UInt8 = 0x40
    static let confidenceMask: UInt8 = 0x3f

    mutating func assign(_ p: UInt64, _ t: TypeID?, count: UInt64?, confidence c: UInt8, name: String? = nil,
                         array: Bool = false, guessedCount: Bool = false, runtimeType: UInt64 = 0) {
        guard p != 0, c > 0, let (id, slot, sp) = index.locate(p) else { return }
        // Tiny blocks (16-byte noscan) hold several values: the one at the block start names it.
        guard p == slot &+ spanDataOffset[sp] else { return }
        let cf = conf[id]
        let current = cf & Typer.confidenceMask
        let explicit = count != nil && !guessedCount
        if c <= current {
            // Only three cases refine a type of at least this confidence (see `refines`); when the
            // confidence byte and the offered type rule them out, the current type is not read.
            guard let t else { return }
            let currentExplicit = cf & Typer.explicitCount != 0
            if cf & Typer.runtimeOnly == 0, !(explicit && !currentExplicit),
               infoFlags[ensureInfo(t)] & TypeFlags.synthesized == 0 { return }
            if !refines(t, types[id], explicit: explicit, currentExplicit: currentExplicit) { return }
        }
        var t = t
        if let d = t {
            let i = ensureInfo(d)
            // A pointer shape of a generic instantiation ("go.shape.*uint8") says nothing about the
            // real pointee; other shapes keep the layout and field types.
            if infoFlags[i] & TypeFlags.shapePointer != 0 { return }
            if infoFlags[i] & TypeFlags.syncNode != 0 { t = downcast(p, d) }
        }
        let size = spanDataSize[sp]
        let elemSize = t.map { infoSize[ensureInfo($0)] } ?? 0
        var n: UInt64 = count ?? 1
        // A value larger than the object cannot be in it: the pointer is stale or its type wrong.
        if elemSize > size { return }
        if elemSize > 0, n &* elemSize > size { n = max(1, size / elemSize) }
        let index: Int32
        if n <= 1, !array, name == nil, runtimeType == 0, let d = t {
            index = singleType(d)
        } else if name == nil, runtimeType == 0, let d = t {
            index = arrayType(d, n)
        } else {
            let elemName = name ?? t.map { infoName[ensureInfo($0)] } ?? "?"
            let ht = n > 1 || array ? HeapType(name: "[\(n)]" + elemName, dwarf: t, count: n, runtimeType: runtimeType)
                : HeapType(name: elemName, dwarf: t, count: 0, runtimeType: runtimeType)
            index = heapType(ht)
        }
        guard index >= 0 else { return }
        setState(id, type: index, confidence: max(c, current) | (explicit ? Typer.explicitCount : 0))
        // To be walked (`drain` prefetches its memory a few steps ahead).
        work.append(p)
        workIDs.append(Int32(truncatingIfNeeded: id))
    }

    /// The heap type `[n]t`, made once per (t, n) without building its name again.
    mutating func arrayType(_ t: TypeID, _ n: UInt64) -> Int32 {
        // A direct-mapped cache in front of the dictionary: most slices repeat a few (T, n).
        let slot = Int(truncatingIfNeeded: (n &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(UInt32(bitPattern: t.rawValue))) >> 52)
        let cached = arrayCache[slot]
        if cached.type == t.rawValue, cached.count == n, cached.index >= 0 { return cached.index }
        let key = ArrayKey(type: t.rawValue, count: n)
        let i: Int32
        if let known = arrays[key] {
            i = known
        } else {
            i = heapType(HeapType(name: "[\(n)]" + infoName[ensureInfo(t)], dwarf: t, count: n))
            if i >= 0 { arrays[key] = i }
        }
        if i >= 0 { arrayCache[slot] = ArrayCacheEntry(type: t.rawValue, count: n, index: i) }
        return i
    }
    struct ArrayCacheEntry { var type: Int32; var count: UInt64; var index: Int32 }
    struct ArrayKey: Hashable { var type: Int32; var count: UInt64 }

    @inline(__always) mutating func setState(_ id: Int, type: Int32, confidence: UInt8) {
        types[id] = type
        conf[id] = confidence & (Typer.confidenceMask | Typer.explicitCount)
            | (type >= 0 && Int(type) < htDwarf.count && htDwarf[Int(type)] < 0 && htRuntime[Int(type)] != 0 ? Typer.runtimeOnly : 0)
    }

    /// Starts loading the first cache line of the value at `a`, to be walked soon.
    @inline(__always) func prefetch(_ a: UInt64) {
        if a >= pieceStart, a < pieceEnd, let base = pieceBase { hv_prefetch(base + Int(a &- pieceStart)) }
    }

    /// The heap type of a single value of DWARF type `t`, made once.
    mutating func singleType(_ t: TypeID) -> Int32 {
        let cached = singleByDWARF[t.index]
        if cached >= 0 { return cached }
        return heapType(HeapType(name: infoName[ensureInfo(t)], dwarf: t, count: 0))
    }

    /// The concrete type behind a pointer to a "base" struct the runtime casts by a tag field:
    /// `internal/sync.node[K,V]` (the hash-trie behind `sync.Map` and `unique`) is the first field
    /// of an `entry[K,V]` when `isEntry` is set, else of an `indirect[K,V]`.
    mutating func downcast(_ p: UInt64, _ t: TypeID) -> TypeID {
        let name = dwarf.type(t).name
        guard name.hasPrefix("internal/sync.node["), let f = dwarf.type(t).field(named: "isEntry"),
              let isEntry = try? mem.read(UInt8.self, at: Address(p &+ f.offset)) else { return t }
        let args = name.dropFirst("internal/sync.node".count)
        return type(named: (isEntry != 0 ? "internal/sync.entry" : "internal/sync.indirect") + args) ?? t
    }

    /// A DWARF type by Go name; failing that, a generic instantiation DWARF only has in its shape
    /// form ("entry[go.shape.interface {},…]" for "entry[interface {},…]").
    mutating func type(named name: String) -> TypeID? {
        if let t = dwarf.type(named: name) { return t }
        if shapeless == nil {
            var m: [String: TypeID] = [:]
            for (i, t) in dwarf.types.enumerated() where t.name.contains("go.shape.") {
                m[Typer.displayName(t.name)] = TypeID(rawValue: Int32(i))
            }
            shapeless = m
        }
        return shapeless?[name]
    }

    /// A type name without the compiler's marks: "go.shape." of generic shapes and "noalg." of
    /// types without equality functions (map groups).
    static func displayName(_ name: String) -> String {
        guard name.contains("go.shape.") || name.contains("noalg.") else { return name }
        var out = ""
        var rest = Substring(name)
        while let r = rest.firstRange(of: "go.shape.") ?? rest.firstRange(of: "noalg.") {
            // Remove whichever mark comes first.
            let a = rest.firstRange(of: "go.shape."), b = rest.firstRange(of: "noalg.")
            let first = [a, b].compactMap { $0 }.min { $0.lowerBound < $1.lowerBound } ?? r
            out += rest[..<first.lowerBound]
            rest = rest[first.upperBound...]
        }
        return out + rest
    }

    /// Whether `t` is a better view of the object than its current type although it comes from a
    /// less trusted source: the same element type with a known count where the count was guessed,
    /// or one of the typed views Go's DWARF synthesises of runtime internals (`hash<K,V>`,
    /// `bucket<K,V>`, `map<K,V>`, `table<K,V>`, `hchan<T>`, and pointers to them) replacing the
    /// runtime's generic type of the same size.
    /// Called for every offer that does not beat the current confidence, so it reads flat
    /// per-type arrays only.
    mutating func refines(_ t: TypeID?, _ current: Int32, explicit: Bool, currentExplicit: Bool) -> Bool {
        guard let t, current >= 0 else { return false }
        let cur = htDwarf[Int(current)]
        guard cur >= 0 else {
            // A runtime type DWARF lacks ("map.bucket[K]V"): a DWARF view of the same size is better.
            let rtAddress = htRuntime[Int(current)]
            guard rtAddress != 0, let rt = runtimeTypes.type(at: rtAddress) else { return false }
            return infoSize[ensureInfo(t)] == rt.size
        }
        if cur == t.rawValue { return explicit && !currentExplicit }
        let new = ensureInfo(t), old = ensureInfo(TypeID(rawValue: cur))
        return infoFlags[new] & TypeFlags.synthesized != 0 && infoFlags[old] & TypeFlags.synthesized == 0
            && infoOwnSize[new] == infoOwnSize[old]
    }

    mutating func assignString(_ p: UInt64, len: UInt64, confidence c: UInt8) {
        guard len > 0, let (id, slot, sp) = index.locate(p), p == slot &+ spanDataOffset[sp],
              conf[id] & Typer.confidenceMask < c else { return }
        if stringTypeIndex < 0 { stringTypeIndex = heapType(Typer.stringType) }
        guard stringTypeIndex >= 0 else { return }
        setState(id, type: stringTypeIndex, confidence: c | Typer.explicitCount)
    }

    // MARK: seeds

    /// Objects whose runtime type the heap stores: allocation headers and largeType (Go 1.22+).
    mutating func seedRuntimeTypes() {
        guard headers else { return }
        for hs in heapSpans {
            let s = spans[Int(hs)]
            if s.noscan || s.objectCount == 0 { continue }
            if s.isLarge {
                if s.largeType != 0 { seedRuntime(Int(s.firstObject), typeAddress: s.largeType, s) }
            } else if s.elemSize > 512 {
                for id in Int(s.firstObject) ..< Int(s.firstObject + s.objectCount) {
                    if let t = try? mem.read(UInt64.self, at: Address(index.address(of: id))), t != 0 { seedRuntime(id, typeAddress: t, s) }
                }
            }
        }
    }

    mutating func seedRuntime(_ id: Int, typeAddress: UInt64, _ s: Span) {
        guard let rt = runtimeTypes.type(at: typeAddress), rt.size > 0 else { return }
        let size = dataSize(id)
        let n = max(1, size / rt.size)
        let start = dataStart(id)
        let d = dwarfType(rt)
        // The header stores the element type; the slot holds as many elements as fit (the
        // requested length is not recorded for small objects; a slice's cap refines it later).
        let count: UInt64 = rt.size &* 2 > size ? 1 : n
        assign(start, d, count: count, confidence: Typer.runtimeTrust, name: d == nil ? rt.name : nil, array: count > 1,
               guessedCount: !s.isLarge && count > 1, runtimeType: d == nil ? rt.address : 0)
    }

    /// The DWARF type of a runtime type: by `DW_AT_go_runtime_type`, else by name.
    func dwarfType(_ rt: RuntimeType) -> TypeID? {
        if rt.address >= typesBase, let t = dwarf.type(runtimeTypeOffset: rt.address &- typesBase) { return t }
        return dwarf.type(named: rt.name)
    }

    /// Every DWARF global is a typed root.
    mutating func seedGlobals() {
        for g in dwarf.globals {
            guard let t = g.type, hasPointers(t) else { continue }
            visit(g.address &+ bias, t, Typer.globalTrust, depth: 0)
        }
    }

    // MARK: propagation

    /// Seeds in order of trust, draining the work list after each: runtime types, globals, then
    /// goroutine stack frames (whose dead slots may hold stale pointers, so they come last).
    mutating func run(goroutines: [Goroutine], threadOf: (Goroutine) -> Thread?, closures: [(fn: UInt64, argument: UInt64)],
                      unnamedGlobalSlots: [UInt64] = []) {
        seedRuntimeTypes()
        drain()
        seedGlobals()
        drain()
        seedClosures(closures)
        drain()
        seedStacks(goroutines, threadOf: threadOf)
        drain()
        seedUnnamedPools(unnamedGlobalSlots)
        drain()
        var untyped: [Int32] = []
        for id in 0 ..< index.objectCount where types[id] < 0 { untyped.append(Int32(truncatingIfNeeded: id)) }
        for _ in 0..<3 {
            guard sniffInterfaces(untyped) > 0 else { break }
            drain()
            untyped.removeAll { types[Int($0)] >= 0 }
        }
    }

    /// Data words no DWARF global describes (the linker kept the variable, not its DWARF) that have
    /// the shape of a `sync.Pool`'s `local`/`victim` field: the next word is a count n and the
    /// untyped object they point to holds exactly n `sync.poolLocal` records.
    mutating func seedUnnamedPools(_ slots: [UInt64]) {
        guard let local = dwarf.type(named: "sync.poolLocal") else { return }
        let size = infoSize[ensureInfo(local)]
        guard size > 0 else { return }
        for slot in slots {
            let p = word(slot), n = word(slot &+ 8)
            guard n > 0, n < 1 << 12, let id = object(p), typeIndex(id) < 0, p == dataStart(id) else { continue }
            let have = dataSize(id)
            if n &* size <= have, (n &+ 1) &* size > have {
                assign(p, local, count: n, confidence: Typer.stackTrust, array: true)
            }
        }
    }

    /// Last resort for objects no typed path reached (held behind `unsafe.Pointer`, by globals
    /// DWARF does not describe, …): a word pair shaped like an interface — a runtime type
    /// descriptor (or an itab whose type field is one) followed by a pointer to the start of a
    /// heap object — types that object as the interface's dynamic value. Returns how many
    /// objects it gave a type (now waiting in the work list).
    mutating func sniffInterfaces(_ untyped: [Int32]) -> Int {
        let typeRange = runtimeTypes.modules.first.map { $0.types ..< $0.etypes } ?? 0 ..< 0
        for u in untyped where types[Int(u)] < 0 {
            let id = Int(u)
            let s = span(id)
            if s.noscan { continue }
            let start = dataStart(id)
            let size = min(dataSize(id), 1 << 20)
            guard size >= 16, let bytes = try? mem.readBytes(at: Address(start), count: size) else { continue }
            var k = 0
            while k + 16 <= bytes.count {
                let w0 = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: k, as: UInt64.self) }
                let w1 = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: k + 8, as: UInt64.self) }
                k += 8
                guard w1 != 0, w0 != 0, let target = object(w1), w1 == dataStart(target) else { continue }
                var typ = w0
                if !typeRange.contains(typ) { typ = word(w0 &+ itabType) }
                guard typeRange.contains(typ), runtimeTypes.type(at: typ) != nil else { continue }
                interfaceValue(typ: typ, data: w1, trust: Typer.stackTrust)
            }
        }
        return work.count
    }

    /// Closures held by finalizers and cleanups: typed by their function's signature, which DWARF
    /// gives as the function's parameters; a Go 1.26+ cleanup's boxed argument has the type of
    /// the function's first parameter.
    mutating func seedClosures(_ closures: [(fn: UInt64, argument: UInt64)]) {
        for (fn, arg) in closures {
            let pc = word(fn)
            guard pc != 0, let f = dwarf.function(containing: pc &- bias) else { continue }
            let vars = dwarf.variables(of: f)
            let params = vars.filter { $0.isParameter && !$0.isResult }.compactMap(\.type)
            let results = vars.filter(\.isResult).compactMap(\.type)
            var name = "func(" + params.map { dwarf.type($0).name }.joined(separator: ", ") + ")"
            if results.count == 1 { name += " " + dwarf.type(results[0]).name }
            if results.count > 1 { name += " (" + results.map { dwarf.type($0).name }.joined(separator: ", ") + ")" }
            if let t = dwarf.type(named: name) { assign(fn, t, count: 1, confidence: Typer.globalTrust, name: name) }
            if arg != 0, let s = params.first { assign(arg, s, count: 1, confidence: Typer.globalTrust) }
            // Go 1.24–1.25 wrap a cleanup as func() { cleanup(arg) }: the wrapper's captured `arg`
            // has a shape type, but the captured `cleanup` function's parameter has the real one.
            // Either may be captured by reference ("&cleanup", "&arg"): a pointer to the escaped variable.
            let direct = vars.first(where: { $0.name == "cleanup" })?.closureOffset.map { word(fn &+ UInt64($0)) }
            let byRef = vars.first(where: { $0.name == "&cleanup" })?.closureOffset.map { word(word(fn &+ UInt64($0))) }
            if f.name.hasPrefix("runtime.AddCleanup["), let userFn = direct ?? byRef,
               let user = dwarf.function(containing: word(userFn) &- bias),
               let real = dwarf.variables(of: user).first(where: { $0.isParameter && !$0.isResult })?.type {
                if let av = vars.first(where: { $0.name == "arg" })?.closureOffset {
                    visit(fn &+ UInt64(av), real, Typer.globalTrust, depth: 0)
                } else if let av = vars.first(where: { $0.name == "&arg" })?.closureOffset {
                    assign(word(fn &+ UInt64(av)), real, count: 1, confidence: Typer.globalTrust)
                }
            }
        }
    }

    /// Types the values of each frame's parameters and locals from DWARF, at CFA-relative slots.
    mutating func seedStacks(_ goroutines: [Goroutine], threadOf: (Goroutine) -> Thread?) {
        guard let tab = try? core.pclntab.get() else { return }
        let unwinder = Unwinder(core: core, tab: tab)
        for g in goroutines where g.status != .dead && g.status != .deadExtra && g.status != .idle {
            let frames = unwinder.frames(of: g, threadOf: threadOf)
            let fromThread = Unwinder.start(of: g) == nil
            for i in frames.indices {
                let f = frames[i]
                let lookup = Unwinder.lookupPC(frames, i, fromThread: fromThread) &- bias
                guard let fn = dwarf.function(containing: lookup) else { continue }
                for v in dwarf.variables(of: fn) {
                    guard let t = v.type, v.isInScope(at: lookup), hasPointers(t),
                          case .frameOffset(let off)? = v.location.at(pc: lookup) else { continue }
                    let a = UInt64(bitPattern: Int64(bitPattern: f.fp) &+ off)
                    guard a >= f.sp, a < g.stackHi else { continue }
                    visit(a, t, Typer.stackTrust, depth: 0)
                }
            }
        }
    }

    /// Walks the work list until it is empty. Objects wait in a small ring between leaving the
    /// list and being walked, so that the memory of the next few is loading (prefetched) while
    /// one is walked; the order stays deterministic.
    mutating func drain() {
        var steps = 0
        var ring = (WorkItem(p: 0, id: 0), WorkItem(p: 0, id: 0), WorkItem(p: 0, id: 0), WorkItem(p: 0, id: 0),
                    WorkItem(p: 0, id: 0), WorkItem(p: 0, id: 0), WorkItem(p: 0, id: 0), WorkItem(p: 0, id: 0))
        let stride = MemoryLayout<WorkItem>.stride
        var head = 0, count = 0
        while steps < 1 << 31 {
            while count < 8, let qp = work.popLast(), let qid = workIDs.popLast() {
                let q = WorkItem(p: qp, id: Int(qid))
                prefetch(q.p)
                withUnsafeMutableBytes(of: &ring) { $0.storeBytes(of: q, toByteOffset: ((head &+ count) & 7) &* stride, as: WorkItem.self) }
                count &+= 1
            }
            guard count > 0 else { break }
            let item = withUnsafeBytes(of: &ring) { $0.load(fromByteOffset: head &* stride, as: WorkItem.self) }
            head = (head &+ 1) & 7
            count &-= 1
            steps += 1
            let p = item.p, id = item.id
            let ti = Int(types[id])
            let c = conf[id] & Typer.confidenceMask
            guard ti >= 0 else { continue }
            guard htDwarf[ti] >= 0 else {
                if htRuntime[ti] != 0 { runtimeStruct(id, span(id), heapTypes[ti], c) }
                continue
            }
            let t = TypeID(rawValue: htDwarf[ti])
            let ii = ensureInfo(t)
            if infoFlags[ii] & TypeFlags.isFunc != 0 { closure(id, span(id), c); continue }
            if !infoIsWalkable(ii) { continue }
            let size = infoSize[ii]
            let n = max(htCount[ti], 1)
            if n == 1 { visit(p, t, c, depth: 0); continue }
            guard size > 0, let (_, _, sp) = index.locate(p) else { continue }
            let limit = p &+ spanDataSize[sp]
            var k: UInt64 = 0
            while k < n, p &+ k &* size < limit {
                visit(p &+ k &* size, t, c, depth: 0)
                k += 1
            }
        }
    }

    /// Whether values of `t` can hold pointers (memoised).
    mutating func hasPointers(_ t: TypeID) -> Bool {
        let m = pointerful[t.index]
        if m >= 0 { return m == 1 }
        pointerful[t.index] = 0   // cycles through structs only via pointers; provisional
        let g = dwarf.type(t)
        var r = false
        switch g.kind {
        case .pointer, .unsafePointer, .slice, .string, .interface, .map, .chan, .func: r = true
        default:
            let rg = dwarf.type(dwarf.resolvingTypedefs(t))
            switch rg.tag {
            case .pointer: r = true
            case .structure: r = rg.fields.contains { f in f.type.map { hasPointers($0) } ?? false }
            case .array: r = rg.elem.map { hasPointers($0) } ?? false
            default: r = false
            }
        }
        pointerful[t.index] = r ? 1 : 0
        return r
    }

    /// An object whose type only the runtime describes (DWARF lacks it): walk the fields of its
    /// runtime struct type with their DWARF types.
    mutating func runtimeStruct(_ id: Int, _ s: Span, _ ht: HeapType, _ c: UInt8) {
        guard let rt = runtimeTypes.type(at: ht.runtimeType), rt.size > 0 else { return }
        let fields = runtimeTypes.structFields(of: ht.runtimeType).compactMap { f -> (UInt64, TypeID)? in
            guard let ft = runtimeTypes.type(at: f.type), let d = dwarfType(ft), hasPointers(d) else { return nil }
            return (f.offset, d)
        }
        guard !fields.isEmpty else { return }
        let start = dataStart(id), end = start &+ dataSize(id)
        var e = start
        var k: UInt64 = 0
        while e < end, end &- e >= rt.size, k < max(ht.count, 1) {
            for (off, d) in fields { visit(e &+ off, d, c, depth: 0) }
            e &+= rt.size
            k += 1
        }
    }

    /// A closure object: its function's DWARF describes the captured variables and their offsets
    /// (`DW_AT_go_closure_offset`, Go 1.23+). Older DWARF lists the captured variables without
    /// offsets, as the first non-parameter variables, declared at the closure's own line: they
    /// are laid out after the function word in that order, each aligned to its size (a guess
    /// that must fit the object, else nothing is typed).
    mutating func closure(_ id: Int, _ s: Span, _ c: UInt8) {
        let start = dataStart(id)
        let pc = word(start)
        guard pc != 0, let fn = dwarf.function(containing: pc &- bias) else { return }
        let size = dataSize(id)
        let vars = dwarf.variables(of: fn)
        var captured: [(UInt64, TypeID)] = vars.compactMap { v in
            guard let off = v.closureOffset, off >= 8, let t = v.type else { return nil }
            return (UInt64(off), t)
        }
        if captured.isEmpty, let line = fn.declLine {
            var off: UInt64 = 8
            for v in vars where !v.isParameter && !v.isResult {
                guard let t = v.type, let decl = v.declLine, decl == line else { break }
                let sz = dwarf.type(dwarf.resolvingTypedefs(t)).size
                let align: UInt64 = sz >= 8 ? 8 : (sz >= 4 ? 4 : (sz >= 2 ? 2 : 1))
                off = (off &+ align &- 1) & ~(align &- 1)
                captured.append((off, t))
                off &+= max(sz, 1)
            }
            if off > size { captured = [] }   // the guess does not fit: type nothing
        }
        for (off, t) in captured where off < size && hasPointers(t) {
            visit(start &+ off, t, c, depth: 0)
        }
    }

    /// The word at `a`; reads within the last piece of the core used go straight to its bytes.
    /// Bounds are compared as lengths (`end - a >= 8`), never as sums: a word read from the
    /// target can be anything, and `a + 8` of 0xFFFF_FFFF_FFFF_FFF8 wraps to 0.
    @inline(__always) mutating func word(_ a: UInt64) -> UInt64 {
        if a >= pieceStart, a < pieceEnd, pieceEnd &- a >= 8, let base = pieceBase {
            return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: Int(a &- pieceStart), as: UInt64.self))
        }
        if let p = mem.dataPiece(containing: a), p.end &- a >= 8 {
            pieceStart = p.start; pieceEnd = p.end; pieceBase = p.base
            return UInt64(littleEndian: p.base.loadUnaligned(fromByteOffset: Int(a &- p.start), as: UInt64.self))
        }
        return mem.word(a) ?? 0
    }

    /// Types what the value of type `t` at `a` points to.
    mutating func visit(_ a: UInt64, _ t: TypeID, _ c: UInt8, depth: Int) {
        guard depth < 24 else { return }
        let i = ensureInfo(t)
        switch infoShape[i] {
        case .pointer, .slice, .string, .eface, .iface:
            leaf(a, infoShape[i], infoElem[i], c)
        case .pointerShaped:
            pointerShaped(word(a), i, c)
        case .oldMap, .swissMap, .groupReference, .idiom:
            let r = dwarf.type(dwarf.resolvingTypedefs(t))
            switch infoShape[i] {
            case .oldMap: oldMapHeader(a, r, c)
            case .swissMap: swissMapHeader(a, r, c)
            case .groupReference: groupReference(a, r, c)
            default: if !unsafeIdioms(a, r, c) { visitFields(a, i, c, depth) }
            }
        case .structure:
            if leafStart[i] == -1 { flatten(i) }
            if leafStart[i] >= 0 { visitLeaves(a, i, c, depth) } else { visitFields(a, i, c, depth) }
        case .array:
            let e = TypeID(rawValue: infoElem[i]), n = infoCount[i], stride = infoStride[i]
            var k: UInt64 = 0
            while k < n { visit(a &+ k &* stride, e, c, depth: depth + 1); k += 1 }
        case .none:
            break
        }
    }

    /// `visitFields` over the flattened leaves of struct `i`: the same assignments in the same
    /// order, without a call per nesting level.
    mutating func visitLeaves(_ a: UInt64, _ i: Int, _ c: UInt8, _ depth: Int) {
        var l = Int(leafStart[i])
        let e = Int(leafEnd[i])
        while l < e {
            let at = a &+ leafOffset[l], d = depth &+ Int(leafDepth[l])
            let lt = leafType[l]
            l += 1
            guard d < 24 else { continue }
            let shape = leafShape[l &- 1]
            if shape == .none { visit(at, TypeID(rawValue: lt), c, depth: d) } else { leaf(at, shape, lt, c) }
        }
    }

    /// A value at `a` of one of the shapes that point straight at objects: a pointer or slice
    /// (`elem`: the element type), a string, an interface.
    @inline(__always)
    mutating func leaf(_ a: UInt64, _ shape: ShapeKind, _ elem: Int32, _ c: UInt8) {
        switch shape {
        case .pointer:
            assign(word(a), TypeID(rawValue: elem), count: nil, confidence: c > 1 ? c - 1 : 1)
        case .slice:
            let cap = word(a &+ 16)
            if cap > 0, cap < 1 << 40 { assign(word(a), TypeID(rawValue: elem), count: cap, confidence: c, array: true) }
        case .string:
            assignString(word(a), len: word(a &+ 8), confidence: c)
        case .eface, .iface:
            var typ = word(a)
            if shape == .iface, typ != 0 { typ = word(typ &+ itabType) }
            interfaceValue(typ: typ, data: word(a &+ 8))
        default:
            break
        }
    }

    /// Computes the flattened leaves of struct `i` (see `leafStart`); structs nested deeper than
    /// 8 levels or with more than 64 leaves keep the field-by-field walk.
    mutating func flatten(_ i: Int) {
        let start = leafOffset.count
        var ok = true
        func add(_ t: TypeID, _ off: UInt64, _ level: Int) {
            guard ok else { return }
            guard level <= 8, leafOffset.count - start < 64 else { ok = false; return }
            let j = ensureInfo(t)
            switch infoShape[j] {
            case .none:
                return
            case .pointer, .slice, .string, .eface, .iface:
                leafOffset.append(off); leafShape.append(infoShape[j]); leafType.append(infoElem[j]); leafDepth.append(UInt8(level))
            case .structure:
                var f = Int(infoFieldStart[j])
                let e = Int(infoFieldEnd[j])
                while f < e, ok {
                    add(TypeID(rawValue: fieldTypes[f]), off &+ fieldOffsets[f], level + 1)
                    f += 1
                }
            case .array where infoCount[j] <= 8:
                for k in 0 ..< infoCount[j] where ok { add(TypeID(rawValue: infoElem[j]), off &+ k &* infoStride[j], level + 1) }
            default:
                // Maps, channels, funcs, runtime idioms, larger arrays: walked by `visit`.
                leafOffset.append(off); leafShape.append(.none); leafType.append(t.rawValue); leafDepth.append(UInt8(level))
            }
        }
        var f = Int(infoFieldStart[i])
        let e = Int(infoFieldEnd[i])
        while f < e, ok {
            add(TypeID(rawValue: fieldTypes[f]), fieldOffsets[f], 1)
            f += 1
        }
        if ok {
            leafStart[i] = Int32(start)
            leafEnd[i] = Int32(leafOffset.count)
        } else {
            leafOffset.removeLast(leafOffset.count - start)
            leafShape.removeLast(leafShape.count - start)
            leafType.removeLast(leafType.count - start)
            leafDepth.removeLast(leafDepth.count - start)
            leafStart[i] = -2
        }
    }

    mutating func visitFields(_ a: UInt64, _ i: Int, _ c: UInt8, _ depth: Int) {
        var f = Int(infoFieldStart[i])
        let e = Int(infoFieldEnd[i])
        while f < e {
            visit(a &+ fieldOffsets[f], TypeID(rawValue: fieldTypes[f]), c, depth: depth + 1)
            f += 1
        }
    }

    /// How the walk treats a DWARF type.
    enum ShapeKind: UInt8 {
        case none, pointer, slice, string, eface, iface, pointerShaped, structure, array
        case oldMap, swissMap, groupReference, idiom
    }
    struct TypeFlags {
        static let computed: UInt8 = 1, shapePointer: UInt8 = 2, syncNode: UInt8 = 4, isFunc: UInt8 = 8
        /// The name has "<": a view DWARF synthesises of a runtime structure (`hash<K,V>`, …).
        static let synthesized: UInt8 = 16
    }

    /// Computes the walk's view of a type once; returns its index into the info arrays.
    @inline(__always)
    mutating func ensureInfo(_ t: TypeID) -> Int {
        let i = t.index
        if infoFlags[i] & TypeFlags.computed == 0 { computeInfo(t) }
        return i
    }

    mutating func computeInfo(_ t: TypeID) {
        let i = t.index
        let g = dwarf.type(t)
        let r = dwarf.type(dwarf.resolvingTypedefs(t))
        var shape = ShapeKind.none
        switch g.kind {
        case .pointer: if let e = g.elem { shape = .pointer; infoElem[i] = e.rawValue }
        case .slice: if let e = g.elem { shape = .slice; infoElem[i] = e.rawValue }
        case .string: shape = .string
        case .interface: shape = r.fields.first?.name == "tab" ? .iface : .eface
        case .map, .chan, .func:
            shape = .pointerShaped
            // Go's DWARF: map[K]V is a typedef of *hash<K,V> (classic) or *map<K,V> (Swiss);
            // chan T of *hchan<T>.
            if g.kind != .func, let h = g.underlying.flatMap({ dwarf.type($0).elem }) { infoHeader[i] = h.rawValue }
            if g.kind == .chan, let e = g.elem { infoElem[i] = e.rawValue }
        default:
            switch r.tag {
            case .structure:
                if r.name.hasPrefix("hash<") { shape = .oldMap }
                else if r.name.hasPrefix("map<") { shape = .swissMap }
                else if r.name.hasPrefix("groupReference<") { shape = .groupReference }
                else if r.name == "sync.Pool" || r.name == "sync.entry" || r.name.hasPrefix("sync/atomic.Pointer[") { shape = .idiom }
                let start = fieldOffsets.count
                for f in r.fields {
                    guard let ft = f.type, hasPointers(ft) else { continue }
                    fieldOffsets.append(f.offset)
                    fieldTypes.append(ft.rawValue)
                }
                infoFieldStart[i] = Int32(start)
                infoFieldEnd[i] = Int32(fieldOffsets.count)
                if shape == .none, fieldOffsets.count > start { shape = .structure }
            case .array:
                if let e = r.elem, hasPointers(e), let n = r.count, n > 0 {
                    let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
                    if es > 0 { shape = .array; infoElem[i] = e.rawValue; infoCount[i] = UInt64(min(n, 1 << 24)); infoStride[i] = es }
                }
            case .pointer:
                if let e = r.elem { shape = .pointer; infoElem[i] = e.rawValue }
            default:
                break
            }
        }
        infoShape[i] = shape
        infoSize[i] = r.size
        infoName[i] = Typer.displayName(g.name)
        var flags = TypeFlags.computed
        if g.name.contains("go.shape.*") { flags |= TypeFlags.shapePointer }
        if g.name.hasPrefix("internal/sync.node[") { flags |= TypeFlags.syncNode }
        if g.kind == .func { flags |= TypeFlags.isFunc }
        if g.name.contains("<") { flags |= TypeFlags.synthesized }
        infoOwnSize[i] = g.size
        infoFlags[i] = flags
    }

    func infoIsWalkable(_ i: Int) -> Bool { infoShape[i] != .none }

    /// A pointer-shaped value `p` of map, chan or func type (info index `i`).
    mutating func pointerShaped(_ p: UInt64, _ i: Int, _ c: UInt8) {
        guard p != 0 else { return }
        let t = TypeID(rawValue: Int32(truncatingIfNeeded: i))
        let h = infoHeader[i]
        if h >= 0 {
            assign(p, TypeID(rawValue: h), count: 1, confidence: c, name: infoName[i])
            if infoElem[i] >= 0 { channelBuffer(p, elem: TypeID(rawValue: infoElem[i]), c) }
        } else if infoFlags[i] & TypeFlags.isFunc != 0 {
            assign(p, t, count: 1, confidence: c > 1 ? c - 1 : 1, name: infoName[i])
        } else if dwarf.type(t).kind == .map || dwarf.type(t).kind == .chan {
            assign(p, nil, count: 1, confidence: c, name: infoName[i])
            if infoElem[i] >= 0 { channelBuffer(p, elem: TypeID(rawValue: infoElem[i]), c) }
        } else if let e = dwarf.type(t).elem {
            assign(p, e, count: nil, confidence: c > 1 ? c - 1 : 1)
        }
    }

    /// An interface's dynamic value: boxed at `data`, or the data word itself when direct.
    mutating func interfaceValue(typ: UInt64, data: UInt64, trust: UInt8 = Typer.runtimeTrust) {
        guard typ != 0, data != 0 else { return }
        // What a type word means is looked up once per type (a direct-mapped cache in front of
        // the runtime type reader and DWARF).
        let slot = Int(truncatingIfNeeded: (typ >> 3) ^ (typ >> 13)) & (Typer.ifaceCacheSize - 1)
        var hit = ifaceCache[slot]
        if hit.typ != typ {
            hit = IfaceMeaning(typ: typ, action: .slow, type: -1)
            if let rt = runtimeTypes.type(at: typ) {
                let d = dwarfType(rt)
                if rt.directInterface {
                    if let d {
                        let g = dwarf.type(d)
                        if g.kind == .pointer { hit = IfaceMeaning(typ: typ, action: g.elem == nil ? .nothing : .pointer, type: g.elem?.rawValue ?? -1) }
                        else { hit = IfaceMeaning(typ: typ, action: .pointerShaped, type: Int32(truncatingIfNeeded: ensureInfo(d))) }
                    } else {
                        hit = IfaceMeaning(typ: typ, action: .nothing, type: -1)
                    }
                } else if let d {
                    hit = IfaceMeaning(typ: typ, action: .boxed, type: d.rawValue)
                }
            } else {
                hit = IfaceMeaning(typ: typ, action: .nothing, type: -1)
            }
            ifaceCache[slot] = hit
        }
        switch hit.action {
        case .nothing: return
        case .pointer: assign(data, TypeID(rawValue: hit.type), count: nil, confidence: trust)
        case .pointerShaped: pointerShaped(data, Int(hit.type), trust)
        case .boxed: assign(data, TypeID(rawValue: hit.type), count: 1, confidence: trust)
        case .slow:
            // A boxed value of a type DWARF lacks: named and sized by the runtime type.
            guard let rt = runtimeTypes.type(at: typ) else { return }
            assign(data, nil, count: 1, confidence: trust, name: rt.name, runtimeType: rt.address)
        }
    }

    /// What an interface's type word says of its data word.
    struct IfaceMeaning {
        var typ: UInt64
        var action: Action
        var type: Int32
        enum Action: UInt8 { case nothing, pointer, pointerShaped, boxed, slow }
    }
    static let ifaceCacheSize = 1024

    /// A channel's buffer: its own object when the elements hold pointers, else inside the header's.
    mutating func channelBuffer(_ p: UInt64, elem: TypeID?, _ c: UInt8) {
        guard let e = elem, let bufOff = hchanBuf, let hsize = hchanSize, let cOff = hchanCount else { return }
        let buf = word(p &+ bufOff), n = word(p &+ cOff)
        guard buf != 0, n > 0, n < 1 << 32 else { return }
        if buf == p &+ hsize {
            // Header and buffer are one allocation: walk the elements in place, within the object.
            let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
            guard let id = object(p), es > 0, hasPointers(e) else { return }
            let end = dataStart(id) &+ dataSize(id)
            var i: UInt64 = 0
            guard buf < end else { return }
            let room = (end &- buf) / es
            while i < n, i < room { visit(buf &+ i &* es, e, c, depth: 1); i += 1 }
        } else {
            assign(buf, e, count: n, confidence: c, array: true)
        }
    }

    /// Classic map header `hash<K,V>`: 1<<B buckets (oldbuckets: the previous size while growing).
    mutating func oldMapHeader(_ a: UInt64, _ r: GoType, _ c: UInt8) {
        guard let bf = r.field(named: "B"), let buckets = r.field(named: "buckets"), let bt = buckets.type,
              let bucket = dwarf.type(bt).elem else { return }
        let b = UInt64((try? mem.read(UInt8.self, at: Address(a &+ bf.offset))) ?? 0)
        guard b < 40 else { return }
        assign(word(a &+ buckets.offset), bucket, count: 1 << b, confidence: c, array: true)
        if let old = r.field(named: "oldbuckets"), b > 0 {
            let flags = (try? mem.read(UInt8.self, at: Address(a &+ (r.field(named: "flags")?.offset ?? 8)))) ?? 0
            let sameSize = flags & 8 != 0
            assign(word(a &+ old.offset), bucket, count: sameSize ? 1 << b : 1 << (b - 1), confidence: c, array: true)
        }
    }

    /// Swiss map header `map<K,V>`: dirPtr is one group when dirLen is 0, else a [dirLen]*table.
    mutating func swissMapHeader(_ a: UInt64, _ r: GoType, _ c: UInt8) {
        guard let dp = r.field(named: "dirPtr"), let dl = r.field(named: "dirLen"), let dpt = dp.type,
              let tablePtr = dwarf.type(dpt).elem, let table = dwarf.type(tablePtr).elem else { return }
        let dir = word(a &+ dp.offset), n = word(a &+ dl.offset)
        if n == 0 {
            if let group = groupType(table) { assign(dir, group, count: 1, confidence: c) }
        } else if n < 1 << 24 {
            assign(dir, tablePtr, count: n, confidence: c, array: true)
        }
    }

    func groupType(_ table: TypeID) -> TypeID? {
        let t = dwarf.type(dwarf.resolvingTypedefs(table))
        guard let gr = t.fields.first(where: { $0.name == "groups" })?.type,
              let data = dwarf.type(dwarf.resolvingTypedefs(gr)).fields.first(where: { $0.name == "data" })?.type else { return nil }
        return dwarf.type(data).elem
    }

    /// Standard-library types that hold typed values behind `unsafe.Pointer`:
    /// `sync.Pool` (`local`/`victim` are `[size]sync.poolLocal`), `sync/atomic.Pointer[T]`
    /// (`v` is a `*T`) and `sync.entry` of `sync.Map` (`p` is a `*any`).
    mutating func unsafeIdioms(_ a: UInt64, _ r: GoType, _ c: UInt8) -> Bool {
        let child = c > 1 ? c - 1 : 1
        if r.name == "sync.Pool" {
            guard let local = dwarf.type(named: "sync.poolLocal") else { return false }
            for (p, n) in [("local", "localSize"), ("victim", "victimSize")] {
                guard let pf = r.field(named: p), let nf = r.field(named: n) else { continue }
                let count = word(a &+ nf.offset)
                if count > 0, count < 1 << 16 { assign(word(a &+ pf.offset), local, count: count, confidence: child, array: true) }
            }
            for f in r.fields where f.name != "local" && f.name != "victim" {
                if let ft = f.type, hasPointers(ft) { visit(a &+ f.offset, ft, c, depth: 1) }
            }
            return true
        }
        if r.name.hasPrefix("sync/atomic.Pointer["), r.name.hasSuffix("]"), let v = r.field(named: "v") {
            let inner = String(r.name.dropFirst("sync/atomic.Pointer[".count).dropLast())
            if let t = dwarf.type(named: inner) { assign(word(a &+ v.offset), t, count: nil, confidence: child) }
            return true
        }
        if r.name == "sync.entry", let p = r.field(named: "p"), let any = dwarf.type(named: "interface {}") {
            assign(word(a &+ p.offset), any, count: 1, confidence: child)
            return true
        }
        return false
    }

    /// A Swiss table's `groups`: lengthMask+1 groups.
    mutating func groupReference(_ a: UInt64, _ r: GoType, _ c: UInt8) {
        guard let d = r.field(named: "data"), let m = r.field(named: "lengthMask"), let dt = d.type,
              let group = dwarf.type(dt).elem else { return }
        let mask = word(a &+ m.offset)
        guard mask < 1 << 32 else { return }
        assign(word(a &+ d.offset), group, count: mask &+ 1, confidence: c, array: true)
    }
}
