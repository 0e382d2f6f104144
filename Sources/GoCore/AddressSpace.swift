/// The memory of the dumped process: core segments spliced over the executable's segments.
///
/// Splicing, by case:
/// - a core `PT_LOAD` with all its bytes in the core: the core's bytes win;
/// - a core `PT_LOAD` with `filesz == 0` or `filesz < memsz` (text and rodata, which the kernel
///   does not dump, or only their first page): the missing part comes from the executable's
///   segment at that address, if one covers it, otherwise it is "not dumped";
/// - an executable segment's `memsz` past its `filesz` (its bss) reads as zeros where no core
///   segment covers it;
/// - a core segment that runs past the end of a truncated core file: that tail is "truncated".
///
/// Every read is bounds-checked and throws a `CoreError` naming the address.
///
/// ```swift
/// let core = try Core(path: "core", executablePath: "prog")
/// let word = try core.memory.read(UInt64.self, at: Address(0xc000010000))
/// ```
public struct AddressSpace: Sendable {
    enum Kind: UInt8, Sendable { case data, zero, notDumped, truncated }

    struct Piece: Sendable {
        var start: UInt64
        var end: UInt64
        var kind: Kind
        /// For `.data`: bytes beginning at `start`.
        var bytes: Bytes
    }

    /// Sorted, non-overlapping.
    let pieces: [Piece]
    /// Keeps the mapped files alive as long as any copy of the address space exists.
    let owners: [MappedFile]

    /// The largest single read the API accepts, so that a garbage length from the target
    /// cannot make the reader allocate gigabytes.
    public static let maxRead: UInt64 = 1 << 30

    init(pieces: [Piece], owners: [MappedFile]) {
        self.pieces = pieces
        self.owners = owners
    }

    /// Builds the spliced space. `core` pieces win over `exe` pieces.
    static func splice(core: [Piece], exe: [Piece], owners: [MappedFile]) -> AddressSpace {
        let core = core.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
        let exe = exe.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
        var bounds: [UInt64] = []
        bounds.reserveCapacity((core.count + exe.count) * 2)
        for p in core { bounds.append(p.start); bounds.append(p.end) }
        for p in exe { bounds.append(p.start); bounds.append(p.end) }
        bounds.sort()
        var out: [Piece] = []
        var i = 0
        while i + 1 < bounds.count {
            let s = bounds[i], e = bounds[i + 1]
            i += 1
            if s == e { continue }
            // Core first, unless that core piece has nothing to say (not dumped).
            var chosen: Piece?
            if let c = covering(core, s), c.kind != .notDumped {
                chosen = c
            } else if let x = covering(exe, s) {
                chosen = x
            } else if let c = covering(core, s) {
                chosen = c
            }
            guard var p = chosen else { continue }
            if p.kind == .data {
                p.bytes = p.bytes.slice(s &- p.start, e &- s) ?? .empty
            }
            p.start = s
            p.end = e
            if let last = out.last, last.end == s, last.kind == p.kind, p.kind != .data {
                out[out.count - 1].end = e
            } else {
                out.append(p)
            }
        }
        return AddressSpace(pieces: out, owners: owners)
    }

    static func covering(_ list: [Piece], _ a: UInt64) -> Piece? {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].start <= a { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let p = list[lo - 1]
        return a < p.end ? p : nil
    }

    @inline(__always)
    func pieceIndex(_ a: UInt64) -> Int? {
        var lo = 0, hi = pieces.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if pieces[mid].start <= a { lo = mid &+ 1 } else { hi = mid }
        }
        guard lo > 0, a < pieces[lo &- 1].end else { return nil }
        return lo &- 1
    }

    /// Whether every byte of [address, address+count) lies in a piece that holds data or zeros,
    /// without reading it (O(log pieces + pieces crossed)).
    public func isMapped(_ address: Address, count: UInt64) -> Bool {
        guard count > 0 else { return true }
        guard address.adding(count) != nil, var i = pieceIndex(address.rawValue) else { return false }
        let end = address.rawValue &+ count
        while true {
            let p = pieces[i]
            guard p.kind == .data || p.kind == .zero else { return false }
            if end <= p.end { return true }
            i += 1
            guard i < pieces.count, pieces[i].start == p.end else { return false }
        }
    }

    /// Whether `count` bytes at `address` can all be read.
    public func isReadable(_ address: Address, count: UInt64 = 1) -> Bool {
        (try? withBytes(at: address, count: count) { _ in true }) ?? false
    }

    /// Calls `body` with `count` bytes at `address`: without copying when they lie in one piece of one file.
    public func withBytes<R>(at address: Address, count: UInt64,
                             _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard count <= AddressSpace.maxRead, address.adding(count) != nil else { throw CoreError.badRange(address, count: count) }
        if count == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let i = pieceIndex(address.rawValue) else { throw CoreError.unmapped(address) }
        let p = pieces[i]
        if p.kind == .data, address.rawValue &+ count <= p.end, let base = p.bytes.base {
            let off = Int(address.rawValue &- p.start)
            guard p.bytes.contains(off, Int(count)) else { throw CoreError.truncatedRead(address) }
            return try body(UnsafeRawBufferPointer(start: base + off, count: Int(count)))
        }
        let copy = try readBytes(at: address, count: count)
        return try copy.withUnsafeBytes { try body($0) }
    }

    /// Copies `count` bytes at `address`.
    public func readBytes(at address: Address, count: UInt64) throws(CoreError) -> [UInt8] {
        guard count <= AddressSpace.maxRead, address.adding(count) != nil else { throw .badRange(address, count: count) }
        var out = [UInt8](repeating: 0, count: Int(count))
        var a = address.rawValue
        let end = a &+ count
        var written = 0
        while a < end {
            guard let i = pieceIndex(a) else { throw .unmapped(Address(a)) }
            let p = pieces[i]
            let n = Int(min(end, p.end) &- a)
            switch p.kind {
            case .data:
                let off = Int(a &- p.start)
                guard p.bytes.contains(off, n), let base = p.bytes.base else { throw .truncatedRead(Address(a)) }
                out.withUnsafeMutableBytes { dst in
                    dst.baseAddress.map { $0 + written }?.copyMemory(from: base + off, byteCount: n)
                }
            case .zero:
                break
            case .notDumped:
                throw .notDumped(Address(a))
            case .truncated:
                throw .truncatedRead(Address(a))
            }
            written += n
            a &+= UInt64(n)
        }
        return out
    }

    /// Reads a little-endian integer.
    public func read<T: FixedWidthInteger>(_ type: T.Type, at address: Address) throws(CoreError) -> T {
        if let v = fastRead(type, address.rawValue) { return v }
        let bytes = try readBytes(at: address, count: UInt64(MemoryLayout<T>.size))
        var v: T = 0
        for (i, b) in bytes.enumerated() { v |= T(truncatingIfNeeded: b) << (8 * i) }
        return v
    }

    @inline(__always)
    func fastRead<T: FixedWidthInteger>(_: T.Type, _ a: UInt64) -> T? {
        guard let i = pieceIndex(a) else { return nil }
        let p = pieces[i]
        let size = UInt64(MemoryLayout<T>.size)
        guard p.kind == .data, p.end &- a >= size else { return nil }
        return p.bytes.load(T.self, Int(a &- p.start))
    }

    /// The 8-byte little-endian word at `address`, or nil when it cannot be read. Not generic, so
    /// hot loops in other modules pay no generic dispatch.
    public func word(_ address: UInt64) -> UInt64? {
        guard let i = pieceIndex(address) else { return nil }
        let p = pieces[i]
        guard p.kind == .data, p.end &- address >= 8, let base = p.bytes.base else {
            if p.kind == .zero, p.end &- address >= 8 { return 0 }
            return try? read(UInt64.self, at: Address(address))
        }
        let off = Int(address &- p.start)
        guard off &+ 8 <= p.bytes.count else { return nil }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: off, as: UInt64.self))
    }

    /// The piece of file bytes holding `address`: its address range and the bytes' base, for
    /// readers in this package that cache it across many reads. The bytes live as long as this
    /// address space.
    package func dataPiece(containing address: UInt64) -> (start: UInt64, end: UInt64, base: UnsafeRawPointer)? {
        guard let i = pieceIndex(address) else { return nil }
        let p = pieces[i]
        guard p.kind == .data, let base = p.bytes.base else { return nil }
        return (p.start, p.start &+ UInt64(p.bytes.count), base)
    }

    /// Reads a pointer-sized word as an address.
    public func readPointer(at address: Address) throws(CoreError) -> Address {
        Address(try read(UInt64.self, at: address))
    }

    /// Reads a NUL-terminated string of at most `limit` bytes (the bytes read so far if no NUL comes first).
    public func readCString(at address: Address, limit: Int = 4096) throws(CoreError) -> String {
        var out: [UInt8] = []
        var a = address
        while out.count < limit {
            let b = try read(UInt8.self, at: a)
            if b == 0 { break }
            out.append(b)
            guard let next = a.adding(1) else { break }
            a = next
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads `count` bytes as UTF-8 (invalid sequences are replaced), at most `limit` of them.
    public func readString(at address: Address, count: UInt64, limit: UInt64 = 1 << 20) throws(CoreError) -> String {
        let bytes = try readBytes(at: address, count: min(count, limit))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The address ranges that hold readable bytes (data or zeros), merged where adjacent.
    public var readableRanges: [(start: Address, end: Address)] {
        var out: [(Address, Address)] = []
        for p in pieces where p.kind == .data || p.kind == .zero {
            if let last = out.last, last.1.rawValue == p.start {
                out[out.count - 1].1 = Address(p.end)
            } else {
                out.append((Address(p.start), Address(p.end)))
            }
        }
        return out
    }
}
