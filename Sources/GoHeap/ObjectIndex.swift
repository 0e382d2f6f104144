/// The heap's objects and where they are.
///
/// Objects are dense ids in address order; what identifies one is its span (found from the id
/// through a sampled index: the span of every 64th id, then a short step forward) and its slot
/// number in the span (2 bytes per object). Its address is computed, not stored.
///
/// The other way, the object containing an address is found in O(1): a page table maps each heap
/// page to its span, one packed record per span gives the span's geometry, and the slot's object
/// id is its span's first id plus the slot (every slot allocated) or plus the slot's rank among
/// the allocated ones: one 16-byte word of the span's allocation bits with the count of objects
/// before it. A lookup touches the page table, one span record (32 bytes) and at most one rank
/// word, and divides by the slot size with a multiplication.
final class ObjectIndex: @unchecked Sendable {
    /// Per object: its slot number in its span.
    let slotOf: [UInt16]
    /// Per position in `sorted`: the first object id of that span; one more entry, the object count.
    let heapFirst: [Int32]
    /// Per block of 64 object ids: the position in `sorted` of the span holding the block's first id.
    let blockPos: [Int32]
    /// Per span index: its geometry, packed.
    let geometry: [Geometry]
    /// Page → span index, for pages of [pageBase, pageBase + pageSpan.count·8192); -1 when none.
    let pageBase: UInt64
    let pageSpan: [Int32]
    /// Heap span indexes in address order, for the binary-search fallback on very sparse heaps.
    let sorted: [Int32]
    let lo: UInt64, hi: UInt64
    /// The allocation words of the spans with free slots (see `Geometry.rank`).
    let ranks: [RankWord]

    struct Geometry {
        var base: UInt64
        var elemSize: UInt64
        /// ⌈2³²/elemSize⌉ when offsets in the span are below 2³², else 0 (divide).
        var reciprocal: UInt32
        /// Slots that may hold objects: 0 for spans that hold none.
        var slots: UInt32
        var first: Int32
        /// -1 when every slot is an object (object id = first + slot); else the index in `ranks`
        /// of the span's first allocation word (object id = first + the slot's rank).
        var rank: Int32
    }

    /// 64 slots of a span: which hold objects, and how many objects of the span come before them.
    struct RankWord {
        var bits: UInt64
        var before: UInt32
        var pad: UInt32 = 0
    }

    /// The rank words of the spans with free slots, built while objects are enumerated.
    struct Ranks {
        var words: [RankWord] = []
        /// Span index → index of its first word in `words`.
        var first: [Int32: Int32] = [:]
        mutating func start(span: Int) { first[Int32(truncatingIfNeeded: span)] = Int32(truncatingIfNeeded: words.count) }
        mutating func append(_ bits: UInt64, before: Int) {
            words.append(RankWord(bits: bits, before: UInt32(truncatingIfNeeded: before)))
        }
    }

    /// The largest page table built: 2^26 entries (256 MiB), i.e. 512 GiB of address range.
    static let maxPages = 1 << 26

    var objectCount: Int { slotOf.count }

    init(spans: [Span], heapSpans: [Int32], slotOf: [UInt16], rank: Ranks) {
        self.slotOf = slotOf
        ranks = rank.words
        var firsts = heapSpans.map { spans[Int($0)].firstObject }
        firsts.append(Int32(truncatingIfNeeded: slotOf.count))
        heapFirst = firsts
        var blocks = [Int32](repeating: 0, count: (slotOf.count &+ 63) / 64)
        var p = 0
        for b in blocks.indices {
            let id = b &* 64
            while p &+ 1 < firsts.count, Int(firsts[p &+ 1]) <= id { p &+= 1 }
            blocks[b] = Int32(truncatingIfNeeded: p)
        }
        blockPos = blocks
        geometry = spans.enumerated().map { i, s in
            // A span whose allocation words were not kept (it holds no objects) has no slots.
            let dense = s.state == .inUse && s.objectCount > 0 && UInt32(s.objectCount) == s.slots
            let words = rank.first[Int32(truncatingIfNeeded: i)]
            let inUse = dense || words != nil
            let bytes = UInt64(s.slots).multipliedReportingOverflow(by: s.elemSize)
            let reciprocal: UInt32 = s.elemSize > 1 && !bytes.overflow && bytes.partialValue <= 1 << 32 && s.elemSize < 1 << 32
                ? UInt32(truncatingIfNeeded: ((1 << 32) &+ s.elemSize &- 1) / s.elemSize) : 0
            return Geometry(base: s.base, elemSize: s.elemSize, reciprocal: reciprocal, slots: inUse ? s.slots : 0,
                            first: s.firstObject, rank: dense ? -1 : (words ?? -1))
        }
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

    /// The index (into `spans`) of the span holding object `id` (0 ..< objectCount).
    @inline(__always)
    func spanIndex(ofObject id: Int) -> Int {
        var p = Int(blockPos[id >> 6])
        while Int(heapFirst[p &+ 1]) <= id { p &+= 1 }
        return Int(sorted[p])
    }

    /// The slot size of object `id` (its span's).
    @inline(__always)
    func size(ofObject id: Int) -> UInt64 { geometry[spanIndex(ofObject: id)].elemSize }

    /// The slot address of object `id`.
    @inline(__always)
    func address(of id: Int) -> UInt64 {
        let g = geometry[spanIndex(ofObject: id)]
        return g.base &+ UInt64(slotOf[id]) &* g.elemSize
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
            if geometry[Int(sorted[mid])].base <= a { l = mid &+ 1 } else { h = mid }
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
        guard let s = spanIndex(a) else { return nil }
        let g = geometry[s]
        guard a >= g.base else { return nil }
        let off = a &- g.base
        var slot: UInt64
        if g.slots == 1 {
            slot = 0
            guard off < g.elemSize else { return nil }
        } else if g.reciprocal != 0 {
            // off < 2³²: the estimate is exact or one too high; correct it.
            guard off < 1 << 32 else { return nil }
            slot = (off &* UInt64(g.reciprocal)) >> 32
            if slot &* g.elemSize > off { slot &-= 1 }
        } else {
            guard g.elemSize > 0 else { return nil }
            slot = off / g.elemSize
        }
        guard slot < UInt64(g.slots) else { return nil }
        let slotBase = g.base &+ slot &* g.elemSize
        let f = Int(g.first)
        if g.rank < 0 { return (f &+ Int(slot), slotBase, s) }
        let w = Int(g.rank) &+ Int(slot >> 6)
        guard w < ranks.count else { return nil }
        let r = ranks[w]
        let bit = slot & 63
        guard (r.bits >> bit) & 1 != 0 else { return nil }
        let below = r.bits & ((1 << bit) &- 1)
        return (f &+ Int(r.before) &+ below.nonzeroBitCount, slotBase, s)
    }
}
