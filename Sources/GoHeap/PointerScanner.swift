import GoCore

/// Finds every pointer from each heap object to another allocated object and lays the
/// edges out as CSR arrays; or (`countOnly`) counts the pointer words the GC scans in each
/// object. Reads each span's memory once, without copying.
struct PointerScanner {
    let mem: AddressSpace
    let spans: [Span]
    let heapSpans: [Int32]
    let index: ObjectIndex
    let types: RuntimeTypeReader
    let bits: PointerBits
    let greenTea: Bool
    private(set) var countOnly: Bool

    private(set) var edgeStart: [UInt32] = []
    private(set) var edgeTargets: [Int32] = []
    /// Pointer words the GC scans in each object (pointing into the heap or not), when `countOnly`.
    private(set) var scanWords: [UInt32] = []
    private(set) var unreadableSpans = 0
    /// Pointer words that point into the heap's spans but at no allocated object: a free slot of
    /// an in-use span, or a page no in-use span holds (the runtime's own GC throws "found bad
    /// pointer in Go heap" for the second). At most `maxInvalid` are kept (source object, word
    /// value); `invalidCount` counts them all.
    private(set) var invalid: [(from: Int32, value: UInt64)] = []
    private(set) var invalidCount = 0
    static let maxInvalid = 10_000

    init(mem: AddressSpace, spans: [Span], heapSpans: [Int32], index: ObjectIndex, types: RuntimeTypeReader,
         bits: PointerBits, greenTea: Bool) {
        self.mem = mem
        self.spans = spans
        self.heapSpans = heapSpans
        self.index = index
        self.types = types
        self.bits = bits
        self.greenTea = greenTea
        countOnly = false
    }

    mutating func scan() {
        if countOnly {
            scanWords = [UInt32](repeating: 0, count: index.objectCount)
        } else {
            edgeStart.reserveCapacity(index.objectCount + 1)
            edgeTargets.reserveCapacity(index.objectCount * 2)
        }
        for hs in heapSpans {
            let s = spans[Int(hs)]
            guard s.objectCount > 0 else { continue }
            let spanBytes = s.pages &* 8192
            var done = false
            if !s.noscan {
                done = (try? mem.withBytes(at: Address(s.base), count: spanBytes) { raw -> Bool in
                    scanSpan(s, raw)
                }) ?? false
            }
            if !done {
                if !s.noscan { unreadableSpans += 1 }
                // Objects whose span could not be read, or noscan spans: no edges.
                let have = edgeStart.count - Int(s.firstObject)
                for _ in max(0, have) ..< Int(s.objectCount) { edgeStart.append(UInt32(edgeTargets.count)) }
            }
        }
        edgeStart.append(UInt32(edgeTargets.count))
    }

    /// Scans one span's objects; returns false (with no edges recorded for it) when its bits are unreadable.
    private mutating func scanSpan(_ s: Span, _ raw: UnsafeRawBufferPointer) -> Bool {
        switch bits {
        case .arenaBitmap(let ab):
            guard let bm = ab.spanBits(base: s.base, bytes: UInt64(raw.count)) else { return false }
            bm.withUnsafeBytes { scanBitmapped(s, raw, $0) }
        case .allocationHeaders:
            if !s.isLarge && s.elemSize <= 512 {
                let size = raw.count / 64
                let start = raw.count - size - (greenTea && s.elemSize >= 16 ? 128 : 0)
                guard start >= 0 else { return false }
                scanBitmapped(s, raw, UnsafeRawBufferPointer(rebasing: raw[start ..< start + size]))
            } else if !s.isLarge {
                for id in Int(s.firstObject) ..< Int(s.firstObject + s.objectCount) {
                    edgeStart.append(UInt32(edgeTargets.count))
                    let off = Int(index.slotOf[id]) &* Int(s.elemSize)
                    let typ = raw.loadUnaligned(fromByteOffset: off, as: UInt64.self)
                    guard typ != 0, let rt = types.type(at: typ) else { continue }
                    tile(raw, from: off + 8, to: off + Int(s.elemSize), rt, object: id)
                }
            } else {
                edgeStart.append(UInt32(edgeTargets.count))
                guard s.largeType != 0, let rt = types.type(at: s.largeType) else { return true }
                tile(raw, from: 0, to: min(raw.count, Int(s.elemSize)), rt, object: Int(s.firstObject))
            }
        }
        return true
    }

    /// Objects whose pointer bits are a bitmap over the span's words (bit k = word k).
    private mutating func scanBitmapped(_ s: Span, _ raw: UnsafeRawBufferPointer, _ bm: UnsafeRawBufferPointer) {
        let words = Int(s.elemSize / 8)
        let slotOf = index.slotOf
        for id in Int(s.firstObject) ..< Int(s.firstObject + s.objectCount) {
            edgeStart.append(UInt32(edgeTargets.count))
            let off = Int(slotOf[id]) &* Int(s.elemSize)
            let w0 = off / 8
            for k in 0..<words {
                let bit = w0 + k
                guard bit >> 3 < bm.count, (bm[bit >> 3] >> UInt8(bit & 7)) & 1 == 1 else { continue }
                let o = off + k * 8
                guard o + 8 <= raw.count else { break }
                found(id, raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            }
        }
    }

    /// Repeats a type's pointer words with stride `size` over [from, to) of the span.
    private mutating func tile(_ raw: UnsafeRawBufferPointer, from: Int, to: Int, _ rt: RuntimeType, object id: Int) {
        guard rt.size > 0, !rt.pointerWords.isEmpty else { return }
        let stride = Int(rt.size)
        var e = from
        while e < to {
            for w in rt.pointerWords {
                let o = e + Int(w) * 8
                guard o + 8 <= to, o + 8 <= raw.count else { break }
                found(id, raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            }
            e += stride
        }
    }

    /// The same scanner, set to count pointer words instead of recording edges.
    func counting() -> PointerScanner {
        var s = PointerScanner(mem: mem, spans: spans, heapSpans: heapSpans, index: index, types: types, bits: bits, greenTea: greenTea)
        s.countOnly = true
        return s
    }

    /// A pointer word `v` of object `id`.
    @inline(__always)
    private mutating func found(_ id: Int, _ v: UInt64) {
        if countOnly { scanWords[id] &+= 1; return }
        guard let t = index.object(containing: v) else {
            if v >= index.lo, v < index.hi { noteInvalid(id, v) }
            return
        }
        edgeTargets.append(Int32(t))
    }

    /// A pointer word inside the heap's address range that `object(containing:)` rejected: it is
    /// invalid when its page belongs to an in-use span (a free slot) or to no span at all.
    private mutating func noteInvalid(_ id: Int, _ v: UInt64) {
        // A stack or other manual span is not the heap's (spans are sorted by base).
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if spans[mid].base <= v { lo = mid &+ 1 } else { hi = mid }
        }
        if lo > 0, v < spans[lo &- 1].end, spans[lo &- 1].state != .inUse { return }
        invalidCount &+= 1
        if invalid.count < PointerScanner.maxInvalid { invalid.append((Int32(truncatingIfNeeded: id), v)) }
    }

    /// Which words of object `id` hold pointers as the GC sees them (see `PointerBits.objectMask`).
    func pointerMask(of id: Int, covering bytes: UInt64 = 1 << 16) -> [UInt64]? {
        let s = spans[index.spanIndex(ofObject: id)]
        return bits.objectMask(s, address: index.address(of: id), size: min(index.size(ofObject: id), max(bytes, 8)), mem: mem,
                               types: types, greenTea: greenTea)
    }
}
