import GoCore
import GoDWARF

/// What can go wrong while reading a Go value through ``Value``.
public enum ValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation needs another kind of value (`expected`), e.g. `len()` on an int.
    case kindMismatch(expected: String, actual: String)
    /// The struct (named by `in`) has no field of that name, not even through embedded fields.
    case noSuchField(String, in: String)
    /// An index past the end of an array, slice or string of `count` elements.
    case indexOutOfRange(Int, count: Int)
    /// A nil pointer (or nil func) was followed.
    case nilPointer
    /// Target memory could not be read.
    case memory(CoreError)
    /// A runtime structure holds impossible values (a cycle, a count that does not add up, …).
    case damaged(String)
    /// A type the operation needs is absent from DWARF, or has a layout this SDK does not know.
    case unknownType(String)

    public var description: String {
        switch self {
        case let .kindMismatch(expected, actual): return "expected a value of kind \(expected), got \(actual)"
        case let .noSuchField(name, type): return "\(type) has no field \(name)"
        case let .indexOutOfRange(i, count): return "index \(i) out of range [0, \(count))"
        case .nilPointer: return "nil pointer"
        case let .memory(e): return "cannot read target memory: \(e)"
        case let .damaged(what): return "damaged runtime structure: \(what)"
        case let .unknownType(what): return "unknown type: \(what)"
        }
    }
}

/// A typed cursor over target memory: what `reflect.Value` is to a live Go program.
///
/// A value is an address and a DWARF type; nothing is read until asked, and every read goes
/// through the core's bounds-checked memory, so a damaged core gives a ``ValueError``, never a
/// trap. Operations that do not fit the value's kind throw ``ValueError/kindMismatch(expected:actual:)``.
///
/// ```swift
/// let point = try process.global("main.gPoint")?.dereferenced()   // *main.Point → main.Point
/// let x = try point?.field("X").int()
/// for (k, v) in try process.global("main.gMap")?.mapEntries() ?? [] {
///     print(try k.string(), try v.int())
/// }
/// ```
///
/// Maps (classic buckets and Swiss tables), channels, interfaces and closures are read the
/// way the runtime lays them out, with the layouts the executable's DWARF gives.
public struct Value: Sendable, CustomStringConvertible {
    public let process: Process
    /// Where the value lives in the target.
    public let address: Address
    /// The value's DWARF type (in `process.dwarf`).
    public let type: TypeID
    let dwarf: DWARFFile

    /// A value of DWARF type `type` at `address`.
    ///
    /// - Precondition: `process.dwarf` is not nil and `type` came from it (a ``TypeID`` can only
    ///   come from a DWARF file, so this holds for any ID obtained from `process.dwarf`).
    public init(process: Process, address: Address, type: TypeID) {
        guard let dwarf = process.dwarf, type.index >= 0, type.index < dwarf.typeCount else {
            preconditionFailure("Value(type: \(type)) needs a TypeID from process.dwarf")
        }
        self.process = process
        self.address = address
        self.type = type
        self.dwarf = dwarf
    }

    init(_ dwarf: DWARFFile, _ process: Process, _ address: Address, _ type: TypeID) {
        self.process = process
        self.address = address
        self.type = type
        self.dwarf = dwarf
    }

    /// Another value of the same process.
    func value(at address: Address, _ type: TypeID) -> Value { Value(dwarf, process, address, type) }

    // MARK: Type

    /// The DWARF type as declared (a typedef for maps, channels, interfaces and named types).
    public var goType: GoType { dwarf.type(type) }
    /// The type's Go name: `main.Point`, `*main.Point`, `map[string]int`.
    public var typeName: String { goType.name }
    /// The type with typedefs followed: the layout the value has in memory.
    var layout: GoType { dwarf.type(dwarf.resolvingTypedefs(type)) }

    /// The value's kind: DWARF's `DW_AT_go_kind`, else (for types the compiler made up for the
    /// debugger, such as `hchan<T>`, which have no kind or kind 0) one inferred from the DWARF
    /// tag and encoding.
    public var kind: GoKind? {
        if let k = goType.kind, k != .invalid { return k }
        let r = layout
        if let k = r.kind, k != .invalid { return k }
        switch r.tag {
        case .pointer: return r.elem == nil ? .unsafePointer : .pointer
        case .structure: return .struct
        case .array: return .array
        case .subroutine: return .func
        case .base:
            switch (r.encoding, r.size) {
            case (0x02?, _): return .bool
            case (0x03?, 8): return .complex64
            case (0x03?, _): return .complex128
            case (0x04?, 4): return .float32
            case (0x04?, _): return .float64
            case (0x05?, 1), (0x06?, 1): return .int8
            case (0x05?, 2): return .int16
            case (0x05?, 4): return .int32
            case (0x05?, _): return .int64
            case (0x07?, 1), (0x08?, 1): return .uint8
            case (0x07?, 2): return .uint16
            case (0x07?, 4): return .uint32
            case (0x07?, _): return .uint64
            default: return nil
            }
        default: return nil
        }
    }

    /// The size of the value in bytes.
    public var size: UInt64 { goType.size != 0 ? goType.size : layout.size }

    public var description: String { "\(typeName) @ \(address)" }

    var kindName: String { kind?.description ?? "unknown (\(typeName))" }

    /// The value's kind, if it is one of `kinds`; else a kind mismatch naming `expected`.
    func expect(_ kinds: Set<GoKind>, _ expected: String) throws(ValueError) -> GoKind {
        guard let k = kind, kinds.contains(k) else { throw .kindMismatch(expected: expected, actual: kindName) }
        return k
    }

    // MARK: Reading memory

    /// `address + offset`, throwing on overflow.
    func at(_ offset: UInt64) throws(ValueError) -> Address {
        try Value.offset(address, offset)
    }

    static func offset(_ base: Address, _ offset: UInt64) throws(ValueError) -> Address {
        guard let a = base.adding(offset) else { throw .damaged("address \(base) + \(offset) overflows") }
        return a
    }

    /// `base + index * stride`, throwing on overflow.
    static func element(_ base: Address, _ index: UInt64, stride: UInt64) throws(ValueError) -> Address {
        let (off, o) = index.multipliedReportingOverflow(by: stride)
        guard !o else { throw .damaged("element \(index) of stride \(stride) at \(base) overflows") }
        return try offset(base, off)
    }

    /// A little-endian integer of target memory.
    func read<T: FixedWidthInteger>(_: T.Type, at a: Address) throws(ValueError) -> T {
        do { return try process.core.memory.read(T.self, at: a) } catch { throw .memory(error) }
    }

    /// A pointer-sized word of target memory.
    func word(at a: Address) throws(ValueError) -> UInt64 { try read(UInt64.self, at: a) }

    /// `count` bytes of target memory (at most `AddressSpace.maxRead`).
    func readBytes(at a: Address, count: UInt64) throws(ValueError) -> [UInt8] {
        do { return try process.core.memory.readBytes(at: a, count: count) } catch { throw .memory(error) }
    }

    /// An unsigned integer of 1, 2, 4 or 8 bytes at `a`.
    func unsigned(at a: Address, size: UInt64) throws(ValueError) -> UInt64 {
        switch size {
        case 1: return UInt64(try read(UInt8.self, at: a))
        case 2: return UInt64(try read(UInt16.self, at: a))
        case 4: return UInt64(try read(UInt32.self, at: a))
        case 8: return try read(UInt64.self, at: a)
        default: throw .unknownType("\(typeName): an integer of \(size) bytes")
        }
    }

    /// The offset of a field of this value's layout, or `fallback` when DWARF does not name it.
    func fieldOffset(_ name: String, fallback: UInt64) -> UInt64 {
        layout.field(named: name)?.offset ?? fallback
    }

    /// An integer (or pointer) field of this struct, read at its DWARF size.
    func integerField(_ name: String) throws(ValueError) -> UInt64 {
        guard let f = layout.field(named: name), let ft = f.type else { throw .unknownType("\(typeName) has no field \(name)") }
        return try unsigned(at: at(f.offset), size: dwarf.type(dwarf.resolvingTypedefs(ft)).size)
    }

    /// A count read from the target as a non-negative `Int`.
    static func count(_ raw: UInt64, _ what: String) throws(ValueError) -> Int {
        guard let n = Int(exactly: raw), n >= 0, raw < 1 << 48 else { throw .damaged("\(what) is \(Int64(bitPattern: raw))") }
        return n
    }

    // MARK: Structs

    /// Whether the value is a struct (including the runtime structs DWARF describes without a kind).
    var isStruct: Bool { layout.tag == .structure && (kind == .struct || kind == nil) }

    /// The struct field with that name; promoted fields of embedded structs (and of embedded
    /// pointers to structs) are found as Go's selector finds them, shallowest first.
    ///
    /// - Throws: ``ValueError/kindMismatch(expected:actual:)`` for a non-struct,
    ///   ``ValueError/noSuchField(_:in:)``, ``ValueError/nilPointer`` for a nil embedded pointer
    ///   on the way.
    public func field(_ name: String) throws(ValueError) -> Value {
        guard isStruct else { throw .kindMismatch(expected: "struct", actual: kindName) }
        var level: [Value] = [self]
        for _ in 0..<8 {
            var next: [Value] = []
            for s in level {
                let t = s.layout
                if let f = t.field(named: name) {
                    guard let ft = f.type else { throw .unknownType("field \(name) of \(s.typeName) has no type") }
                    return value(at: try s.at(f.offset), ft)
                }
                for f in t.fields where f.isEmbedded {
                    guard let ft = f.type else { continue }
                    var v = value(at: try s.at(f.offset), ft)
                    if v.kind == .pointer {
                        guard let pointee = try v.dereferenced() else {
                            if v.reaches(name) { throw .nilPointer }
                            continue
                        }
                        v = pointee
                    }
                    if v.isStruct, next.count < 256 { next.append(v) }
                }
            }
            if next.isEmpty { break }
            level = next
        }
        throw .noSuchField(name, in: typeName)
    }

    /// Whether the struct (behind a pointer) this value points to has a field `name`, directly.
    private func reaches(_ name: String) -> Bool {
        guard let e = layout.elem else { return false }
        return dwarf.type(dwarf.resolvingTypedefs(e)).field(named: name) != nil
    }

    /// The struct's own fields, in declaration order (embedded ones as one field each).
    public func fields() throws(ValueError) -> [(name: String, isEmbedded: Bool, value: Value)] {
        guard isStruct else { throw .kindMismatch(expected: "struct", actual: kindName) }
        var out: [(name: String, isEmbedded: Bool, value: Value)] = []
        for f in layout.fields {
            guard let ft = f.type else { throw .unknownType("field \(f.name) of \(typeName) has no type") }
            out.append((f.name, f.isEmbedded, value(at: try at(f.offset), ft)))
        }
        return out
    }

    // MARK: Pointers

    /// The raw word of a pointer, `unsafe.Pointer`, map, channel or func value.
    public func pointerValue() throws(ValueError) -> Address {
        _ = try expect([.pointer, .unsafePointer, .map, .chan, .func], "pointer, unsafe.Pointer, map, chan or func")
        return Address(try word(at: address))
    }

    /// What a pointer points to; nil for a nil pointer.
    ///
    /// - Throws: ``ValueError/unknownType(_:)`` for `unsafe.Pointer`, which has no pointee type.
    public func dereferenced() throws(ValueError) -> Value? {
        let k = try expect([.pointer, .unsafePointer], "ptr")
        guard k == .pointer, let pointee = goType.elem ?? layout.elem else {
            throw .unknownType("\(typeName) has no pointee type")
        }
        let p = Address(try word(at: address))
        return p.isNull ? nil : value(at: p, pointee)
    }

    // MARK: Sequences

    /// The length of an array, slice, string, map (its entry count) or channel (queued elements).
    public func len() throws(ValueError) -> Int {
        switch try expect([.array, .slice, .string, .map, .chan], "array, slice, string, map or chan") {
        case .array: return Value.clamp(layout.count)
        case .slice, .string: return try Value.count(try word(at: at(fieldOffset("len", fallback: 8))), "\(typeName) length")
        case .map:
            guard let h = try mapHeader() else { return 0 }
            let raw = try h.layout.field(named: "count") != nil ? h.integerField("count") : h.integerField("used")
            return try Value.count(raw, "\(typeName) count")
        default:
            guard let h = try channelHeader() else { return 0 }
            return try Value.count(try h.integerField("qcount"), "\(typeName) qcount")
        }
    }

    /// The capacity of an array, slice or channel (its buffer size).
    public func cap() throws(ValueError) -> Int {
        switch try expect([.array, .slice, .chan], "array, slice or chan") {
        case .array: return Value.clamp(layout.count)
        case .slice: return try Value.count(try word(at: at(fieldOffset("cap", fallback: 16))), "\(typeName) capacity")
        default:
            guard let h = try channelHeader() else { return 0 }
            return try Value.count(try h.integerField("dataqsiz"), "\(typeName) dataqsiz")
        }
    }

    /// An array's DWARF element count as an `Int` (0 when absent).
    static func clamp(_ n: Int64?) -> Int { Int(max(0, n ?? 0)) }

    /// Element `i` of an array or slice, or byte `i` of a string (as a `uint8` value).
    public func index(_ i: Int) throws(ValueError) -> Value {
        let k = try expect([.array, .slice, .string], "array, slice or string")
        let n = try len()
        guard i >= 0, i < n else { throw .indexOutOfRange(i, count: n) }
        let elem: TypeID, base: Address
        switch k {
        case .array:
            guard let e = layout.elem else { throw .unknownType("\(typeName) has no element type") }
            (elem, base) = (e, address)
        case .slice:
            guard let e = goType.elem ?? sliceElem else { throw .unknownType("\(typeName) has no element type") }
            (elem, base) = (e, Address(try word(at: at(fieldOffset("array", fallback: 0)))))
        default:
            guard let u8 = dwarf.type(named: "uint8") else { throw .unknownType("uint8") }
            (elem, base) = (u8, Address(try word(at: at(fieldOffset("str", fallback: 0)))))
        }
        let stride = dwarf.type(dwarf.resolvingTypedefs(elem)).size
        return value(at: try Value.element(base, UInt64(i), stride: stride), elem)
    }

    /// A slice's element type from its `array` field (`*T`), for DWARF without `DW_AT_go_elem`.
    private var sliceElem: TypeID? {
        layout.field(named: "array")?.type.flatMap { dwarf.type($0).elem }
    }

    /// A string's contents (at most `limit` bytes, invalid UTF-8 replaced).
    public func string(limit: Int = 1 << 20) throws(ValueError) -> String {
        _ = try expect([.string], "string")
        return String(decoding: try bytes(limit: limit), as: UTF8.self)
    }

    /// The bytes of a string, of a slice or array of 1-byte elements (`[]byte`, `[16]uint8`), at
    /// most `limit` of them.
    public func bytes(limit: Int) throws(ValueError) -> [UInt8] {
        let k = try expect([.string, .slice, .array], "string, []byte or [N]byte")
        let n = UInt64(min(max(limit, 0), try len()))
        switch k {
        case .string:
            return try readBytes(at: Address(try word(at: at(fieldOffset("str", fallback: 0)))), count: n)
        case .slice:
            guard let e = goType.elem ?? sliceElem, dwarf.type(dwarf.resolvingTypedefs(e)).size == 1 else {
                throw .kindMismatch(expected: "[]byte", actual: typeName)
            }
            return try readBytes(at: Address(try word(at: at(fieldOffset("array", fallback: 0)))), count: n)
        default:
            guard let e = layout.elem, dwarf.type(dwarf.resolvingTypedefs(e)).size == 1 else {
                throw .kindMismatch(expected: "[N]byte", actual: typeName)
            }
            return try readBytes(at: address, count: n)
        }
    }

    // MARK: Scalars

    /// A signed integer (`int`, `int8` … `int64`), sign-extended.
    public func int() throws(ValueError) -> Int64 {
        _ = try expect([.int, .int8, .int16, .int32, .int64], "int")
        let s = layout.size
        let raw = try unsigned(at: address, size: s)
        let shift = 64 - 8 * s
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }

    /// An unsigned integer (`uint`, `uint8` … `uint64`, `uintptr`).
    public func uint() throws(ValueError) -> UInt64 {
        _ = try expect([.uint, .uint8, .uint16, .uint32, .uint64, .uintptr], "uint")
        return try unsigned(at: address, size: layout.size)
    }

    /// A `float32` or `float64`.
    public func float() throws(ValueError) -> Double {
        if try expect([.float32, .float64], "float") == .float32 {
            return Double(Float(bitPattern: try read(UInt32.self, at: address)))
        }
        return Double(bitPattern: try read(UInt64.self, at: address))
    }

    /// A `complex64` or `complex128` as (real, imaginary).
    public func complex() throws(ValueError) -> (Double, Double) {
        if try expect([.complex64, .complex128], "complex") == .complex64 {
            return (Double(Float(bitPattern: try read(UInt32.self, at: address))),
                    Double(Float(bitPattern: try read(UInt32.self, at: at(4)))))
        }
        return (Double(bitPattern: try read(UInt64.self, at: address)), Double(bitPattern: try read(UInt64.self, at: at(8))))
    }

    /// A `bool`.
    public func bool() throws(ValueError) -> Bool {
        _ = try expect([.bool], "bool")
        return try read(UInt8.self, at: address) != 0
    }
}

extension Process {
    /// The package-level variable with that qualified name (`main.gPoint`) as a ``Value``; nil
    /// without DWARF or when DWARF has no such typed global.
    public func global(_ name: String) -> Value? {
        guard let dwarf, let g = dwarf.global(named: name), let t = g.type else { return nil }
        return Value(dwarf, self, Address(g.address &+ core.loadBias), t)
    }
}
