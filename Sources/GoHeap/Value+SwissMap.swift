import GoCore
import GoDWARF

/// Swiss maps (Go 1.24+, `internal/runtime/maps`): DWARF describes the header as `map<K,V>`,
/// its directory as `**table<K,V>`, a table's groups as `groupReference<K,V> { data; lengthMask }`
/// and a group as `noalg.map.group[K]V { ctrl uint64; slots [8]struct { key K; elem V } }` (or,
/// with Go 1.27's `mapsplitgroup`, `{ ctrl; keys [8]K; elems [8]V }`).
///
/// The runtime's rules (1.24 `maps/map.go`, `table.go`, `group.go`):
/// - `dirLen == 0`: a small map, `dirPtr` is one group (nil before the first insert);
/// - otherwise `dirPtr` is `[dirLen]*table`, `dirLen == 1<<globalDepth`, and a table of local
///   depth `d` fills `1<<(globalDepth-d)` consecutive entries;
/// - a table has `capacity` slots (a power of two, at most 1024) in `capacity/8` groups;
/// - control byte `i` of a group (little-endian in `ctrl`) belongs to slot `i`: `0x80` empty,
///   `0xFE` deleted, high bit clear full.
extension MapWalk {
    static let maxTableCapacity: UInt64 = 1024
    static let groupSlots: UInt64 = 8

    mutating func swiss() throws(ValueError) {
        let h = header
        count = try Value.count(try h.integerField("used"), "map \(h.address) used")
        if h.layout.field(named: "writing") != nil { writing = try h.integerField("writing") != 0 }
        if full { return }
        let tablePointer = try pointee(try field(h.type, "dirPtr"))
        guard let table = dwarf.type(dwarf.resolvingTypedefs(tablePointer)).elem else {
            throw .unknownType("\(h.typeName).dirPtr is not a **table")
        }
        let groupsField = try field(table, "groups")
        guard let groupsType = groupsField.type else { throw .unknownType("\(dwarf.type(table).name).groups has no type") }
        let group = try pointee(try field(groupsType, "data"))
        let layout = try groupLayout(group)
        let ctrl = try field(group, "ctrl").offset

        let dirPtr = Address(try h.integerField("dirPtr"))
        let dirLen = try h.integerField("dirLen")
        if dirLen == 0 {
            if dirPtr.isNull {
                guard count == 0 else { throw .damaged("map \(h.address): \(count) entries but no group") }
                return
            }
            guard count <= MapWalk.groupSlots + (writing ? 1 : 0) else {
                throw .damaged("map \(h.address): a small map of \(count) entries")
            }
            try self.group(dirPtr, layout, ctrl: ctrl)
            try finish()
            return
        }
        guard dirLen.nonzeroBitCount == 1, dirLen <= 1 << 26 else {
            throw .damaged("map \(h.address): a directory of \(Int64(bitPattern: dirLen)) tables")
        }
        if h.layout.field(named: "globalDepth") != nil {
            let depth = try h.integerField("globalDepth")
            guard depth < 64, dirLen == 1 << depth else {
                throw .damaged("map \(h.address): a directory of \(dirLen) tables at global depth \(depth)")
            }
        }
        try mapped(dirPtr, dirLen, 8, "directory entries")
        let directory = try h.readBytes(at: dirPtr, count: dirLen * 8)
        let dirEnd = try Value.offset(dirPtr, dirLen * 8)
        let tableSize = dwarf.type(dwarf.resolvingTypedefs(table)).size
        // Distinct tables seen; a table's entries must be consecutive.
        var seen = Set<UInt64>()
        var previous: UInt64 = 0
        for i in 0..<dirLen {
            let t = try MapWalk.word(directory, i * 8)
            if t == previous { continue }
            guard t != 0 else { throw .damaged("map \(h.address): directory entry \(i) is nil") }
            guard t &+ tableSize <= dirPtr.rawValue || t >= dirEnd.rawValue, t <= UInt64.max - tableSize else {
                throw .damaged("map \(h.address): directory entry \(i) points into the directory (\(Address(t)))")
            }
            guard seen.insert(t).inserted else {
                throw .damaged("map \(h.address): table \(Address(t)) appears again at directory entry \(i)")
            }
            previous = t
            try self.table(Address(t), table, groups: (groupsField.offset, groupsType), layout, ctrl: ctrl)
            if full { return }
        }
        try finish()
    }

    /// The slots of a group: `slots [8]struct { key; elem }`, or split `keys [8]K; elems [8]V`.
    func groupLayout(_ group: TypeID) throws(ValueError) -> SlotLayout {
        let g = dwarf.type(dwarf.resolvingTypedefs(group))
        func array(_ f: Field) throws(ValueError) -> (elem: TypeID, stride: UInt64) {
            guard let t = f.type else { throw .unknownType("\(g.name).\(f.name) has no type") }
            let a = dwarf.type(dwarf.resolvingTypedefs(t))
            guard a.tag == .array, let e = a.elem, a.count.map(UInt64.init) == MapWalk.groupSlots else {
                throw .unknownType("\(g.name).\(f.name) is not an array of \(MapWalk.groupSlots) slots")
            }
            return (e, dwarf.type(dwarf.resolvingTypedefs(e)).size)
        }
        let layout: SlotLayout
        if let slots = g.field(named: "slots") {
            let s = try array(slots)
            let k = try field(s.elem, "key"), e = try field(s.elem, "elem")
            guard let kt = k.type, let et = e.type else { throw .unknownType("the slot of \(g.name) has untyped fields") }
            layout = SlotLayout(keyBase: slots.offset &+ k.offset, keyStride: s.stride, elemBase: slots.offset &+ e.offset,
                                elemStride: s.stride, indirectKey: try SlotLayout.isIndirect(slot: kt, of: key, in: dwarf),
                                indirectElem: try SlotLayout.isIndirect(slot: et, of: elem, in: dwarf), size: g.size)
        } else if let keys = g.field(named: "keys"), let elems = g.field(named: "elems") {
            let k = try array(keys), e = try array(elems)
            layout = SlotLayout(keyBase: keys.offset, keyStride: k.stride, elemBase: elems.offset, elemStride: e.stride,
                                indirectKey: try SlotLayout.isIndirect(slot: k.elem, of: key, in: dwarf),
                                indirectElem: try SlotLayout.isIndirect(slot: e.elem, of: elem, in: dwarf), size: g.size)
        } else {
            throw .unknownType("\(g.name) has neither slots nor keys and elems")
        }
        try layout.validate(slots: MapWalk.groupSlots, keySize: size(key), elemSize: size(elem), what: g.name)
        return layout
    }

    /// One table: `lengthMask + 1` groups at `groups.data` (`groups` being the offset and
    /// type of the table's `groupReference` field).
    mutating func table(_ t: Address, _ table: TypeID, groups field: (offset: UInt64, type: TypeID), _ layout: SlotLayout,
                        ctrl: UInt64) throws(ValueError) {
        let tv = header.value(at: t, table)
        let capacity = try tv.integerField("capacity"), used = try tv.integerField("used")
        let groups = header.value(at: try Value.offset(t, field.offset), field.type)
        let data = Address(try groups.integerField("data")), mask = try groups.integerField("lengthMask")
        let n = mask &+ 1
        guard n.nonzeroBitCount == 1, n &* MapWalk.groupSlots == capacity, capacity <= MapWalk.maxTableCapacity,
              used <= capacity, !data.isNull else {
            throw .damaged("map \(header.address): table \(t) has capacity \(capacity), \(used) used, "
                           + "lengthMask \(mask), groups at \(data)")
        }
        try mapped(data, n, layout.size, "groups")
        for g in 0..<n {
            try group(try Value.element(data, g, stride: layout.size), layout, ctrl: ctrl)
            if full { return }
        }
    }

    /// The full slots of one group.
    mutating func group(_ g: Address, _ layout: SlotLayout, ctrl: UInt64) throws(ValueError) {
        let bytes = try header.readBytes(at: g, count: layout.size)
        let control = try MapWalk.word(bytes, ctrl)
        for i in 0..<MapWalk.groupSlots where (control >> (8 * i)) & 0x80 == 0 {
            let k = try MapWalk.slot(bytes, g, layout.keyBase &+ i &* layout.keyStride, indirect: layout.indirectKey)
            let e = try MapWalk.slot(bytes, g, layout.elemBase &+ i &* layout.elemStride, indirect: layout.indirectElem)
            try add(key: k, elem: e)
            if full { return }
        }
    }
}
