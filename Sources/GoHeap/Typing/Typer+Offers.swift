import CSupport
import GoDWARF

/// Offers: "the object at `p` is a `T`" (or `[n]T`, or string bytes), made by the walkers and
/// taken or refused. Most are refused from the object's state byte alone; one that is taken sets
/// the object's type and queues it to be walked.
///
/// The common offers — what a pointer, a slice or a string points to — wait in a small ring
/// (`PendingOffers`) between being made and being applied, in the order they were made: the
/// target is located and its state byte and memory start loading when the offer is made, and
/// are there when it is applied thirty-two offers later. Following a linked structure is a chain of
/// cache misses; this overlaps each one with the next objects' work. Any other assignment
/// applies the waiting offers first, so the order of application is the order of the offers.
/// (Applying a whole walk's offers at its end was tried first: too soon to hide anything.)
struct PendingOffers {
    struct Offer {
        var p: UInt64
        var count: UInt64
        var id: Int32
        var span: Int32
        var type: Int32
        var confidence: UInt8
        var kind: Kind
    }
    enum Kind: UInt8 { case pointer, slice, boxed, string }
    static let capacity = 32
    var items = [Offer](repeating: Offer(p: 0, count: 0, id: 0, span: 0, type: 0, confidence: 0, kind: .pointer),
                        count: PendingOffers.capacity)
    var head = 0, count = 0
}

extension Typer {
    /// Offers a single value of type `t` at `p` (a pointer's target).
    @inline(__always) mutating func offerPointer(_ p: UInt64, _ t: TypeID, confidence c: UInt8) {
        guard p != 0, c > 0 else { return }
        guard let (id, slot, sp) = index.locate(p) else { staticValue(p, t, count: 1, confidence: c); return }
        let start = slot &+ spanDataOffset[sp]
        if p == start {
            pend(p, id, sp, type: t.rawValue, count: 0, confidence: c, kind: .pointer)
        } else {
            interior(p, id, sp, start: start, t, count: 1, confidence: c)
        }
    }

    /// Offers `[n]t` at `p` (a slice's backing array, `array`), or one boxed value (`n` 1).
    @inline(__always) mutating func offerArray(_ p: UInt64, _ t: TypeID, count n: UInt64, confidence c: UInt8, array: Bool = true) {
        guard p != 0, c > 0 else { return }
        guard let (id, slot, sp) = index.locate(p) else { staticValue(p, t, count: n, confidence: c); return }
        let start = slot &+ spanDataOffset[sp]
        if p == start {
            pend(p, id, sp, type: t.rawValue, count: n, confidence: c, kind: array ? .slice : .boxed)
        } else {
            interior(p, id, sp, start: start, t, count: n, confidence: c, slice: array)
        }
    }

    /// Offers `len` bytes of string data at `p`.
    @inline(__always) mutating func offerString(_ p: UInt64, len: UInt64, confidence c: UInt8) {
        guard len > 0, p != 0, c > 0, let (id, slot, sp) = index.locate(p) else { return }
        let start = slot &+ spanDataOffset[sp]
        if p == start {
            pend(p, id, sp, type: -1, count: len, confidence: c, kind: .string)
        } else {
            interior(p, id, sp, start: start, nil, count: len, confidence: c)
        }
    }

    /// Queues an offer for a located object (its state byte starts loading); when the ring is
    /// full, the oldest is applied first.
    @inline(__always) private mutating func pend(_ p: UInt64, _ id: Int, _ sp: Int, type: Int32, count: UInt64, confidence c: UInt8,
                                                 kind: PendingOffers.Kind) {
        states.prefetch(id)
        if pending.count == PendingOffers.capacity { applyOldest() }
        pending.items[(pending.head &+ pending.count) & (PendingOffers.capacity - 1)] = PendingOffers.Offer(
            p: p, count: count, id: Int32(truncatingIfNeeded: id), span: Int32(truncatingIfNeeded: sp), type: type, confidence: c, kind: kind)
        pending.count &+= 1
    }

    @inline(__always) mutating func applyOldest() {
        let o = pending.items[pending.head]
        pending.head = (pending.head &+ 1) & (PendingOffers.capacity - 1)
        pending.count &-= 1
        let id = Int(o.id), sp = Int(o.span)
        switch o.kind {
        case .pointer: apply(o.p, id, sp, TypeID(rawValue: o.type), count: nil, confidence: o.confidence)
        case .slice: apply(o.p, id, sp, TypeID(rawValue: o.type), count: o.count, confidence: o.confidence, array: true)
        case .boxed: apply(o.p, id, sp, TypeID(rawValue: o.type), count: o.count, confidence: o.confidence)
        case .string: applyString(o.p, id, sp, len: o.count, confidence: o.confidence)
        }
    }

    /// Applies every waiting offer, oldest first.
    mutating func applyPending() {
        while pending.count > 0 { applyOldest() }
    }

    /// Gives the object that starts at `p` the type `t` (`[count]t` when count > 1) unless it already
    /// has one of at least this confidence.
    mutating func assign(_ p: UInt64, _ t: TypeID?, count: UInt64?, confidence c: UInt8, name: String? = nil,
                         array: Bool = false, guessedCount: Bool = false, runtimeType: UInt64 = 0) {
        if pending.count > 0 { applyPending() }
        guard p != 0, c > 0, let (id, slot, sp) = index.locate(p) else { return }
        // Tiny blocks (16-byte noscan) hold several values: the one at the block start names it.
        guard p == slot &+ spanDataOffset[sp] else { return }
        apply(p, id, sp, t, count: count, confidence: c, name: name, array: array, guessedCount: guessedCount,
              runtimeType: runtimeType)
    }

    /// `assign` of a located object whose Go value starts at `p`.
    mutating func apply(_ p: UInt64, _ id: Int, _ sp: Int, _ t: TypeID?, count: UInt64?, confidence c: UInt8,
                        name: String? = nil, array: Bool = false, guessedCount: Bool = false, runtimeType: UInt64 = 0) {
        let cf = states.state(id)
        let current = cf & TypeAssignments.confidenceMask
        let explicit = count != nil && !guessedCount
        if c <= current {
            // Only three cases refine a type of at least this confidence (see `refines`); when the
            // state byte and the offered type rule them out, the current type is not read.
            guard let t else { return }
            let currentExplicit = cf & TypeAssignments.explicitCount != 0
            if cf & TypeAssignments.runtimeOnly == 0, !(explicit && !currentExplicit),
               shapes.flags(of: t) & TypeShapes.Flags.synthesized == 0 { return }
            if !refines(t, states.type(id), explicit: explicit, currentExplicit: currentExplicit) { return }
        }
        var t = t
        if let d = t {
            let i = shapes.ensure(d)
            // A pointer shape of a generic instantiation ("go.shape.*uint8") says nothing about the
            // real pointee; other shapes keep the layout and field types.
            if shapes.flags[i] & TypeShapes.Flags.shapePointer != 0 { return }
            if shapes.flags[i] & TypeShapes.Flags.syncNode != 0 { t = downcast(p, d) }
            // A stale pointer (a sudog's `c` left behind) can lead to a slot reused by anything:
            // a channel header is given only when its words are a channel's.
            if shapes.flags[i] & TypeShapes.Flags.channelHeader != 0, !plausibleChannel(p) { return }
        }
        let size = spanDataSize[sp]
        let elemSize = t.map { shapes.size(of: $0) } ?? 0
        var n: UInt64 = count ?? 1
        // A value larger than the object cannot be in it: the pointer is stale or its type wrong.
        if elemSize > size { return }
        if elemSize > 0, n &* elemSize > size { n = max(1, size / elemSize) }
        var index: Int32
        if n <= 1, !array, name == nil, runtimeType == 0, let d = t {
            let known = states.single(d)
            index = known >= 0 ? known : states.makeSingle(d, name: shapes.name(of: d))
            // A pointer to the first element of an array already typed `[n]T`: the array stays.
            // (The type index is read only for an object already typed: the state byte says.)
            let cur = current > 0 ? states.type(id) : -1
            if count == nil, cur >= 0, cur != index, states.dwarfOf[Int(cur)] == d.rawValue, states.countOf[Int(cur)] > 1 { index = cur }
        } else if name == nil, runtimeType == 0, let d = t {
            let known = states.cachedArray(d, n)
            index = known >= 0 ? known : states.array(d, n, name: shapes.name(of: d))
        } else {
            let elemName = name ?? t.map { shapes.name(of: $0) } ?? "?"
            let ht = n > 1 || array ? HeapType(name: "[\(n)]" + elemName, dwarf: t, count: n, runtimeType: runtimeType)
                : HeapType(name: elemName, dwarf: t, count: 0, runtimeType: runtimeType)
            index = states.index(of: ht)
        }
        guard index >= 0 else { return }
        let level = max(c, current)
        states.set(id, type: index, confidence: level | (explicit ? TypeAssignments.explicitCount : 0))
        // To be walked (`drain` prefetches its memory a few steps ahead).
        guard p >> 56 == 0 else { return }   // no heap object lies up there (see WorkQueue.Item)
        // It is walked soon: its memory starts loading now (not when offered: most offers of
        // a real program's heap go to objects already typed, and loading those is wasted).
        prefetch(p)
        queue.push(WorkQueue.Item(p: p, id: Int32(truncatingIfNeeded: id), span: Int32(truncatingIfNeeded: sp), confidence: level))
    }

    /// Whether the words at `p` can be a channel header (runtime/chan.go): `qcount` ≤ `dataqsiz`
    /// < 2³², `closed` 0 or 1, and `elemtype` nil or a type of the program's modules.
    mutating func plausibleChannel(_ p: UInt64) -> Bool {
        guard let countOff = hchanCount, let qOff = hchanQcount, let closedOff = hchanClosed,
              let typeOff = hchanElemtype else { return true }
        let n = word(p &+ countOff), q = word(p &+ qOff)
        let closed = word(p &+ closedOff) & 0xffff_ffff
        guard n < 1 << 32, q <= n, closed <= 1 else { return false }
        let et = word(p &+ typeOff)
        return et == 0 || runtimeTypes.modules.contains { $0.types <= et && et < $0.etypes }
    }

    /// Whether `t` is a better view of the object than its current type although it comes from a
    /// less trusted source: the same element type with a known count where the count was guessed,
    /// or one of the typed views Go's DWARF synthesises of runtime internals (`hash<K,V>`,
    /// `bucket<K,V>`, `map<K,V>`, `table<K,V>`, `hchan<T>`, and pointers to them) replacing the
    /// runtime's generic type of the same size.
    /// Called for every offer that does not beat the current confidence, so it reads flat
    /// per-type arrays only.
    mutating func refines(_ t: TypeID?, _ current: Int32, explicit: Bool, currentExplicit: Bool) -> Bool {
        guard let t, current >= 0 else { return false }
        let cur = states.dwarfOf[Int(current)]
        guard cur >= 0 else {
            // A runtime type DWARF lacks ("map.bucket[K]V"): a DWARF view of the same size is better.
            let rtAddress = states.runtimeOf[Int(current)]
            guard rtAddress != 0, let rt = runtimeTypes.type(at: rtAddress) else { return false }
            return shapes.size(of: t) == rt.size
        }
        if cur == t.rawValue { return explicit && !currentExplicit }
        let new = shapes.ensure(t), old = shapes.ensure(TypeID(rawValue: cur))
        return shapes.flags[new] & TypeShapes.Flags.synthesized != 0 && shapes.flags[old] & TypeShapes.Flags.synthesized == 0
            && shapes.ownSize[new] == shapes.ownSize[old]
    }

    /// String bytes at the start (`p`) of an object that has no type of at least this confidence.
    mutating func applyString(_ p: UInt64, _ id: Int, _ sp: Int, len: UInt64, confidence c: UInt8) {
        guard states.confidence(id) < c else { return }
        let s = states.string()
        guard s >= 0 else { return }
        states.set(id, type: s, confidence: c | TypeAssignments.explicitCount)
    }
}
