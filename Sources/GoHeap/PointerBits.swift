import GoCore
import GoDWARF

/// Where the GC finds the pointer words of a heap object: the one thing that differs between
/// Go eras for a heap reader. Chosen once from the detected version.
enum PointerBits {
    /// Go 1.21: one bit per heap word in `heapArena.bitmap`, written at allocation (GC programs included).
    case arenaBitmap(ArenaBitmap)
    /// Go 1.22 and later: allocation headers. Objects ≤ 512 B use a bitmap at the end of their span
    /// (moved down 128 bytes by Green Tea's inline mark bits), larger small objects start with a
    /// `*abi.Type` header, large objects use `mspan.largeType`.
    case allocationHeaders

    init(process: Process, dwarf: DWARFFile, layouts: RuntimeLayouts, version: GoVersion, mheap: Address, pageSize: UInt64) throws(HeapError) {
        if version.allocationHeaders {
            self = .allocationHeaders
        } else {
            self = .arenaBitmap(try ArenaBitmap(process: process, dwarf: dwarf, layouts: layouts, mheap: mheap))
        }
    }
}

/// Go 1.21's heap bitmap: `heapArena.bitmap` holds one bit per word of the arena
/// (`mbitmap.go`, `heapBitsForAddr`); arenas are found through `mheap_.arenas[0][arenaIndex]`.
struct ArenaBitmap {
    let mem: AddressSpace
    /// Address of the L2 array `*[1<<arenaL2Bits]*heapArena`.
    let l2: UInt64
    let arenaBytes: UInt64
    let baseOffset: UInt64
    let bitmapOffset: UInt64

    init(process: Process, dwarf: DWARFFile, layouts: RuntimeLayouts, mheap: Address) throws(HeapError) {
        mem = process.core.memory
        let arenas = try layouts.mheap.offset("arenas")
        do { l2 = try mem.read(UInt64.self, at: Address(mheap.rawValue &+ arenas)) } catch { throw error.reading("mheap_.arenas[0]") }
        arenaBytes = UInt64(dwarf.constant(named: "runtime.heapArenaBytes") ?? (1 << 26))
        // arenaBaseOffset is 0xffff800000000000 on linux/amd64 (malloc.go); DWARF may carry it.
        baseOffset = dwarf.constant(named: "runtime.arenaBaseOffset").map { UInt64(bitPattern: $0) } ?? 0xffff_8000_0000_0000
        bitmapOffset = try layouts.heapArena.offset("bitmap")
        guard arenaBytes.nonzeroBitCount == 1 else { throw .damaged("heapArenaBytes \(arenaBytes)") }
    }

    /// The heapArena record for an address.
    func arena(for a: UInt64) -> UInt64? {
        let idx = (a &- baseOffset) / arenaBytes
        guard idx < 1 << 26 else { return nil }
        return try? mem.read(UInt64.self, at: Address(l2 &+ idx &* 8))
    }

    /// The bits of a span's words (bit k = word k of the span), or nil when unreadable.
    func spanBits(base: UInt64, bytes: UInt64) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: Int(bytes / 64))
        var a = base
        let end = base &+ bytes
        while a < end {
            guard let ha = arena(for: a), ha != 0 else { return nil }
            let arenaEnd = (a / arenaBytes &+ 1) &* arenaBytes
            let chunkEnd = min(end, arenaEnd)
            let firstWord = (a % arenaBytes) / 8
            let words = (chunkEnd &- a) / 8
            guard let bits = try? mem.readBytes(at: Address(ha &+ bitmapOffset &+ firstWord / 8), count: words / 8) else { return nil }
            let dst = Int((a &- base) / 64)
            for (i, b) in bits.enumerated() where dst + i < out.count { out[dst + i] = b }
            a = chunkEnd
        }
        return out
    }
}

extension PointerBits {
    /// Which words of one object hold pointers, as the GC sees them: bit k of word k/64 is word k
    /// of the slot at `address` (of `size` bytes, at most 1 GiB) in span `s`. Nil when the bits
    /// cannot be read. Go 1.21 reads the arena bitmap; later Go the span's bitmap (objects of at
    /// most 512 bytes), the allocation header, or the large span's type.
    func objectMask(_ s: Span, address: UInt64, size: UInt64, mem: AddressSpace, types: RuntimeTypeReader,
                    greenTea: Bool) -> [UInt64]? {
        guard size > 0, size <= 1 << 30, address >= s.base, address < s.end, s.end &- address >= size else { return nil }
        let words = Int(size / 8)
        var mask = [UInt64](repeating: 0, count: (words + 63) / 64)
        func set(_ k: Int) { if k >= 0, k < words { mask[k >> 6] |= 1 << UInt64(k & 63) } }
        switch self {
        case .arenaBitmap(let ab):
            // One bit per heap word; read the bytes covering the object.
            let firstWord = (address &- s.base) / 8
            guard let bits = ab.spanBits(base: s.base, bytes: s.end &- s.base) else { return nil }
            for k in 0..<words {
                let w = Int(firstWord) &+ k
                if w >> 3 < bits.count, (bits[w >> 3] >> UInt8(w & 7)) & 1 == 1 { set(k) }
            }
        case .allocationHeaders:
            if s.noscan { return mask }
            if !s.isLarge && s.elemSize <= 512 {
                let spanBytes = s.end &- s.base
                let bitmapBytes = spanBytes / 64
                let inline: UInt64 = greenTea && s.elemSize >= 16 ? 128 : 0
                guard spanBytes > bitmapBytes &+ inline else { return nil }
                let bitmap = s.end &- inline &- bitmapBytes
                guard let bytes = try? mem.readBytes(at: Address(bitmap), count: bitmapBytes) else { return nil }
                let firstWord = Int((address &- s.base) / 8)
                for k in 0..<words {
                    let w = firstWord &+ k
                    if w >> 3 < bytes.count, (bytes[w >> 3] >> UInt8(w & 7)) & 1 == 1 { set(k) }
                }
            } else {
                let typeAddress = s.isLarge ? s.largeType : ((try? mem.read(UInt64.self, at: Address(address))) ?? 0)
                guard typeAddress != 0, let rt = types.type(at: typeAddress), rt.size > 0 else { return mask }
                let start = s.isLarge ? 0 : 1   // the header word
                var e = start
                while e < words {
                    for w in rt.pointerWords { set(e &+ Int(w)) }
                    e &+= Int(rt.size / 8)
                    if rt.size < 8 { break }
                }
            }
        }
        return mask
    }
}
