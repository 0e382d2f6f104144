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
