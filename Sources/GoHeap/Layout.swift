import GoDWARF

/// The layout of one runtime struct, read from the target's DWARF: field offsets and sizes,
/// including nested fields by dotted path ("sched.sp", "stack.hi").
struct StructLayout: Sendable {
    let name: String
    let size: UInt64
    private let fields: [String: (offset: UInt64, size: UInt64, type: TypeID?)]

    init(_ dwarf: DWARFFile, _ name: String) throws(HeapError) {
        guard let id = dwarf.type(named: name) else { throw .missingType(name) }
        let t = dwarf.type(dwarf.resolvingTypedefs(id))
        self.name = name
        self.size = t.size
        var out: [String: (UInt64, UInt64, TypeID?)] = [:]
        func add(_ t: GoType, prefix: String, base: UInt64, depth: Int) {
            for f in t.fields {
                let ft = f.type.map { dwarf.type(dwarf.resolvingTypedefs($0)) }
                let path = prefix + f.name
                if out[path] == nil { out[path] = (base &+ f.offset, ft?.size ?? 0, f.type) }
                if depth < 2, let ft, ft.tag == .structure { add(ft, prefix: path + ".", base: base &+ f.offset, depth: depth + 1) }
            }
        }
        add(t, prefix: "", base: 0, depth: 0)
        fields = out
    }

    func has(_ field: String) -> Bool { fields[field] != nil }

    func offset(_ field: String) throws(HeapError) -> UInt64 {
        guard let f = fields[field] else { throw .missingField(type: name, field: field) }
        return f.offset
    }
    func fieldSize(_ field: String) throws(HeapError) -> UInt64 {
        guard let f = fields[field] else { throw .missingField(type: name, field: field) }
        return f.size
    }
    func fieldType(_ field: String) -> TypeID? { fields[field]?.type }
    /// (offset, size) for reading an integer field of any width.
    func slot(_ field: String) throws(HeapError) -> FieldSlot {
        guard let f = fields[field] else { throw .missingField(type: name, field: field) }
        return FieldSlot(offset: Int(f.offset), size: Int(f.size))
    }
}

/// Where an integer field sits in a struct.
struct FieldSlot: Sendable {
    let offset: Int
    let size: Int

    /// Reads the field from a buffer holding the whole struct (little-endian, 1/2/4/8 bytes).
    @inline(__always)
    func read(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        guard offset >= 0, offset + size <= raw.count else { return 0 }
        switch size {
        case 1: return UInt64(raw.load(fromByteOffset: offset, as: UInt8.self))
        case 2: return UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        default: return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
    }
}

extension AddressSpace {
    /// Reads an integer of 1, 2, 4 or 8 bytes.
    func readUInt(at a: Address, size: UInt64) throws(CoreError) -> UInt64 {
        switch size {
        case 1: return UInt64(try read(UInt8.self, at: a))
        case 2: return UInt64(try read(UInt16.self, at: a))
        case 4: return UInt64(try read(UInt32.self, at: a))
        default: return try read(UInt64.self, at: a)
        }
    }
}

/// The runtime structures the heap reader needs, with their layouts from DWARF.
struct RuntimeLayouts: Sendable {
    let mheap: StructLayout
    let mspan: StructLayout
    let heapArena: StructLayout
    let type: StructLayout
    let moduledata: StructLayout
    let special: StructLayout
    let g: StructLayout
    let m: StructLayout?

    init(_ d: DWARFFile) throws(HeapError) {
        mheap = try StructLayout(d, "runtime.mheap")
        mspan = try StructLayout(d, "runtime.mspan")
        heapArena = try StructLayout(d, "runtime.heapArena")
        type = try StructLayout(d, "internal/abi.Type")
        moduledata = try StructLayout(d, "runtime.moduledata")
        special = try StructLayout(d, "runtime.special")
        g = try StructLayout(d, "runtime.g")
        m = try? StructLayout(d, "runtime.m")
    }
}
