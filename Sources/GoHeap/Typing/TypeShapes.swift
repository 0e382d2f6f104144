import GoDWARF

/// What the typer needs to know of each DWARF type, computed once per type into flat arrays so
/// that the per-object walk touches no reference-counted storage and no `GoType` copy.
///
/// For each type: its shape (how a walk treats a value of it), size, element type and count, the
/// runtime header a map or chan value points to, flags, its display name; for structs, the
/// pointer-holding fields and, flattened once through nested structs and small arrays, the
/// pointer-holding leaves.
struct TypeShapes {
    let dwarf: DWARFFile

    /// How the walk treats a DWARF type.
    enum Shape: UInt8 {
        case none, pointer, slice, string, eface, iface, pointerShaped, structure, array
        case oldMap, swissMap, groupReference, idiom
    }
    struct Flags {
        static let computed: UInt8 = 1, shapePointer: UInt8 = 2, syncNode: UInt8 = 4, isFunc: UInt8 = 8
        /// The name has "<": a view DWARF synthesises of a runtime structure (`hash<K,V>`, …).
        static let synthesized: UInt8 = 16
        /// A closure record (``DWARFFile/synthesizeStruct(name:size:fields:)`` of a closure).
        static let closure: UInt8 = 32
        /// A map or chan type (Go kind).
        static let mapOrChan: UInt8 = 64
        /// A channel header, `runtime.hchan` or DWARF's `hchan<T>`: checked before it is given.
        static let channelHeader: UInt8 = 128
    }

    private(set) var flags: [UInt8]
    /// The size of a value (of the type behind typedefs).
    private(set) var size: [UInt64]
    /// The size DWARF gives the type itself.
    private(set) var ownSize: [UInt64]
    private(set) var shape: [Shape]
    /// For map and chan types: the header type the value points to (`hash<K,V>`, `map<K,V>`,
    /// `hchan<T>`), -1 none.
    private(set) var header: [Int32]
    /// Pointer and slice element, chan element, array element; -1 none.
    private(set) var elem: [Int32]
    private(set) var count: [UInt64]
    private(set) var stride: [UInt64]
    private(set) var fieldStart: [Int32]
    private(set) var fieldEnd: [Int32]
    private(set) var fieldOffsets: [UInt64] = []
    private(set) var fieldTypes: [Int32] = []
    /// A struct's walk, flattened: its pointer-holding leaves (pointer, slice, string, interface
    /// fields, through nested structs and small arrays) in field order, each with its offset,
    /// shape, type (the element type for pointers and slices) and nesting depth. Per type: the
    /// range in the leaf arrays, start -1 until computed, -2 when it is not flattened.
    private(set) var leafStart: [Int32]
    private(set) var leafEnd: [Int32]
    private(set) var leafOffset: [UInt64] = []
    private(set) var leafShape: [Shape] = []
    private(set) var leafType: [Int32] = []
    private(set) var leafDepth: [UInt8] = []
    private(set) var name: [String]
    /// Whether values can hold pointers: -1 not yet known.
    private var pointerful: [Int8]
    /// For map headers and Swiss group references: the index of their layout in `layouts`, -1
    /// none (computed with the type).
    private(set) var layoutIndex: [Int32]
    private(set) var layouts: [MapLayout] = []

    /// Where a map walker finds what it needs in a runtime map structure, read once from DWARF.
    ///
    /// - classic header `hash<K,V>`: `a` = offset of `B`, `b` = of `buckets`, `c` = of
    ///   `oldbuckets` (`UInt64.max` when absent), `d` = of `flags`; `elem` = the bucket type.
    /// - Swiss header `map<K,V>`: `a` = offset of `dirPtr`, `b` = of `dirLen`; `elem` = the
    ///   `*table<K,V>` type, `elem2` = the group type (-1 when unknown).
    /// - Swiss `groupReference<K,V>`: `a` = offset of `data`, `b` = of `lengthMask`; `elem` = the
    ///   group type.
    struct MapLayout {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = .max, d: UInt64 = 8
        var elem: Int32 = -1, elem2: Int32 = -1
    }

    init(dwarf: DWARFFile) {
        self.dwarf = dwarf
        let n = dwarf.typeCount
        flags = [UInt8](repeating: 0, count: n)
        size = [UInt64](repeating: 0, count: n)
        ownSize = [UInt64](repeating: 0, count: n)
        shape = [Shape](repeating: .none, count: n)
        header = [Int32](repeating: -1, count: n)
        elem = [Int32](repeating: -1, count: n)
        count = [UInt64](repeating: 0, count: n)
        stride = [UInt64](repeating: 0, count: n)
        fieldStart = [Int32](repeating: 0, count: n)
        fieldEnd = [Int32](repeating: 0, count: n)
        name = [String](repeating: "", count: n)
        leafStart = [Int32](repeating: -1, count: n)
        leafEnd = [Int32](repeating: -1, count: n)
        pointerful = [Int8](repeating: -1, count: n)
        layoutIndex = [Int32](repeating: -1, count: n)
    }

    /// Makes room for types synthesised since (closure records).
    mutating func grow() {
        let n = dwarf.typeCount
        guard n > flags.count else { return }
        let more = n - flags.count
        flags += repeatElement(0, count: more)
        size += repeatElement(0, count: more)
        ownSize += repeatElement(0, count: more)
        shape += repeatElement(.none, count: more)
        header += repeatElement(-1, count: more)
        elem += repeatElement(-1, count: more)
        count += repeatElement(0, count: more)
        stride += repeatElement(0, count: more)
        fieldStart += repeatElement(0, count: more)
        fieldEnd += repeatElement(0, count: more)
        name += repeatElement("", count: more)
        leafStart += repeatElement(-1, count: more)
        leafEnd += repeatElement(-1, count: more)
        pointerful += repeatElement(-1, count: more)
        layoutIndex += repeatElement(-1, count: more)
    }

    /// Computes the walk's view of a type once; returns its index into the arrays.
    @inline(__always)
    mutating func ensure(_ t: TypeID) -> Int {
        let i = t.index
        if i >= flags.count { grow() }
        if flags[i] & Flags.computed == 0 { compute(t) }
        return i
    }

    @inline(__always) func isWalkable(_ i: Int) -> Bool { shape[i] != .none }

    // Accessors by type that compute the type's entry first. (Written as one expression,
    // `flags[ensure(t)]` would hold on to the array across the mutating call: a retain and a
    // release per use.)
    @inline(__always) mutating func flags(of t: TypeID) -> UInt8 { let i = ensure(t); return flags[i] }
    @inline(__always) mutating func size(of t: TypeID) -> UInt64 { let i = ensure(t); return size[i] }
    @inline(__always) mutating func shape(of t: TypeID) -> Shape { let i = ensure(t); return shape[i] }
    @inline(__always) mutating func name(of t: TypeID) -> String { let i = ensure(t); return name[i] }

    private mutating func compute(_ t: TypeID) {
        let i = t.index
        let g = dwarf.type(t)
        let r = dwarf.type(dwarf.resolvingTypedefs(t))
        var s = Shape.none
        switch g.kind {
        case .pointer: if let e = g.elem { s = .pointer; elem[i] = e.rawValue }
        case .slice: if let e = g.elem { s = .slice; elem[i] = e.rawValue }
        case .string: s = .string
        case .interface: s = r.fields.first?.name == "tab" ? .iface : .eface
        case .map, .chan, .func:
            s = .pointerShaped
            // Go's DWARF: map[K]V is a typedef of *hash<K,V> (classic) or *map<K,V> (Swiss);
            // chan T of *hchan<T>.
            if g.kind != .func, let h = g.underlying.flatMap({ dwarf.type($0).elem }) { header[i] = h.rawValue }
            if g.kind == .chan, let e = g.elem { elem[i] = e.rawValue }
        default:
            switch r.tag {
            case .structure:
                if r.name.hasPrefix("hash<") { s = .oldMap }
                else if r.name.hasPrefix("map<") { s = .swissMap }
                else if r.name.hasPrefix("groupReference<") { s = .groupReference }
                else if r.name == "sync.Pool" || r.name == "sync.entry" || r.name.hasPrefix("sync/atomic.Pointer[") { s = .idiom }
                else if TypeShapes.isEfaceLike(r, dwarf) { s = .eface }
                let start = fieldOffsets.count
                for f in r.fields {
                    guard let ft = f.type, hasPointers(ft) else { continue }
                    fieldOffsets.append(f.offset)
                    fieldTypes.append(ft.rawValue)
                }
                fieldStart[i] = Int32(start)
                fieldEnd[i] = Int32(fieldOffsets.count)
                if s == .none, fieldOffsets.count > start { s = .structure }
                if s == .eface { fieldOffsets.removeLast(fieldOffsets.count - start); fieldTypes.removeLast(fieldTypes.count - start) }
            case .array:
                if let e = r.elem, hasPointers(e), let n = r.count, n > 0 {
                    let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
                    if es > 0 { s = .array; elem[i] = e.rawValue; count[i] = UInt64(min(n, 1 << 24)); stride[i] = es }
                }
            case .pointer:
                if let e = r.elem { s = .pointer; elem[i] = e.rawValue }
            default:
                break
            }
        }
        shape[i] = s
        size[i] = r.size
        name[i] = TypeShapes.displayName(g.name)
        var f = Flags.computed
        if g.name.contains("go.shape.*") { f |= Flags.shapePointer }
        if g.name.hasPrefix("internal/sync.node[") { f |= Flags.syncNode }
        if g.kind == .func { f |= Flags.isFunc }
        if g.name.contains("<") { f |= Flags.synthesized }
        if g.kind == .map || g.kind == .chan { f |= Flags.mapOrChan }
        if g.name == "runtime.hchan" || g.name.hasPrefix("hchan<") { f |= Flags.channelHeader }
        if i >= dwarf.types.count, g.name.hasPrefix("func ") { f |= Flags.closure }
        ownSize[i] = g.size
        flags[i] = f
        if s == .oldMap || s == .swissMap || s == .groupReference, let l = mapLayout(r, s) {
            layoutIndex[i] = Int32(layouts.count)
            layouts.append(l)
        }
    }

    /// The layout of a map structure (see `MapLayout`), or nil when DWARF lacks a part of it.
    private func mapLayout(_ r: GoType, _ s: Shape) -> MapLayout? {
        var l = MapLayout()
        switch s {
        case .oldMap:
            guard let bf = r.field(named: "B"), let buckets = r.field(named: "buckets"), let bt = buckets.type,
                  let bucket = dwarf.type(bt).elem else { return nil }
            l.a = bf.offset; l.b = buckets.offset; l.elem = bucket.rawValue
            if let old = r.field(named: "oldbuckets") { l.c = old.offset }
            l.d = r.field(named: "flags")?.offset ?? 8
        case .swissMap:
            guard let dp = r.field(named: "dirPtr"), let dl = r.field(named: "dirLen"), let dpt = dp.type,
                  let tablePtr = dwarf.type(dpt).elem, let table = dwarf.type(tablePtr).elem else { return nil }
            l.a = dp.offset; l.b = dl.offset; l.elem = tablePtr.rawValue
            let t = dwarf.type(dwarf.resolvingTypedefs(table))
            if let gr = t.fields.first(where: { $0.name == "groups" })?.type,
               let data = dwarf.type(dwarf.resolvingTypedefs(gr)).fields.first(where: { $0.name == "data" })?.type,
               let group = dwarf.type(data).elem {
                l.elem2 = group.rawValue
            }
        case .groupReference:
            guard let d = r.field(named: "data"), let m = r.field(named: "lengthMask"), let dt = d.type,
                  let group = dwarf.type(dt).elem else { return nil }
            l.a = d.offset; l.b = m.offset; l.elem = group.rawValue
        default:
            return nil
        }
        return l
    }

    /// Whether values of `t` can hold pointers (memoised).
    mutating func hasPointers(_ t: TypeID) -> Bool {
        let i = t.index
        if i >= pointerful.count { grow() }
        let m = pointerful[i]
        if m >= 0 { return m == 1 }
        pointerful[i] = 0   // cycles through structs only via pointers; provisional
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
        pointerful[i] = r ? 1 : 0
        return r
    }

    /// Computes the flattened leaves of struct `i` (see `leafStart`); structs nested deeper than
    /// 8 levels or with more than 64 leaves keep the field-by-field walk.
    mutating func flatten(_ i: Int) {
        let start = leafOffset.count
        var ok = true
        func add(_ t: TypeID, _ off: UInt64, _ level: Int) {
            guard ok else { return }
            guard level <= 8, leafOffset.count - start < 64 else { ok = false; return }
            let j = ensure(t)
            switch shape[j] {
            case .none:
                return
            case .pointer, .slice, .string, .eface, .iface:
                leafOffset.append(off); leafShape.append(shape[j]); leafType.append(elem[j]); leafDepth.append(UInt8(level))
            case .structure:
                var f = Int(fieldStart[j])
                let e = Int(fieldEnd[j])
                while f < e, ok {
                    add(TypeID(rawValue: fieldTypes[f]), off &+ fieldOffsets[f], level + 1)
                    f += 1
                }
            case .array where count[j] <= 8:
                for k in 0 ..< count[j] where ok { add(TypeID(rawValue: elem[j]), off &+ k &* stride[j], level + 1) }
            default:
                // Maps, channels, funcs, runtime idioms, larger arrays: walked by `visit`.
                leafOffset.append(off); leafShape.append(.none); leafType.append(t.rawValue); leafDepth.append(UInt8(level))
            }
        }
        var f = Int(fieldStart[i])
        let e = Int(fieldEnd[i])
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

    /// A struct that is an empty interface by another name: a type word and a data word, both
    /// `unsafe.Pointer` (`sync.eface` of sync.Pool's queues, the runtime's `eface`).
    static func isEfaceLike(_ r: GoType, _ dwarf: DWARFFile) -> Bool {
        guard r.fields.count == 2, r.size == 16,
              ["typ", "_type", "type_"].contains(r.fields[0].name), ["val", "data"].contains(r.fields[1].name),
              r.fields[0].offset == 0, r.fields[1].offset == 8 else { return false }
        return r.fields.allSatisfy { f in
            guard let t = f.type else { return false }
            let g = dwarf.type(dwarf.resolvingTypedefs(t))
            return g.kind == .unsafePointer || (g.tag == .pointer && g.elem == nil)
        }
    }

    /// A type name without the compiler's marks: "go.shape." of generic shapes and "noalg." of
    /// types without equality functions (map groups).
    static func displayName(_ name: String) -> String {
        guard name.contains("go.shape.") || name.contains("noalg.") else { return name }
        var out = ""
        var rest = Substring(name)
        while true {
            let a = rest.firstRange(of: "go.shape."), b = rest.firstRange(of: "noalg.")
            guard let first = [a, b].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else { break }
            out += rest[..<first.lowerBound]
            rest = rest[first.upperBound...]
        }
        return out + rest
    }
}
