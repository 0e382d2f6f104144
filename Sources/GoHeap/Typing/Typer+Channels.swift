import GoDWARF

/// Channels: an `hchan<T>` header and its buffer of `dataqsiz` elements — its own object when the
/// elements hold pointers, else the tail of the header's.
extension Typer {
    /// A channel's buffer: its own object when the elements hold pointers, else inside the header's.
    mutating func channelBuffer(_ p: UInt64, elem: TypeID?, _ c: UInt8) {
        guard let e = elem, let bufOff = hchanBuf, let hsize = hchanSize, let cOff = hchanCount else { return }
        let buf = word(p &+ bufOff), n = word(p &+ cOff)
        guard buf != 0, n > 0, n < 1 << 32 else { return }
        if buf == p &+ hsize {
            // Header and buffer are one allocation: walk the elements in place, within the object.
            let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
            guard let id = object(p), es > 0, shapes.hasPointers(e) else { return }
            let end = dataStart(id) &+ dataSize(id)
            guard buf < end else { return }
            let room = (end &- buf) / es
            var i: UInt64 = 0
            while i < n, i < room { visit(buf &+ i &* es, e, c, depth: 1); i += 1 }
        } else {
            assign(buf, e, count: n, confidence: c, array: true)
        }
    }
}
