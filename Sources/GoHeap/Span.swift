/// The state of an mspan (`runtime.mSpanState`).
public enum SpanState: Sendable, Equatable {
    case dead, inUse, manual
    case other(UInt8)
    init(_ raw: UInt8) {
        switch raw {
        case 0: self = .dead
        case 1: self = .inUse
        case 2: self = .manual
        default: self = .other(raw)
        }
    }
}

/// One span of the heap (`runtime.mspan`), as read from the core.
public struct Span: Sendable {
    /// The address of the `runtime.mspan` record.
    public let record: Address
    /// First byte of the span's pages.
    public let base: UInt64
    public let pages: UInt64
    public let state: SpanState
    /// Size class (0 for large objects) and noscan bit (`spanclass`).
    public let sizeClass: UInt8
    public let noscan: Bool
    /// Slot size (`elemsize`); for a large span, the page-rounded size.
    public let elemSize: UInt64
    /// Number of slots (`nelems`).
    public let slots: UInt32
    public let freeIndex: UInt32
    public let allocCount: UInt32
    let allocBits: UInt64
    let gcmarkBits: UInt64
    /// `largeType` (Go 1.22+): the type of a large object's elements; 0 when noscan or absent.
    public let largeType: UInt64
    /// `limit`: the end of the allocated data (for a large object, base + the requested size).
    public let limit: UInt64
    let specials: UInt64
    public let sweepgen: UInt32
    /// Objects of this span are ids `firstObject ..< firstObject + objectCount`.
    public internal(set) var firstObject: Int32 = 0
    public internal(set) var objectCount: Int32 = 0

    public var end: UInt64 { base &+ pages &* 8192 }
    public var isLarge: Bool { sizeClass == 0 }
}

/// Reads every span of `mheap_.allspans`.
struct SpanReader {
    let mem: AddressSpace
    let layout: StructLayout
    let pageSize: UInt64

    func read(allspans: Address, warn: (String) -> Void) throws(HeapError) -> [Span] {
        let count: UInt64
        let array: Address
        do {
            array = try mem.readPointer(at: allspans)
            count = try mem.read(UInt64.self, at: Address(allspans.rawValue &+ 8))
        } catch { throw error.reading("mheap_.allspans") }
        guard count < 1 << 28 else { throw .damaged("mheap_.allspans has \(count) entries") }
        let pointers: [UInt8]
        do { pointers = try mem.readBytes(at: array, count: count &* 8) } catch { throw error.reading("the allspans array") }

        let startAddr = try layout.slot("startAddr"), npages = try layout.slot("npages")
        let freeindex = try layout.slot("freeindex"), nelems = try layout.slot("nelems")
        let allocBits = try layout.slot("allocBits"), gcmarkBits = try layout.slot("gcmarkBits")
        let spanclass = try layout.slot("spanclass"), state = try layout.slot("state")
        let elemsize = try layout.slot("elemsize"), limit = try layout.slot("limit")
        let specials = try layout.slot("specials"), sweepgen = try layout.slot("sweepgen")
        let allocCount = try layout.slot("allocCount")
        let largeType = layout.has("largeType") ? try layout.slot("largeType") : nil
        let size = layout.size

        var spans: [Span] = []
        spans.reserveCapacity(Int(count))
        var damaged = 0
        for i in 0..<Int(count) {
            let p = pointers.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
            if p == 0 { continue }
            let s: Span? = try? mem.withBytes(at: Address(p), count: size) { raw -> Span? in
                let st = SpanState(UInt8(truncatingIfNeeded: state.read(raw)))
                let cls = UInt8(truncatingIfNeeded: spanclass.read(raw))
                return Span(record: Address(p), base: startAddr.read(raw), pages: npages.read(raw), state: st,
                            sizeClass: cls >> 1, noscan: cls & 1 == 1, elemSize: elemsize.read(raw),
                            slots: UInt32(truncatingIfNeeded: nelems.read(raw)),
                            freeIndex: UInt32(truncatingIfNeeded: freeindex.read(raw)),
                            allocCount: UInt32(truncatingIfNeeded: allocCount.read(raw)),
                            allocBits: allocBits.read(raw), gcmarkBits: gcmarkBits.read(raw),
                            largeType: largeType?.read(raw) ?? 0, limit: limit.read(raw),
                            specials: specials.read(raw), sweepgen: UInt32(truncatingIfNeeded: sweepgen.read(raw)))
            } ?? nil
            guard let s else { damaged += 1; continue }
            guard s.state == .inUse || s.state == .manual else { continue }
            // Sanity: page-aligned, bounded, slots that fit.
            let spanBytes = s.pages.multipliedReportingOverflow(by: pageSize)
            guard s.base % pageSize == 0, s.pages > 0, s.pages < 1 << 36, !spanBytes.overflow,
                  s.base.addingReportingOverflow(spanBytes.partialValue).overflow == false else {
                damaged += 1
                continue
            }
            if s.state == .inUse {
                // Heap spans must lie in memory the core holds: this bounds every later loop.
                guard mem.isMapped(Address(s.base), count: spanBytes.partialValue) else {
                    damaged += 1
                    continue
                }
                guard s.elemSize > 0, s.elemSize <= spanBytes.partialValue, s.slots > 0,
                      UInt64(s.slots) <= spanBytes.partialValue / s.elemSize, s.freeIndex <= s.slots else {
                    damaged += 1
                    continue
                }
            }
            spans.append(s)
        }
        if damaged > 0 { warn("\(damaged) span record(s) could not be read or hold impossible values; they were skipped") }
        spans.sort { $0.base < $1.base }
        // Drop overlapping spans (damage): keep the first.
        var out: [Span] = []
        out.reserveCapacity(spans.count)
        var overlaps = 0
        for s in spans {
            if let last = out.last, s.base < last.end { overlaps += 1; continue }
            out.append(s)
        }
        if overlaps > 0 { warn("\(overlaps) span(s) overlap others and were skipped") }
        return out
    }
}
