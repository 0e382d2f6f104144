import GoDWARF

/// A runtime type descriptor (`internal/abi.Type`) read from the target, with its pointer mask.
public struct RuntimeType: Sendable {
    public let address: UInt64
    public let size: UInt64
    /// Bytes of the prefix of the type that can hold pointers (`PtrBytes`).
    public let ptrBytes: UInt64
    public let kind: GoKind?
    public let tflag: UInt8
    /// Whether an interface holds a value of this type directly in its data word
    /// (`Kind_ & KindDirectIface` up to Go 1.25, `TFlag & TFlagDirectIface` from 1.26).
    public let directInterface: Bool
    /// The type's name as the runtime spells it ("main.Node", "*main.Node", "[]int").
    public let name: String
    /// The indexes of the words (of the first `ptrBytes`) that hold pointers, ascending.
    public let pointerWords: [UInt32]
    /// The element type's descriptor for pointers, slices, arrays and channels, else 0.
    public internal(set) var elem: UInt64 = 0
    /// The length of an array type, else 0.
    public internal(set) var length: UInt64 = 0
    /// For interface types: whether it has no methods (`any`: the first word is a type, not an itab).
    public internal(set) var isEmptyInterface = false

    init(address: UInt64, size: UInt64, ptrBytes: UInt64, kind: GoKind?, tflag: UInt8, directInterface: Bool,
         name: String, mask: [UInt64]) {
        self.directInterface = directInterface
        self.address = address
        self.size = size
        self.ptrBytes = ptrBytes
        self.kind = kind
        self.tflag = tflag
        self.name = name
        var words: [UInt32] = []
        for (i, m) in mask.enumerated() where m != 0 {
            var bits = m
            while bits != 0 {
                let b = bits.trailingZeroBitCount
                let w = i * 64 + b
                if UInt64(w) < ptrBytes / 8 { words.append(UInt32(w)) }
                bits &= bits &- 1
            }
        }
        pointerWords = words
    }
}

/// Reads `internal/abi.Type` descriptors and their GC masks, caching each by address.
///
/// The pointer mask comes from `GCData`: a plain bitmap, except from Go 1.24 when
/// `TFlagGCMaskOnDemand` is set: then `GCData` points to a slot holding the mask, which is nil
/// until the runtime first needs it; in that case the mask is built from the type's structure,
/// as the runtime's `buildGCMask` does.
final class RuntimeTypeReader: @unchecked Sendable {
    let mem: AddressSpace
    let version: GoVersion
    private let sizeSlot, ptrBytesSlot, tflagSlot, kindSlot, gcdataSlot, strSlot: FieldSlot
    private let typeSize: UInt64
    /// Module type ranges: (types, etypes) for name offsets.
    let modules: [(types: UInt64, etypes: UInt64)]
    private let inProgress: UInt64?
    private let arrayElem: UInt64?, arrayLen: UInt64?, structFields: UInt64?
    private let fieldSize: UInt64, fieldTyp: UInt64, fieldOffset: UInt64
    private var cache: [UInt64: RuntimeType?] = [:]
    private var names: [UInt64: String] = [:]

    init(mem: AddressSpace, dwarf: DWARFFile, layouts: RuntimeLayouts, version: GoVersion,
         modules: [(types: UInt64, etypes: UInt64)], inProgress: UInt64?) throws(HeapError) {
        self.mem = mem
        self.version = version
        self.modules = modules
        self.inProgress = inProgress
        let t = layouts.type
        sizeSlot = try t.slot("Size_"); ptrBytesSlot = try t.slot("PtrBytes"); tflagSlot = try t.slot("TFlag")
        kindSlot = try t.slot("Kind_"); gcdataSlot = try t.slot("GCData"); strSlot = try t.slot("Str")
        typeSize = t.size
        let array = try? StructLayout(dwarf, "internal/abi.ArrayType")
        arrayElem = try? array?.offset("Elem")
        arrayLen = try? array?.offset("Len")
        structFields = try? StructLayout(dwarf, "internal/abi.StructType").offset("Fields")
        let sf = try? StructLayout(dwarf, "internal/abi.StructField")
        fieldSize = sf?.size ?? 24
        fieldTyp = (try? sf?.offset("Typ")) ?? 8
        fieldOffset = (try? sf?.offset("Offset")) ?? 16
    }

    /// The type at `address`, or nil when it cannot be read or is implausible.
    func type(at address: UInt64) -> RuntimeType? {
        if let c = cache[address] { return c }
        let t = load(address, depth: 0)
        cache[address] = t
        return t
    }

    private func header(_ address: UInt64) -> (size: UInt64, ptrBytes: UInt64, tflag: UInt8, kindByte: UInt8, gcdata: UInt64, str: UInt32)? {
        guard address != 0, address % 8 == 0 else { return nil }
        return try? mem.withBytes(at: Address(address), count: typeSize) { raw in
            (sizeSlot.read(raw), ptrBytesSlot.read(raw), UInt8(truncatingIfNeeded: tflagSlot.read(raw)),
             UInt8(truncatingIfNeeded: kindSlot.read(raw)), gcdataSlot.read(raw), UInt32(truncatingIfNeeded: strSlot.read(raw)))
        }
    }

    private func load(_ address: UInt64, depth: Int) -> RuntimeType? {
        // A mask larger than 4 GiB of pointers is damage, not a type.
        guard let h = header(address), h.ptrBytes <= h.size || h.size == 0, h.size < 1 << 40, h.ptrBytes < 1 << 35 else { return nil }
        let kind = GoKind(rawValue: h.kindByte & 0x1f)
        let name = typeName(address, str: h.str, tflag: h.tflag)
        let words = Int(h.ptrBytes / 8)
        var mask = [UInt64](repeating: 0, count: (words + 63) / 64)
        if words > 0 {
            let onDemand = version.atLeast(24) && h.tflag & 0x10 != 0
            var maskAddress: UInt64 = h.gcdata
            if onDemand {
                let p = (try? mem.read(UInt64.self, at: Address(h.gcdata))) ?? 0
                maskAddress = (p == inProgress) ? 0 : p
            }
            if maskAddress != 0, let bytes = try? mem.readBytes(at: Address(maskAddress), count: UInt64((words + 7) / 8)) {
                for (i, b) in bytes.enumerated() { mask[i / 8] |= UInt64(b) << UInt64((i % 8) * 8) }
            } else if !build(address, into: &mask, at: 0, depth: 0) {
                return nil
            }
        }
        let direct = version.atLeast(26) ? h.tflag & 0x20 != 0 : h.kindByte & 0x20 != 0
        var t = RuntimeType(address: address, size: h.size, ptrBytes: h.ptrBytes, kind: kind, tflag: h.tflag,
                            directInterface: direct, name: name, mask: mask)
        // What follows the Type header: Elem for pointers, slices and chans; Elem, Slice, Len for
        // arrays; PkgPath, Methods for interfaces (internal/abi).
        switch kind {
        case .pointer, .slice, .chan:
            t.elem = (try? mem.read(UInt64.self, at: Address(address &+ typeSize))) ?? 0
        case .array:
            t.elem = (try? mem.read(UInt64.self, at: Address(address &+ (arrayElem ?? typeSize)))) ?? 0
            t.length = (try? mem.read(UInt64.self, at: Address(address &+ (arrayLen ?? typeSize &+ 16)))) ?? 0
        case .interface:
            let methods = (try? mem.read(UInt64.self, at: Address(address &+ typeSize &+ 16))) ?? 1
            t.isEmptyInterface = methods == 0
        default:
            break
        }
        return t
    }

    /// Sets the pointer bits of the type at `address` placed at word `base`, from its structure.
    private func build(_ address: UInt64, into mask: inout [UInt64], at base: Int, depth: Int) -> Bool {
        guard depth < 64, let h = header(address) else { return false }
        if h.ptrBytes == 0 { return true }
        func set(_ w: Int) { if w >= 0, w / 64 < mask.count { mask[w / 64] |= 1 << UInt64(w % 64) } }
        switch GoKind(rawValue: h.kindByte & 0x1f) {
        case .pointer, .unsafePointer, .chan, .map, .func, .string, .slice:
            set(base)
        case .interface:
            set(base); set(base + 1)
        case .array:
            guard let eo = arrayElem, let lo = arrayLen,
                  let elem = try? mem.read(UInt64.self, at: Address(address &+ eo)),
                  let n = try? mem.read(UInt64.self, at: Address(address &+ lo)),
                  let eh = header(elem), eh.size > 0 else { return false }
            let stride = Int(min(eh.size / 8, 1 << 32))
            let limit = mask.count * 64
            var i: UInt64 = 0, at = base
            while i < n, at < limit {
                if !build(elem, into: &mask, at: at, depth: depth + 1) { return false }
                i += 1
                at += stride
            }
        case .struct:
            guard let fo = structFields, let fields = try? mem.readPointer(at: Address(address &+ fo)),
                  let n = try? mem.read(UInt64.self, at: Address(address &+ fo &+ 8)), n < 1 << 16 else { return false }
            for i in 0..<n {
                let f = fields.rawValue &+ i &* fieldSize
                guard let typ = try? mem.read(UInt64.self, at: Address(f &+ fieldTyp)),
                      let off = try? mem.read(UInt64.self, at: Address(f &+ fieldOffset)) else { return false }
                guard off < 1 << 40 else { return false }
                if !build(typ, into: &mask, at: base + Int(off / 8), depth: depth + 1) { return false }
            }
        default:
            return false
        }
        return true
    }

    /// The fields of a struct type: (offset, field type address); empty for other kinds.
    func structFields(of address: UInt64) -> [(offset: UInt64, type: UInt64)] {
        guard let h = header(address), GoKind(rawValue: h.kindByte & 0x1f) == .struct, let fo = structFields,
              let fields = try? mem.readPointer(at: Address(address &+ fo)),
              let n = try? mem.read(UInt64.self, at: Address(address &+ fo &+ 8)), n < 1 << 12 else { return [] }
        var out: [(UInt64, UInt64)] = []
        for i in 0..<n {
            let f = fields.rawValue &+ i &* fieldSize
            guard let typ = try? mem.read(UInt64.self, at: Address(f &+ fieldTyp)),
                  let off = try? mem.read(UInt64.self, at: Address(f &+ fieldOffset)) else { break }
            out.append((off, typ))
        }
        return out
    }

    /// The name of a type: its `Str` offset resolved against the module holding the type.
    func typeName(_ address: UInt64, str: UInt32, tflag: UInt8) -> String {
        guard let m = modules.first(where: { $0.types <= address && address < $0.etypes }) ?? modules.first else { return "?" }
        let p = m.types &+ UInt64(str)
        if let n = names[p] { return tflag & 2 != 0 && n.hasPrefix("*") ? String(n.dropFirst()) : n }
        var name = "?"
        if let head = try? mem.readBytes(at: Address(p), count: 11) {
            // flag byte, then a uvarint length, then the bytes.
            var len: UInt64 = 0, shift: UInt64 = 0, i = 1
            while i < head.count, shift < 64 {
                len |= UInt64(head[i] & 0x7f) << shift
                i += 1
                if head[i - 1] & 0x80 == 0 { break }
                shift += 7
            }
            if len < 1 << 16, let s = try? mem.readString(at: Address(p &+ UInt64(i)), count: len) { name = s }
        }
        names[p] = name
        return tflag & 2 != 0 && name.hasPrefix("*") ? String(name.dropFirst()) : name
    }
}
