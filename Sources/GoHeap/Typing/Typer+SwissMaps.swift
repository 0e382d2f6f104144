import GoDWARF

/// Swiss maps (Go 1.24+): a `map<K,V>` header whose `dirPtr` is one group when `dirLen` is 0,
/// else a directory of `*table<K,V>`; a table's `groups` is a `groupReference<K,V>`.
extension Typer {
    /// Swiss map header `map<K,V>` at `a` (layout `l`): dirPtr is one group when dirLen is 0,
    /// else a [dirLen]*table.
    mutating func swissMapHeader(_ a: UInt64, _ l: TypeShapes.MapLayout, _ c: UInt8) {
        let dir = word(a &+ l.a), n = word(a &+ l.b)
        if n == 0 {
            if l.elem2 >= 0 { assign(dir, TypeID(rawValue: l.elem2), count: 1, confidence: c) }
        } else if n < 1 << 24 {
            assign(dir, TypeID(rawValue: l.elem), count: n, confidence: c, array: true)
        }
    }

    /// A Swiss table's `groups` at `a` (layout `l`): lengthMask+1 groups.
    mutating func groupReference(_ a: UInt64, _ l: TypeShapes.MapLayout, _ c: UInt8) {
        let mask = word(a &+ l.b)
        guard mask < 1 << 32 else { return }
        assign(word(a &+ l.a), TypeID(rawValue: l.elem), count: mask &+ 1, confidence: c, array: true)
    }
}
