import CSupport
import GoDWARF

/// The type each object has been given so far and how sure the typer is of it, and the table of
/// the heap types those types index (`T`, `[n]T`, runtime-only types, closure records, strings).
///
/// Per object a state byte and a type index. Most offers are refused from the state byte alone,
/// and the bytes of all objects are a quarter of the type indexes: the check of an offer mostly
/// hits the cache, and taking it writes the index without waiting for it. The state byte holds
/// the confidence (bits 0–5), whether the type is a runtime type DWARF lacks (bit 6) and whether
/// the element count is known (a slice's cap, a map's bucket count) rather than guessed from
/// the slot size (bit 7). The heap keeps the type indexes.
struct TypeAssignments {
    static let runtimeTrust: UInt8 = 40, globalTrust: UInt8 = 30, stackTrust: UInt8 = 20
    static let confidenceMask: UInt8 = 0x3f
    /// The type is a runtime type DWARF lacks.
    static let runtimeOnly: UInt8 = 0x40
    static let explicitCount: UInt8 = 0x80
    /// The most distinct heap types made; past it, new ones are not (a guard on damaged heaps).
    static let maxHeapTypes = (1 << 24) - 2

    private(set) var states: [UInt8]
    /// Per object: its heap type's index, -1 when untyped.
    private(set) var types: [Int32]
    private(set) var heapTypes: [HeapType] = []
    private var byKey: [HeapType: Int32] = [:]
    /// Per heap type: its DWARF type (-1 none), element count, runtime type; parallel to `heapTypes`.
    private(set) var dwarfOf: [Int32] = [], countOf: [UInt64] = [], runtimeOf: [UInt64] = []
    /// Per DWARF type: the heap type of one value of it, -1 until made.
    private var single: [Int32] = []
    private var arrays: [ArrayKey: Int32] = [:]
    /// A direct-mapped cache in front of `arrays`: most slices repeat a few (T, n).
    private var arrayCache = [ArrayCacheEntry](repeating: ArrayCacheEntry(type: -1, count: 0, index: -1), count: 1 << 12)
    private var stringIndex: Int32 = -1

    init(objects: Int) {
        states = hugePageArray(repeating: 0, count: objects)
        types = hugePageArray(repeating: -1, count: objects)
    }

    // MARK: per object

    /// The heap type index of an object, -1 when untyped.
    @inline(__always) func type(_ id: Int) -> Int32 { types[id] }
    /// The state byte of an object (confidence and the two flags).
    @inline(__always) func state(_ id: Int) -> UInt8 { states[id] }
    @inline(__always) func confidence(_ id: Int) -> UInt8 { state(id) & TypeAssignments.confidenceMask }

    @inline(__always) mutating func set(_ id: Int, type: Int32, confidence: UInt8) {
        let runtimeOnly = type >= 0 && Int(type) < dwarfOf.count && dwarfOf[Int(type)] < 0 && runtimeOf[Int(type)] != 0
        let flags = confidence & (TypeAssignments.confidenceMask | TypeAssignments.explicitCount)
            | (runtimeOnly ? TypeAssignments.runtimeOnly : 0)
        types[id] = type
        states[id] = flags
    }

    /// Prefetches an object's state byte, to be read soon.
    @inline(__always) func prefetch(_ id: Int) {
        states.withUnsafeBufferPointer { b in
            if id >= 0, id < b.count, let base = b.baseAddress { hv_prefetch(UnsafeRawPointer(base + id)) }
        }
    }

    /// Prefetches an object's state byte and type index, to be read soon (an object about to
    /// be walked).
    @inline(__always) func prefetchBoth(_ id: Int) {
        prefetch(id)
        types.withUnsafeBufferPointer { b in
            if id >= 0, id < b.count, let base = b.baseAddress { hv_prefetch(UnsafeRawPointer(base + id)) }
        }
    }

    // MARK: heap types

    /// The index of a heap type, made on first use; -1 when the table is full.
    mutating func index(of t: HeapType) -> Int32 {
        if let i = byKey[t] { return i }
        guard heapTypes.count < TypeAssignments.maxHeapTypes else { return -1 }
        let i = Int32(heapTypes.count)
        heapTypes.append(t)
        dwarfOf.append(t.dwarf?.rawValue ?? -1)
        countOf.append(t.count)
        runtimeOf.append(t.runtimeType)
        byKey[t] = i
        return i
    }

    /// The heap type of a single value of DWARF type `t`, -1 when not made yet (`makeSingle`).
    @inline(__always) func single(_ t: TypeID) -> Int32 {
        let i = t.index
        return i < single.count ? single[i] : -1
    }

    /// Makes the heap type of a single value of DWARF type `t`, named `name`.
    mutating func makeSingle(_ t: TypeID, name: String) -> Int32 {
        let i = t.index
        if i >= single.count { single += repeatElement(-1, count: i + 1 - single.count) }
        if single[i] >= 0 { return single[i] }
        let index = index(of: HeapType(name: name, dwarf: t, count: 0))
        single[i] = index
        return index
    }

    /// The heap type `[n]t` if made before and still in the cache in front of the table, else -1.
    @inline(__always) func cachedArray(_ t: TypeID, _ n: UInt64) -> Int32 {
        let cached = arrayCache[TypeAssignments.arraySlot(t, n)]
        return cached.type == t.rawValue && cached.count == n ? cached.index : -1
    }

    /// The heap type `[n]t` (its element named `name`), made once per (t, n).
    mutating func array(_ t: TypeID, _ n: UInt64, name: String) -> Int32 {
        let key = ArrayKey(type: t.rawValue, count: n)
        let i: Int32
        if let known = arrays[key] {
            i = known
        } else {
            i = index(of: HeapType(name: "[\(n)]" + name, dwarf: t, count: n))
            if i >= 0 { arrays[key] = i }
        }
        if i >= 0 { arrayCache[TypeAssignments.arraySlot(t, n)] = ArrayCacheEntry(type: t.rawValue, count: n, index: i) }
        return i
    }
    @inline(__always) static func arraySlot(_ t: TypeID, _ n: UInt64) -> Int {
        Int(truncatingIfNeeded: (n &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(UInt32(bitPattern: t.rawValue))) >> 52)
    }
    struct ArrayCacheEntry { var type: Int32; var count: UInt64; var index: Int32 }
    struct ArrayKey: Hashable { var type: Int32; var count: UInt64 }

    /// The heap type of string bytes.
    mutating func string() -> Int32 {
        if stringIndex < 0 { stringIndex = index(of: HeapType(name: "string", dwarf: nil, count: 0)) }
        return stringIndex
    }
}
