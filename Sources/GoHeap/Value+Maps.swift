import GoCore
import GoDWARF

extension Value {
    /// The map's runtime header (`hash<K,V>` for classic maps, `map<K,V>` for Swiss maps);
    /// nil for a nil map.
    func mapHeader() throws(ValueError) -> Value? {
        _ = try expect([.map], "map")
        let p = Address(try word(at: address))
        if p.isNull { return nil }
        return value(at: p, try pointee(orNamed: "runtime.hmap"))
    }

    /// The entries of a map, each exactly once, in storage order (not Go's randomized order).
    ///
    /// Both implementations are read:
    /// - classic maps (Go 1.21–1.23, and 1.24–1.25 built with `GOEXPERIMENT=noswissmap`): the
    ///   `1<<B` buckets and their overflow chains; while the map grows, the old buckets not yet
    ///   evacuated too (an entry lives in exactly one of the two arrays);
    /// - Swiss maps (Go 1.24+): the single group of a small map, or every table of the
    ///   directory once (a table appears in `1<<(globalDepth-localDepth)` consecutive slots).
    ///
    /// Keys and elements larger than 128 bytes are stored behind pointers; the values returned
    /// are the keys and elements themselves either way. Layouts (slot offsets, strides, which of
    /// them are indirect) come from the executable's DWARF for the map's own bucket or group
    /// type, so Go 1.27's split group layout is read as well as the interleaved one.
    ///
    /// - Parameter limit: stop after that many entries (the walk is then not checked against
    ///   the header's count).
    /// - Throws: ``ValueError/damaged(_:)`` for cycles (an overflow bucket chain that loops, a
    ///   directory entry that points into the directory), tables that appear twice apart,
    ///   impossible sizes, or a walk that finds more or fewer entries than the header's count
    ///   (unless the map was being written when the core was taken).
    public func mapEntries(limit: Int = 10_000_000) throws(ValueError) -> [(key: Value, value: Value)] {
        guard let h = try mapHeader() else { return [] }
        guard let key = typedefAttribute(\.key), let elem = typedefAttribute(\.elem) else {
            throw .unknownType("\(typeName) has no key or element type")
        }
        var walk = MapWalk(header: h, key: key, elem: elem, limit: max(0, limit))
        if h.layout.field(named: "buckets") != nil {
            try walk.classic()
        } else if h.layout.field(named: "dirPtr") != nil {
            try walk.swiss()
        } else {
            throw .unknownType("\(h.typeName) is neither a classic nor a Swiss map header")
        }
        return walk.entries
    }
}

/// Where a bucket's or group's keys and elements are: key `i` at `keyBase + i * keyStride`
/// (the key itself, or a pointer to it when `indirectKey`), element `i` likewise.
struct SlotLayout: Sendable, Equatable {
    var keyBase: UInt64, keyStride: UInt64
    var elemBase: UInt64, elemStride: UInt64
    var indirectKey: Bool, indirectElem: Bool
    /// The size of the whole bucket or group.
    var size: UInt64

    /// Keys and elements above this size are stored behind a pointer (`abi.MapMaxKeyBytes`,
    /// `MapMaxElemBytes`, the same for both implementations and every version).
    static let maxInlineSize: UInt64 = 128

    /// Whether a slot of DWARF type `slot` holds a pointer to a `t` rather than a `t`.
    static func isIndirect(slot: TypeID, of t: TypeID, in dwarf: DWARFFile) throws(ValueError) -> Bool {
        let rs = dwarf.resolvingTypedefs(slot), rt = dwarf.resolvingTypedefs(t)
        if rs == rt { return false }
        let s = dwarf.type(rs), target = dwarf.type(rt)
        if target.size > maxInlineSize, s.tag == .pointer, s.size == 8 { return true }
        if s.size == target.size { return false }
        throw .unknownType("a map slot of type \(s.name) (\(s.size) bytes) for \(target.name) (\(target.size) bytes)")
    }

    /// Checks that the last slot's key and element (`keySize`, `elemSize` bytes in the slot:
    /// 8 for a pointer when indirect) fit in the bucket or group.
    func validate(slots: UInt64, keySize: UInt64, elemSize: UInt64, what: String) throws(ValueError) {
        let parts = [(keyBase, keyStride, keySize, indirectKey), (elemBase, elemStride, elemSize, indirectElem)]
        for (base, stride, item, indirect) in parts {
            let end = base &+ (slots &- 1) &* stride &+ (indirect ? 8 : item)
            guard slots > 0, slots <= 64, base < 1 << 20, stride < 1 << 20, item < 1 << 20, end <= size else {
                throw .unknownType("\(what): slots do not fit in \(size) bytes")
            }
        }
    }
}

/// One walk over a map's storage, collecting its entries with the checks that make a damaged
/// map end in an error: every loop is bounded by the header's count, the bucket or table
/// count, or a visited set.
struct MapWalk {
    let header: Value
    let key: TypeID
    let elem: TypeID
    let limit: Int
    var dwarf: DWARFFile { header.dwarf }
    /// The header's entry count.
    var count = 0
    /// The map was being written when the core was taken: counts may be off by one.
    var writing = false
    private(set) var entries: [(key: Value, value: Value)] = []

    init(header: Value, key: TypeID, elem: TypeID, limit: Int) {
        self.header = header
        self.key = key
        self.elem = elem
        self.limit = limit
    }

    /// The caller's limit is reached: the walk stops.
    var full: Bool { entries.count >= limit }

    /// Records one entry; more entries than the header counts is damage (a loop, a stale table).
    mutating func add(key k: Address, elem e: Address) throws(ValueError) {
        guard entries.count < count + (writing ? 1 : 0) else {
            throw .damaged("map \(header.address) holds more entries than its count \(count)")
        }
        entries.append((header.value(at: k, key), header.value(at: e, elem)))
    }

    /// The walk saw every entry: their number must be the header's.
    func finish() throws(ValueError) {
        guard full || writing || entries.count == count else {
            throw .damaged("map \(header.address): its count is \(count) but its storage holds \(entries.count) entries")
        }
    }

    /// A little-endian word of a bucket or group read into `bytes`.
    static func word(_ bytes: [UInt8], _ offset: UInt64) throws(ValueError) -> UInt64 {
        guard offset <= UInt64(bytes.count), UInt64(bytes.count) - offset >= 8 else {
            throw .unknownType("a word at \(offset) of a \(bytes.count)-byte bucket")
        }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[Int(offset) + i]) << (8 * UInt64(i)) }
        return v
    }

    /// The address of the key or element at `offset` in the bucket or group at `start` (whose
    /// bytes are `bytes`): the slot itself, or the pointer stored in it when `indirect`.
    static func slot(_ bytes: [UInt8], _ start: Address, _ offset: UInt64, indirect: Bool) throws(ValueError) -> Address {
        if indirect {
            let p = try word(bytes, offset)
            guard p != 0 else { throw .damaged("a nil indirect key or element in the bucket at \(start)") }
            return Address(p)
        }
        return try Value.offset(start, offset)
    }

    /// The field of a struct type, or an error naming what was looked for.
    func field(_ t: TypeID, _ name: String) throws(ValueError) -> Field {
        let g = dwarf.type(dwarf.resolvingTypedefs(t))
        guard let f = g.field(named: name) else { throw .unknownType("\(g.name) has no field \(name)") }
        return f
    }

    /// The size of a type, typedefs followed.
    func size(_ t: TypeID) -> UInt64 { dwarf.type(dwarf.resolvingTypedefs(t)).size }

    /// What a field of pointer type points to.
    func pointee(_ f: Field) throws(ValueError) -> TypeID {
        guard let t = f.type, let e = dwarf.type(dwarf.resolvingTypedefs(t)).elem else {
            throw .unknownType("field \(f.name) is not a typed pointer")
        }
        return e
    }

    /// Checks that `n` structures of `size` bytes at `base` are all in the core.
    func mapped(_ base: Address, _ n: UInt64, _ size: UInt64, _ what: String) throws(ValueError) {
        let (bytes, o) = n.multipliedReportingOverflow(by: size)
        guard !o, bytes <= AddressSpace.maxRead, header.process.core.memory.isMapped(base, count: bytes) else {
            throw .damaged("map \(header.address): \(n) \(what) of \(size) bytes at \(base) are not in the core")
        }
    }
}
