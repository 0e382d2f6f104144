/// Finds the object containing an address in O(1) for the common case: a page table maps each
/// heap page to its span, flat per-span arrays give the span's geometry, and the slot's object
/// id is checked directly before falling back to a binary search within the span.
final class ObjectIndex: @unchecked Sendable {
    let objects: [UInt64]
    /// Per span index (into `spans`): base, end of the slots, slot size, first object, object count.
    let base: [UInt64], end: [UInt64], elemSize: [UInt64], first: [Int32], count: [Int32]
    /// Whether every slot of the span is an object (object id = first + slot, no search).
    let dense: [Bool]
    /// Page → span index, for pages of [pageBase, pageBase + pageSpan.count·8192); -1 when none.
    let pageBase: UInt64
    let pageSpan: [Int32]
    /// Heap span indexes in address order, for the binary-search fallback on very sparse heaps.
    let sorted: [Int32]
    let lo: UInt64, hi: UInt64

    /// The largest page table built: 2^26 entries (256 MiB), i.e. 512 GiB of address range.
    static let maxPages = 1 << 26

    init(spans: [Span], heapSpans: [Int32], objects: [UInt64]) {
        self.objects = objects
        base = spans.map(\.base)
        end = spans.map { $0.base &+ UInt64($0.slots) &* $0.elemSize }
        elemSize = spans.map(\.elemSize)
        first = spans.map(\.firstObject)
        count = spans.map(\.objectCount)
        dense = spans.map { $0.state == .inUse && $0.objectCount > 0 && UInt32($0.objectCount) == $0.slots }
        sorted = heapSpans
        lo = heapSpans.first.map { spans[Int($0)].base } ?? 0
        hi = heapSpans.last.map { spans[Int($0)].end } ?? 0
        let pages = hi > lo ? Int((hi &- lo) >> 13) : 0
        pageBase = lo
        if pages > 0, pages <= ObjectIndex.maxPages {
            var table = [Int32](repeating: -1, count: pages)
            for s in heapSpans {
                let sp = spans[Int(s)]
                let p0 = Int((sp.base &- lo) >> 13)
                let p1 = min(pages, p0 + Int(sp.pages))
                if p0 < p1 { for p in p0 ..< p1 { table[p] = s } }
            }
            pageSpan = table
        } else {
            pageSpan = []
        }
    }

    @inline(__always)
    func spanIndex(_ a: UInt64) -> Int? {
        guard a >= lo, a < hi else { return nil }
        if !pageSpan.isEmpty {
            let s = pageSpan[Int((a &- pageBase) >> 13)]
            return s >= 0 ? Int(s) : nil
        }
        var l = 0, h = sorted.count
        while l < h {
            let mid = (l &+ h) >> 1
            if base[Int(sorted[mid])] <= a { l = mid &+ 1 } else { h = mid }
        }
        return l > 0 ? Int(sorted[l &- 1]) : nil
    }

    /// The object whose slot contains `a`, or nil (free slot, no heap span, outside the heap).
    @inline(__always)
    func object(containing a: UInt64) -> Int? { locate(a)?.id }

    /// The object whose slot contains `a`, with its slot's base address and its span's index,
    /// or nil (free slot, no heap span, outside the heap).
    @inline(__always)
    func locate(_ a: UInt64) -> (id: Int, slot: UInt64, span: Int)? {
        guard let s = spanIndex(a), a < end[s] else { return nil }
        let b = base[s], e = elemSize[s]
        let slot = (a &- b) / e
        let slotBase = b &+ slot &* e
        let f = Int(first[s]), n = Int(count[s])
        guard n > 0 else { return nil }
        if dense[s] { return (f &+ Int(slot), slotBase, s) }
        // Fast path: every slot before this one is allocated.
        let guess = f &+ Int(slot)
        if guess < f &+ n, objects[guess] == slotBase { return (guess, slotBase, s) }
        var l = f, h = min(guess, f &+ n)
        while l < h {
            let mid = (l &+ h) >> 1
            let v = objects[mid]
            if v == slotBase { return (mid, slotBase, s) }
            if v < slotBase { l = mid &+ 1 } else { h = mid }
        }
        return nil
    }
}
