import GoCore
import GoDWARF

/// Classic (bucket) maps: `runtime.hmap`, which DWARF describes as `hash<K,V>`, with buckets
/// `bucket<K,V> { tophash [8]uint8; keys [8]K; values [8]V; overflow *bucket<K,V> }` (a slot
/// type `*K` or `*V` when the key or element is stored indirectly).
///
/// The runtime's rules (Go 1.21 `runtime/map.go`, 1.24 `map_noswiss.go`):
/// - `tophash` ≥ 5 marks a full slot; 0 and 1 are empty, 2–4 mark an evacuated bucket;
/// - while growing, `oldbuckets` holds `1<<(B-1)` buckets (`1<<B` for a same-size grow); an old
///   bucket whose `tophash[0]` is 2–4 has been moved to the new array, any other still holds
///   its entries, which are then in no new bucket.
extension MapWalk {
    static let minTopHash: UInt8 = 5
    static let hashWriting: UInt64 = 4
    static let sameSizeGrow: UInt64 = 8

    mutating func classic() throws(ValueError) {
        let h = header
        count = try Value.count(try h.integerField("count"), "map \(h.address) count")
        let flags = try h.integerField("flags")
        writing = flags & MapWalk.hashWriting != 0
        let b = try h.integerField("B")
        guard b < 48 else { throw .damaged("map \(h.address): B is \(b)") }
        if count == 0 && !writing || full { return }

        let bucketType = try pointee(try field(h.type, "buckets"))
        let layout = try bucketLayout(bucketType)
        let tophash = try field(bucketType, "tophash").offset
        let overflow = try field(bucketType, "overflow").offset
        guard layout.size >= 8, overflow <= layout.size - 8, tophash <= layout.size - 8 else {
            throw .unknownType("bucket layout of \(h.typeName)")
        }

        let n: UInt64 = 1 << b
        let buckets = Address(try h.integerField("buckets"))
        if buckets.isNull {
            guard count == 0 else { throw .damaged("map \(h.address): \(count) entries but no buckets") }
            return
        }
        try mapped(buckets, n, layout.size, "buckets")
        let old = Address(try h.integerField("oldbuckets"))
        // Overflow buckets already walked: a chain that comes back is a cycle.
        var seen = Set<UInt64>()
        if !old.isNull {
            let oldCount = flags & MapWalk.sameSizeGrow != 0 ? n : n >> 1
            guard oldCount > 0 else { throw .damaged("map \(h.address): growing from B = 0") }
            try mapped(old, oldCount, layout.size, "old buckets")
            for i in 0..<oldCount {
                try chain(try Value.element(old, i, stride: layout.size), layout, tophash: tophash, overflow: overflow,
                          old: true, seen: &seen)
                if full { return }
            }
        }
        for i in 0..<n {
            try chain(try Value.element(buckets, i, stride: layout.size), layout, tophash: tophash, overflow: overflow,
                      old: false, seen: &seen)
            if full { return }
        }
        try finish()
    }

    /// The slots of `bucket<K,V>`.
    func bucketLayout(_ bucket: TypeID) throws(ValueError) -> SlotLayout {
        let keys = try field(bucket, "keys"), values = try field(bucket, "values"), tophash = try field(bucket, "tophash")
        func array(_ f: Field) throws(ValueError) -> (elem: TypeID, stride: UInt64, count: Int64) {
            guard let t = f.type else { throw .unknownType("bucket field \(f.name) has no type") }
            let a = dwarf.type(dwarf.resolvingTypedefs(t))
            guard a.tag == .array, let e = a.elem, let n = a.count else { throw .unknownType("bucket field \(f.name) is not an array") }
            return (e, dwarf.type(dwarf.resolvingTypedefs(e)).size, n)
        }
        let k = try array(keys), v = try array(values), th = try array(tophash)
        guard k.count == th.count, v.count == th.count, th.count == 8 else {
            throw .unknownType("a bucket of \(th.count) slots (\(dwarf.type(bucket).name))")
        }
        let layout = SlotLayout(keyBase: keys.offset, keyStride: k.stride, elemBase: values.offset, elemStride: v.stride,
                                indirectKey: try SlotLayout.isIndirect(slot: k.elem, of: key, in: dwarf),
                                indirectElem: try SlotLayout.isIndirect(slot: v.elem, of: elem, in: dwarf),
                                size: dwarf.type(dwarf.resolvingTypedefs(bucket)).size)
        try layout.validate(slots: 8, keySize: size(key), elemSize: size(elem), what: dwarf.type(bucket).name)
        return layout
    }

    /// A bucket and its overflow chain. An old bucket that was evacuated is skipped whole.
    mutating func chain(_ start: Address, _ layout: SlotLayout, tophash: UInt64, overflow: UInt64, old: Bool,
                        seen: inout Set<UInt64>) throws(ValueError) {
        var b = start
        var first = true
        while true {
            let bytes = try header.readBytes(at: b, count: layout.size)
            if old && first {
                let t0 = bytes[Int(tophash)]
                if t0 > 1 && t0 < MapWalk.minTopHash { return }
            }
            first = false
            for i in 0..<UInt64(8) where bytes[Int(tophash + i)] >= MapWalk.minTopHash {
                let k = try MapWalk.slot(bytes, b, layout.keyBase &+ i &* layout.keyStride, indirect: layout.indirectKey)
                let e = try MapWalk.slot(bytes, b, layout.elemBase &+ i &* layout.elemStride, indirect: layout.indirectElem)
                try add(key: k, elem: e)
                if full { return }
            }
            let next = try MapWalk.word(bytes, overflow)
            if next == 0 { return }
            guard seen.insert(next).inserted else {
                throw .damaged("map \(header.address): the overflow chain of bucket \(start) loops back to \(Address(next))")
            }
            guard seen.count < 1 << 24 else { throw .damaged("map \(header.address): more than 2^24 overflow buckets") }
            b = Address(next)
        }
    }
}
