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
        let buckets = word(a &+ l.b)
        assign(buckets, bucket, count: bucketCount(buckets, b, bucket), confidence: c, array: true)
        if l.c != .max, b > 0 {
            let flags = (try? mem.read(UInt8.self, at: Address(a &+ l.d))) ?? 0
            let sameSize = flags & 8 != 0
            let old = word(a &+ l.c), ob = sameSize ? b : b - 1
            assign(old, bucket, count: bucketCount(old, ob, bucket), confidence: c, array: true)
        }
    }

    /// How many buckets an array of 1<<b holds: from b = 4 on, `makeBucketArray` allocates
    /// 1<<(b-4) more as preallocated overflow buckets and as many again as the size class
    /// rounds up to; the map's overflow chains use them, so they are walked too.
    mutating func bucketCount(_ p: UInt64, _ b: UInt64, _ bucket: TypeID) -> UInt64 {
        let n: UInt64 = 1 << b
        guard b >= 4, let (id, _, sp) = index.locate(p) else { return n }
        _ = id
        let size = shapes.size(of: bucket)
        guard size > 0 else { return n }
        return max(n, spanDataSize[sp] / size)
    }
}
