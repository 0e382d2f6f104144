import GoDWARF

/// Offers that point inside an object rather than at its start.
///
/// - A tiny block (a 16-byte noscan slot: the tiny allocator packs several small pointer-free
///   values into one) holds a value wherever something points into it: the block takes the
///   type of the first value offered (as at its start), and every value found in it is
///   recorded with its offset (`Heap.values(in:)`).
/// - String bytes reached anywhere inside a pointer-free object make it string data (a
///   substring, or names cut out of a buffer the program read).
/// - A slice whose array starts inside an untyped object (`s[k:]`) types the object as an
///   array of its element type when the offset is a multiple of the element size, at the lowest
///   confidence, with the count guessed from the slot: any other offer wins over it.
extension Typer {
    struct TinyValue: Equatable {
        var offset: UInt8
        var type: Int32
    }

    mutating func interior(_ p: UInt64, _ id: Int, _ sp: Int, start: UInt64, _ t: TypeID?, count n: UInt64,
                           confidence c: UInt8, slice: Bool = false) {
        guard p > start else { return }
        let offset = p &- start
        let s = spans[sp]
        let room = spanDataSize[sp] > offset ? spanDataSize[sp] &- offset : 0
        if s.noscan, s.elemSize == 16 {
            // Tiny block: record the value (a string's bytes, or a pointer-free value that fits).
            let index: Int32
            if let t {
                let i = shapes.ensure(t)
                guard shapes.shape[i] == .none, shapes.size[i] > 0, shapes.size[i] <= room else { return }
                let known = states.single(t)
                index = known >= 0 ? known : states.makeSingle(t, name: shapes.name[i])
            } else {
                index = states.string()
            }
            guard index >= 0 else { return }
            let key = Int32(truncatingIfNeeded: id)
            if tinyValues[key] == nil, states.type(id) >= 0 {
                // The block was typed from its start before: that value is the first.
                recordTinyValue(id, offset: 0, type: states.type(id))
            }
            recordTinyValue(id, offset: offset, type: index)
            if states.confidence(id) < c { states.set(id, type: index, confidence: c) }
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

    /// A value offered at the start of a tiny block that also holds values further in: recorded
    /// whatever its confidence (the block's type is settled by the usual rules).
    mutating func tinyValueAtStart(_ id: Int, _ sp: Int, _ t: TypeID?) {
        guard tinyValues[Int32(truncatingIfNeeded: id)] != nil, spans[sp].noscan, spans[sp].elemSize == 16 else { return }
        if let t {
            let i = shapes.ensure(t)
            guard shapes.shape[i] == .none, shapes.size[i] > 0, shapes.size[i] <= 16 else { return }
            let known = states.single(t)
            recordTinyValue(id, offset: 0, type: known >= 0 ? known : states.makeSingle(t, name: shapes.name[i]))
        } else {
            recordTinyValue(id, offset: 0, type: states.string())
        }
    }

    mutating func recordTinyValue(_ id: Int, offset: UInt64, type: Int32) {
        guard offset < 16, type >= 0 else { return }
        let v = TinyValue(offset: UInt8(offset), type: type)
        let key = Int32(truncatingIfNeeded: id)
        var values = tinyValues[key] ?? []
        guard !values.contains(where: { $0.offset == v.offset }) else { return }
        values.append(v)
        tinyValues[key] = values
    }
}
