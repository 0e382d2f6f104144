/// Go's own function table (`runtime.pclntab`, the "pclntab"), for the format of Go 1.20 and later
/// (magic 0xFFFFFFF1; Go 1.18–1.19's 0xFFFFFFF0 has the same layout).
///
/// It works on stripped executables: it needs only the `.gopclntab` section (or the
/// `runtime.pclntab` symbol) and the start of the text. All addresses are link-time addresses.
///
/// Layout (src/runtime/symtab.go, `pcHeader`, `functab`, `_func`): a header with offsets of
/// the function-name table, the compilation-unit table, the file table, the pc-value tables and
/// the function table; the function table is `nfunc+1` pairs `(entryOff, funcOff)` followed by the
/// `_func` records; each `_func` is 44 bytes followed by `npcdata` u32 pcdata offsets and
/// `nfuncdata` u32 funcdata offsets (from `go:func.*`).
public struct Pclntab: Sendable {
    /// A function of the table.
    public struct Function: Sendable, Equatable {
        /// Position in the function table.
        public let index: Int
        /// Link-time entry address.
        public let entry: UInt64
        /// Link-time address just past the function's code.
        public let end: UInt64
        public let name: String
        /// Offset of the `_func` record in the table.
        let record: Int
        /// Size of the arguments (`_func.args`).
        public let argumentSize: Int32
        /// pc-value table offsets.
        public let pcsp: UInt32, pcfile: UInt32, pcln: UInt32
        public let pcdataCount: Int
        public let funcdataCount: Int
        let cuOffset: UInt32
        /// The line of the `func` keyword.
        public let startLine: Int32
        /// `abi.FuncID` (0 for ordinary functions).
        public let funcID: UInt8
        /// `abi.FuncFlag`.
        public let flag: UInt8
    }

    /// One frame of the inlining tree at a pc: the function that was inlined and where.
    public struct InlinedFrame: Sendable, Equatable {
        public let name: String
        public let file: String?
        public let line: Int
    }

    let bytes: Bytes
    let owner: MappedFile
    public let textStart: UInt64
    public let functionCount: Int
    let minLC: UInt64
    let funcnameOffset: Int, cuOffset: Int, filetabOffset: Int, pctabOffset: Int, pclnOffset: Int
    /// The link-time address of `go:func.*`, base of funcdata offsets; nil when unknown (stripped).
    public private(set) var gofunc: UInt64?
    /// Bytes of the segment holding `go:func.*`, for reading funcdata.
    private(set) var gofuncBytes: Bytes?
    private(set) var gofuncBase: UInt64 = 0
    /// The link-time address of the table itself (`runtime.pclntab`, the `pcHeader`).
    public let address: UInt64

    public static let pcdataInlTreeIndex = 2
    public static let funcdataInlTree = 3

    init(executable elf: ELFFile, symbols: [Symbol], index: [String: Int]) throws(CoreError) {
        owner = elf.file
        func sym(_ n: String) -> Symbol? { index[n].map { symbols[$0] } }
        var data: Bytes?
        var tableAddress: UInt64 = 0
        // ".gopclntab" in executables, ".data.rel.ro.gopclntab" in PIEs.
        if let sec = elf.section(named: ".gopclntab") ?? elf.section(named: ".data.rel.ro.gopclntab") {
            data = elf.contents(of: sec)
            tableAddress = sec.address
        } else if let s = sym("runtime.pclntab") {
            data = Pclntab.fileBytes(elf, address: s.address, size: max(s.size, 64))
            tableAddress = s.address
        }
        address = tableAddress
        guard let b = data, b.count >= 72 else { throw .noPclntab(path: elf.path) }
        bytes = b
        guard let magic = b.u32(0), magic == 0xFFFF_FFF1 || magic == 0xFFFF_FFF0 else {
            throw .badPclntab("unknown magic \(UInt64(b.u32(0) ?? 0).hex) (this SDK reads Go 1.18 and later)")
        }
        guard b.u8(7) == 8 else { throw .badPclntab("pointer size \(b.u8(7) ?? 0), expected 8") }
        minLC = UInt64(max(1, b.u8(6) ?? 1))
        let nfunc = b.u64(8) ?? 0
        let offsets = [32, 40, 48, 56, 64].map { b.u64($0) ?? UInt64.max }
        guard nfunc < 1 << 24, offsets.allSatisfy({ $0 < UInt64(b.count) }) else {
            throw .badPclntab("header offsets out of range")
        }
        functionCount = Int(nfunc)
        funcnameOffset = Int(offsets[0]); cuOffset = Int(offsets[1]); filetabOffset = Int(offsets[2])
        pctabOffset = Int(offsets[3]); pclnOffset = Int(offsets[4])
        guard b.contains(pclnOffset, (functionCount + 1) * 8) else { throw .badPclntab("function table runs past the end") }
        if let t = sym("runtime.text") {
            textStart = t.address
        } else if let t = elf.section(named: ".text") {
            textStart = t.address
        } else {
            textStart = b.u64(24) ?? 0
        }
        if let gf = sym("go:func.*") ?? sym("go.func.*") { setGofunc(gf.address, elf: elf) }
    }

    /// Sets the base of funcdata offsets (`moduledata.gofunc`, link-time) and the bytes that hold it.
    mutating func setGofunc(_ g: UInt64, elf: ELFFile) {
        guard let seg = elf.segments.first(where: { $0.isLoad && $0.address <= g && g < $0.address &+ $0.fileSize }) else { return }
        gofunc = g
        gofuncBytes = elf.file.bytes.slice(seg.fileOffset, seg.fileSize)
        gofuncBase = seg.address
    }

    static func fileBytes(_ elf: ELFFile, address: UInt64, size: UInt64) -> Bytes? {
        guard let seg = elf.segments.first(where: { $0.isLoad && $0.address <= address && address < $0.address &+ $0.fileSize })
        else { return nil }
        let off = address &- seg.address
        return elf.file.bytes.slice(seg.fileOffset &+ off, seg.fileSize &- off)
    }

    /// Entry offset of function i (i may be `functionCount`, the end of the text).
    @inline(__always) func entryOff(_ i: Int) -> UInt32? { bytes.u32(pclnOffset + i * 8) }

    /// The function whose code contains the link-time `pc`, in O(log n).
    public func function(containing pc: UInt64) -> Function? {
        guard functionCount > 0, pc >= textStart, pc &- textStart < 1 << 32 else { return nil }
        let off = UInt32(pc &- textStart)
        guard let last = entryOff(functionCount), off < last else { return nil }
        var lo = 0, hi = functionCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if (entryOff(mid) ?? UInt32.max) <= off { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        return function(at: lo - 1)
    }

    /// The i-th function of the table.
    public func function(at i: Int) -> Function? {
        guard i >= 0, i < functionCount, let e = entryOff(i), let next = entryOff(i + 1),
              let fo = bytes.u32(pclnOffset + i * 8 + 4) else { return nil }
        let r = pclnOffset + Int(fo)
        guard bytes.contains(r, 44), bytes.u32(r) == e,
              let nameOff = bytes.i32(r + 4), let args = bytes.i32(r + 8), let pcsp = bytes.u32(r + 16),
              let pcfile = bytes.u32(r + 20), let pcln = bytes.u32(r + 24), let npcdata = bytes.u32(r + 28),
              let cu = bytes.u32(r + 32), let startLine = bytes.i32(r + 36), let funcID = bytes.u8(r + 40),
              let flag = bytes.u8(r + 41), let nfuncdata = bytes.u8(r + 43), npcdata < 1024 else { return nil }
        let name = self.name(at: nameOff) ?? "?"
        return Function(index: i, entry: textStart &+ UInt64(e), end: textStart &+ UInt64(next), name: name, record: r,
                        argumentSize: args, pcsp: pcsp, pcfile: pcfile, pcln: pcln, pcdataCount: Int(npcdata),
                        funcdataCount: Int(nfuncdata), cuOffset: cu, startLine: startLine, funcID: funcID, flag: flag)
    }

    func name(at nameOff: Int32) -> String? {
        guard nameOff >= 0 else { return nil }
        return bytes.cString(funcnameOffset + Int(nameOff), limit: 1 << 16)
    }

    /// Every function, in address order.
    public var functions: [Function] { (0..<functionCount).compactMap { function(at: $0) } }

    /// The value of a pc-value table at `pc`; nil when the table is absent, damaged, or does not cover `pc`.
    ///
    /// Tables are (zigzag value delta, pc delta) uvarint pairs starting from value −1 at the entry.
    public func pcValue(table: UInt32, function f: Function, pc: UInt64) -> Int32? {
        guard table != 0 else { return nil }
        var p = pctabOffset + Int(table)
        var val: Int32 = -1
        var cur = f.entry
        var first = true
        var steps = 0
        while steps < 1 << 20 {
            steps += 1
            guard let (uvdelta, n) = bytes.uvarint(p) else { return nil }
            if uvdelta == 0 && !first { return nil }
            first = false
            p += n
            let u = UInt32(truncatingIfNeeded: uvdelta)
            let delta = (u & 1) != 0 ? ~Int32(bitPattern: u >> 1) : Int32(bitPattern: u >> 1)
            val = val &+ delta
            guard let (pcdelta, m) = bytes.uvarint(p) else { return nil }
            p += m
            cur = cur &+ pcdelta &* minLC
            if pc < cur { return val }
        }
        return nil
    }

    /// The stack-pointer delta at `pc` (`pcsp`): the frame size in use at that instruction.
    public func spDelta(_ f: Function, pc: UInt64) -> Int32? { pcValue(table: f.pcsp, function: f, pc: pc) }

    /// The value of pcdata table `index` at `pc`.
    public func pcdata(_ f: Function, index: Int, pc: UInt64) -> Int32? {
        guard index >= 0, index < f.pcdataCount, let off = bytes.u32(f.record + 44 + 4 * index) else { return nil }
        return pcValue(table: off, function: f, pc: pc)
    }

    /// The link-time address of funcdata `index`, or nil when absent or when `go:func.*` is unknown.
    public func funcdata(_ f: Function, index: Int) -> UInt64? {
        guard index >= 0, index < f.funcdataCount, let gofunc,
              let off = bytes.u32(f.record + 44 + 4 * f.pcdataCount + 4 * index), off != UInt32.max else { return nil }
        return gofunc &+ UInt64(off)
    }

    /// Source file and line of `pc` (the innermost inlined position).
    public func fileLine(_ f: Function, pc: UInt64) -> (file: String, line: Int)? {
        guard let fileno = pcValue(table: f.pcfile, function: f, pc: pc),
              let line = pcValue(table: f.pcln, function: f, pc: pc), let file = fileName(f, fileno) else { return nil }
        return (file, Int(line))
    }

    func fileName(_ f: Function, _ fileno: Int32) -> String? {
        guard fileno >= 0, let off = bytes.u32(cuOffset + 4 * (Int(f.cuOffset) + Int(fileno))), off != UInt32.max else { return nil }
        return bytes.cString(filetabOffset + Int(off), limit: 1 << 16)
    }

    /// The inlined calls active at `pc`, innermost first, ending with `f` itself. Without inlining
    /// information (no `go:func.*`) it is just `f` at `pc`'s position.
    public func frames(_ f: Function, pc: UInt64) -> [InlinedFrame] {
        var out: [InlinedFrame] = []
        var at = pc
        let tree = funcdata(f, index: Pclntab.funcdataInlTree)
        while out.count < 256 {
            let pos = fileLine(f, pc: at)
            guard let tree, let gb = gofuncBytes, let ix = pcdata(f, index: Pclntab.pcdataInlTreeIndex, pc: at), ix >= 0 else {
                out.append(InlinedFrame(name: f.name, file: pos?.file, line: pos?.line ?? 0))
                return out
            }
            // abi.InlinedCall: funcID u8, _ [3]u8, nameOff i32, parentPc i32, startLine i32 (16 bytes).
            let recOffset = (tree &- gofuncBase) &+ UInt64(ix) &* 16
            guard recOffset < UInt64(gb.count), let nameOff = gb.i32(Int(recOffset) + 4),
                  let parentPc = gb.i32(Int(recOffset) + 8) else {
                out.append(InlinedFrame(name: f.name, file: pos?.file, line: pos?.line ?? 0))
                return out
            }
            out.append(InlinedFrame(name: name(at: nameOff) ?? "?", file: pos?.file, line: pos?.line ?? 0))
            at = f.entry &+ UInt64(UInt32(bitPattern: parentPc))
        }
        return out
    }

    /// The name `runtime.FuncForPC(pc).Name()` reports: the innermost inlined function at `pc`.
    public func funcForPCName(_ f: Function, pc: UInt64) -> String {
        frames(f, pc: pc).first?.name ?? f.name
    }
}
