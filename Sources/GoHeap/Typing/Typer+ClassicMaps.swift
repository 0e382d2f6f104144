import GoCore
import GoDWARF

/// Classic maps (Go ≤ 1.23, and `GOEXPERIMENT=noswissmap`): a `hash<K,V>` header points to 1<<B
/// buckets, and while growing to the old, half-size (or same-size) array.
extension Typer {
    /// Classic map header `hash<K,V>` at `a` (layout `l`): 1<<B buckets (oldbuckets: the
    /// previous size while growing).
    mutating func oldMapHeader(_ a: UInt64, _ l: TypeShapes.MapLayout, _ c: UInt8) {
        let bucket = TypeID(rawValue: l.elem)
        let b = UInt64((try? mem.read(UInt8.self, at: Address(a &+ l.a))) ?? 0)
        guard b < 40 else { return }
        assign(word(a &+ l.b), bucket, count: 1 << b, confidence: c, array: true)
        if l.c != .max, b > 0 {
            let flags = (try? mem.read(UInt8.self, at: Address(a &+ l.d))) ?? 0
            let sameSize = flags & 8 != 0
            assign(word(a &+ l.c), bucket, count: sameSize ? 1 << b : 1 << (b - 1), confidence: c, array: true)
        }
    }
}
