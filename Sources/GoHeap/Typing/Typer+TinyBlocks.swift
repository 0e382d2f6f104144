import GoDWARF

/// Offers that point inside an object rather than at its start.
///
/// - A tiny block (a 16-byte noscan slot: the tiny allocator packs several small pointer-free
///   values into one) takes the type of what something points to in it, wherever in the block,
///   as if it were at its start (the usual confidence rules settle which). What each value in it
///   is, with its offset, is worked out when asked, from what points into it
///   (`Heap.values(in:process:)`): kept for every block, it would cost memory per string.
/// - String bytes reached anywhere inside a pointer-free object make it string data (a
///   substring, or names cut out of a buffer the program read).
/// - A slice whose array starts inside an untyped object (`s[k:]`) types the object as an
///   array of its element type when the offset is a multiple of the element size, at the lowest
///   confidence, with the count guessed from the slot: any other offer wins over it.
extension Typer {
    mutating func interior(_ p: UInt64, _ id: Int, _ sp: Int, start: UInt64, _ t: TypeID?, count n: UInt64,
                           confidence c: UInt8, slice: Bool = false) {
        guard p > start else { return }
        if pending.count > 0 { applyPending() }   // in the order the offers were made
        let offset = p &- start
        let s = spans[sp]
        let room = spanDataSize[sp] > offset ? spanDataSize[sp] &- offset : 0
        if s.noscan, s.elemSize == 16 {
            // Tiny block: a pointer-free value that fits, or string bytes.
            guard states.confidence(id) < c else { return }
            let index: Int32
            if let t {
                let i = shapes.ensure(t)
                guard shapes.shape[i] == .none, shapes.size[i] > 0, shapes.size[i] <= room else { return }
                let known = states.single(t)
                index = known >= 0 ? known : states.makeSingle(t, name: shapes.name[i])
            } else {
                index = states.string()
            }
            if index >= 0 { states.set(id, type: index, confidence: c) }
            return
        }
        if t == nil {
            // String bytes inside a pointer-free object: string data.
            guard s.noscan, states.confidence(id) < c else { return }
            let str = states.string()
            if str >= 0 { states.set(id, type: str, confidence: c) }
            return
        }
        if slice, let t, states.type(id) < 0 {
            let es = shapes.size(of: t)
            guard es > 0, offset % es == 0, spanDataSize[sp] / es >= 1 else { return }
            apply(start, id, sp, t, count: spanDataSize[sp] / es, confidence: 1, array: true, guessedCount: true)
        }
    }
}
