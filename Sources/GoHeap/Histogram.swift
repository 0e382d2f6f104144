/// One row of a heap histogram.
public struct HistogramRow: Sendable {
    /// The Go type name, or "<unknown>" (untyped objects).
    public let type: String
    public let count: Int
    /// Bytes of the objects' slots (as MemStats.HeapAlloc counts them).
    public let bytes: UInt64
}

extension Heap {
    /// Objects and bytes per type, largest first. Untyped objects form one "<unknown>" row.
    ///
    /// One pass over the objects with flat counters per type index: O(objects + types log types).
    /// - Parameter liveOnly: only objects reachable from a root (the default), or every allocated object.
    public func histogram(liveOnly: Bool = true) -> [HistogramRow] {
        var counts = [Int](repeating: 0, count: types.count + 1)
        var bytes = [UInt64](repeating: 0, count: types.count + 1)
        forEachSpan { ids, size, _ in
            for id in ids where !liveOnly || isLive(id) {
                let t = Int(objectTypes[id]) + 1   // 0 = unknown
                counts[t] += 1
                bytes[t] &+= size
            }
        }
        var rows: [HistogramRow] = []
        for i in 0..<counts.count where counts[i] > 0 {
            rows.append(HistogramRow(type: i == 0 ? "<unknown>" : types[i - 1].name, count: counts[i], bytes: bytes[i]))
        }
        // Several type indexes can share a name (a runtime and a DWARF view): merge them.
        var merged: [String: (Int, UInt64)] = [:]
        for r in rows { let e = merged[r.type] ?? (0, 0); merged[r.type] = (e.0 + r.count, e.1 &+ r.bytes) }
        return merged.map { HistogramRow(type: $0.key, count: $0.value.0, bytes: $0.value.1) }
            .sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.type < $1.type }
    }

    /// Objects and bytes per size class (0 = large objects), ascending by class.
    public func sizeClassHistogram(liveOnly: Bool = true) -> [(sizeClass: Int, elemSize: UInt64, count: Int, bytes: UInt64)] {
        var counts = [Int](repeating: 0, count: 256), bytes = [UInt64](repeating: 0, count: 256), sizes = [UInt64](repeating: 0, count: 256)
        forEachSpan { ids, size, span in
            let c = Int(spans[span].sizeClass)
            let n = liveOnly ? ids.reduce(0) { $0 + (isLive($1) ? 1 : 0) } : ids.count
            counts[c] += n
            bytes[c] &+= UInt64(n) &* size
            if c != 0, n > 0 { sizes[c] = size }
        }
        return (0..<256).filter { counts[$0] > 0 }.map { ($0, sizes[$0], counts[$0], bytes[$0]) }
    }
}
