import CElf

/// One mapping of the dumped process (a `PT_LOAD` of the core), with the file it maps, if any.
public struct Mapping: Sendable, Equatable {
    public let start: Address
    public let end: Address
    /// "rwx" form.
    public let permissions: String
    /// The mapped file from the core's `NT_FILE` note, or nil for anonymous memory.
    public let file: String?
    /// Offset of the mapping in `file`.
    public let fileOffset: UInt64
    /// Bytes of this mapping stored in the core (0 for text and rodata, which come from the executable).
    public let dumpedBytes: UInt64
    public var size: UInt64 { end.rawValue &- start.rawValue }
}

/// An ELF core file of a Go process together with its executable.
///
/// Knows nothing of Go's heap: it gives threads, mappings, the spliced address space, symbols,
/// the pclntab and the Go version. `GoHeap` builds the runtime's view on top.
///
/// ```swift
/// let core = try Core(path: "core")                  // finds the executable from NT_FILE
/// print(core.goVersion ?? "?", core.threads.count)
/// let pc = core.threads[0].registers.pc
/// print(core.function(at: pc)?.name ?? "?")
/// ```
public final class Core: Sendable {
    public let path: String
    public let executable: Executable
    public let threads: [Thread]
    public let process: ProcessInfo?
    /// The auxiliary vector (`NT_AUXV`) as (key, value) pairs.
    public let auxv: [(key: UInt64, value: UInt64)]
    /// File-backed mappings from `NT_FILE`.
    public let fileMappings: [FileMapping]
    /// Every mapping of the process (the core's `PT_LOAD` segments).
    public let mappings: [Mapping]
    /// The process memory: core segments over the executable's.
    public let memory: AddressSpace
    /// Runtime address minus link-time address of the executable (0 unless PIE).
    public let loadBias: UInt64
    /// The Go version: `runtime.buildVersion` read from memory, else the build info of the executable.
    public let goVersion: String?
    /// Problems that did not stop the open.
    public let warnings: [Warning]
    /// The core's memory segments: (address, file offset, bytes in the file).
    private let coreSegments: [(address: UInt64, offset: UInt64, size: UInt64)]
    /// Go's function table, with `go:func.*` located even in a stripped executable.
    public let pclntab: Result<Pclntab, CoreError>
    /// The runtime address of `runtime.firstmoduledata`, found by its pointer to the pclntab.
    public let firstModuledata: Address?

    /// Opens a core and its executable.
    /// - Parameters:
    ///   - path: the core file.
    ///   - executablePath: the executable; when nil it is found from the core's `NT_FILE` note.
    /// - Throws: `CoreError` naming what is wrong (not a core, truncated, build id mismatch, …).
    public init(path: String, executablePath: String? = nil) throws(CoreError) {
        var warnings: [Warning] = []
        let elf = try ELFFile(path: path)
        guard elf.elfType == UInt16(ET_CORE) else { throw .notACore(path: path, elfType: elf.elfTypeName) }
        self.path = path
        let fileSize = UInt64(elf.file.size)
        let notes = CoreNotes(elf.notes(problem: { warnings.append(Warning("core notes: " + $0)) }),
                              problem: { warnings.append(Warning("core notes: " + $0)) })
        guard !notes.threads.isEmpty else {
            if let note = elf.segments.first(where: { $0.type == UInt32(PT_NOTE) }),
               note.fileOffset > fileSize || note.fileSize > fileSize &- note.fileOffset {
                let needed = note.fileOffset.addingReportingOverflow(note.fileSize)
                throw .truncated(path: path, what: "the note segment", needed: needed.overflow ? .max : needed.partialValue,
                                 fileSize: fileSize)
            }
            throw .malformed(path: path, what: "no NT_PRSTATUS note: the core has no threads")
        }
        threads = notes.threads
        process = notes.process
        auxv = notes.auxv.map { (key: $0.0, value: $0.1) }
        fileMappings = notes.files

        // Core pieces, with what is past the end of a truncated file marked as such.
        var corePieces: [AddressSpace.Piece] = []
        var maps: [Mapping] = []
        var truncatedSegments = 0
        for seg in elf.segments where seg.isLoad && seg.memorySize > 0 {
            guard seg.address.addingReportingOverflow(seg.memorySize).overflow == false else {
                warnings.append(Warning("core segment at \(seg.address.hex) has an impossible size \(seg.memorySize)"))
                continue
            }
            let end = seg.address &+ seg.memorySize
            let inFile = min(seg.fileSize, seg.memorySize)
            let available = seg.fileOffset >= fileSize ? 0 : min(inFile, fileSize &- seg.fileOffset)
            if available > 0, let bytes = elf.file.bytes.slice(seg.fileOffset, available) {
                corePieces.append(.init(start: seg.address, end: seg.address &+ available, kind: .data, bytes: bytes))
            }
            if available < inFile {
                truncatedSegments += 1
                corePieces.append(.init(start: seg.address &+ available, end: seg.address &+ inFile, kind: .truncated, bytes: .empty))
            }
            if inFile < seg.memorySize {
                corePieces.append(.init(start: seg.address &+ inFile, end: end, kind: .notDumped, bytes: .empty))
            }
            let file = notes.files.first { $0.start <= seg.address && seg.address < $0.end }
            maps.append(Mapping(start: Address(seg.address), end: Address(end), permissions: seg.permissions,
                                file: file?.path, fileOffset: file.map { $0.fileOffset &+ (seg.address &- $0.start) } ?? 0,
                                dumpedBytes: seg.fileSize))
        }
        if truncatedSegments > 0 {
            warnings.append(Warning("the core is truncated: \(truncatedSegments) memory segment(s) extend past its end (\(fileSize) bytes); their missing parts cannot be read"))
        }
        mappings = maps
        coreSegments = elf.segments.filter { $0.isLoad && $0.fileSize > 0 }.map { ($0.address, $0.fileOffset, $0.fileSize) }

        // The executable: given, or found from NT_FILE.
        let atEntry = notes.aux(9)
        let exe: Executable
        if let executablePath {
            exe = try Executable(path: executablePath)
        } else {
            exe = try Core.findExecutable(notes: notes, corePath: path, entry: atEntry)
        }
        executable = exe
        let bias: UInt64 = atEntry.map { $0 &- exe.entry } ?? 0
        if !exe.isPIE && bias != 0 {
            warnings.append(Warning("the core's entry point \((atEntry ?? 0).hex) differs from the executable's \(exe.entry.hex)"))
        }
        loadBias = exe.isPIE ? bias : 0

        // Check the build id against the copy of the executable's headers in the core's first text page.
        let coreOnly = AddressSpace.splice(core: corePieces, exe: [], owners: [elf.file])
        if let coreID = Core.buildIDInMemory(coreOnly, exe: exe, bias: loadBias) {
            if coreID.conflicts(with: exe.buildID) {
                throw .buildIDMismatch(core: coreID.description, executable: exe.buildID.description, executablePath: exe.path)
            }
        } else if !exe.buildID.isEmpty {
            warnings.append(Warning("cannot verify that \(exe.path) matches the core: the core does not hold the executable's note segment"))
        }

        var exePieces: [AddressSpace.Piece] = []
        let exeSize = UInt64(exe.elf.file.size)
        for seg in exe.segments where seg.isLoad && seg.memorySize > 0 {
            let start = seg.address &+ loadBias
            let inFile = min(seg.fileSize, seg.memorySize)
            let available = seg.fileOffset >= exeSize ? 0 : min(inFile, exeSize &- seg.fileOffset)
            if available > 0, let bytes = exe.elf.file.bytes.slice(seg.fileOffset, available) {
                exePieces.append(.init(start: start, end: start &+ available, kind: .data, bytes: bytes))
            }
            if available < seg.memorySize {
                exePieces.append(.init(start: start &+ available, end: start &+ seg.memorySize, kind: .zero, bytes: .empty))
            }
        }
        memory = AddressSpace.splice(core: corePieces, exe: exePieces, owners: [elf.file, exe.elf.file])

        // Go version: runtime.buildVersion is authoritative (it carries the experiments), build info otherwise.
        var version: String? = nil
        if let sym = exe.symbol(named: "runtime.buildVersion") {
            let a = Address(sym.address &+ loadBias)
            if let ptr = try? memory.readPointer(at: a), let len = try? memory.read(UInt64.self, at: a.adding(8) ?? a),
               len > 0, len < 256, let s = try? memory.readString(at: ptr, count: len) {
                version = s
            }
        }
        goVersion = version ?? exe.goVersion
        if goVersion == nil { warnings.append(Warning("cannot tell the Go version: no runtime.buildVersion and no .go.buildinfo")) }
        // firstmoduledata starts with a pointer to the pclntab header; it lives in .noptrdata.
        var tab = exe.pclntab
        let mem = memory, linkBias = loadBias
        var md: Address? = exe.symbol(named: "runtime.firstmoduledata").map { Address($0.address &+ linkBias) }
        if case .success(var t) = tab {
            if md == nil { md = Core.findModuledata(mem, exe: exe, bias: linkBias, pclntab: t.address &+ linkBias) }
            if t.gofunc == nil, let md, let g = Core.gofunc(mem, exe: exe, bias: linkBias, moduledata: md) {
                t.setGofunc(g &- linkBias, elf: exe.elf)
                tab = .success(t)
            }
            if t.gofunc == nil { warnings.append(Warning("cannot locate go:func.*: inlined frames and stack maps are unavailable")) }
        }
        pclntab = tab
        firstModuledata = md
        if case .failure(let e) = tab { warnings.append(Warning("\(e)")) }
        if !exe.hasDWARF {
            warnings.append(Warning("\(exe.path) has no DWARF (stripped, or built with -ldflags=-w): types, variables and heap typing need DWARF; functions and line numbers still work from the pclntab"))
        }
        self.warnings = warnings
    }

    /// The function containing a runtime `pc`, from Go's pclntab.
    public func function(at pc: UInt64) -> Pclntab.Function? {
        guard case .success(let tab) = pclntab else { return nil }
        return tab.function(containing: pc &- loadBias)
    }

    /// Where the bytes of a dumped address are in the core file (for tools that patch or carve cores).
    public func coreFileOffset(of address: Address) -> UInt64? {
        let a = address.rawValue
        guard let s = coreSegments.first(where: { $0.address <= a && a &- $0.address < $0.size }) else { return nil }
        return s.offset &+ (a &- s.address)
    }

    /// The symbol at a runtime address.
    public func symbol(named name: String) -> (symbol: Symbol, address: Address)? {
        executable.symbol(named: name).map { ($0, Address($0.address &+ loadBias)) }
    }

    static func buildIDInMemory(_ mem: AddressSpace, exe: Executable, bias: UInt64) -> BuildID? {
        var id = BuildID(notes: [])
        for seg in exe.segments where seg.type == UInt32(PT_NOTE) && seg.fileSize > 0 && seg.fileSize < 1 << 16 {
            guard let bytes = try? mem.readBytes(at: Address(seg.address &+ bias), count: seg.fileSize) else { continue }
            // BuildID copies what it keeps, so the notes may point into this temporary buffer.
            let found: BuildID = bytes.withUnsafeBytes { raw in
                BuildID(notes: ELFFile.parseNotes(Bytes(base: raw.baseAddress, count: raw.count), problem: { _ in }))
            }
            id.gnu = id.gnu ?? found.gnu
            id.go = id.go ?? found.go
        }
        return id.isEmpty ? nil : id
    }

    /// Scans the writable data sections for the word that points at the pclntab: `firstmoduledata.pcHeader`.
    static func findModuledata(_ mem: AddressSpace, exe: Executable, bias: UInt64, pclntab: UInt64) -> Address? {
        // SHT_PROGBITS (1) with SHF_WRITE|SHF_ALLOC (3): .noptrdata, .data, and the small sections between.
        for sec in exe.sections where sec.type == 1 && sec.flags & 3 == 3 && sec.size < 1 << 28 {
            let start = Address(sec.address &+ bias)
            let found: Int? = try? mem.withBytes(at: start, count: sec.size) { raw in
                var o = 0
                while o + 16 <= raw.count {
                    if raw.loadUnaligned(fromByteOffset: o, as: UInt64.self) == pclntab { return o }
                    o += 8
                }
                return nil
            }
            if let found { return start.adding(UInt64(found)) }
        }
        return nil
    }

    /// `moduledata.gofunc` is the field right after `moduledata.rodata` in every Go from 1.18 to 1.27;
    /// `rodata` equals the start of the `.rodata` section, which survives stripping. `moduledata.types`
    /// (earlier in the struct) usually has the same value, so the last match wins.
    static func gofunc(_ mem: AddressSpace, exe: Executable, bias: UInt64, moduledata: Address) -> UInt64? {
        guard let rodata = exe.sections.first(where: { $0.name == ".rodata" }) else { return nil }
        let want = rodata.address &+ bias
        // go:func.* lies in a read-only loaded segment (in .rodata up to 1.25, in .gopclntab from 1.26).
        let readOnly = exe.segments.filter { $0.isLoad && $0.flags & 2 == 0 }
        var found: UInt64?
        for i in 20..<80 {
            guard let a = moduledata.adding(UInt64(i * 8)), let v = try? mem.read(UInt64.self, at: a) else { break }
            if v == want, let next = a.adding(8), let g = try? mem.read(UInt64.self, at: next) {
                let link = g &- bias
                if readOnly.contains(where: { $0.address <= link && link < $0.address &+ $0.memorySize }) { found = g }
            }
        }
        return found
    }

    static func findExecutable(notes: CoreNotes, corePath: String, entry: UInt64?) throws(CoreError) -> Executable {
        // The mapping that holds the entry point (AT_ENTRY is the program's, even when an interpreter runs first).
        var candidates: [String] = []
        if let entry {
            if let m = notes.files.first(where: { $0.start <= entry && entry < $0.end }) { candidates.append(m.path) }
        } else if let m = notes.files.first(where: { $0.fileOffset == 0 }) {
            candidates.append(m.path)
        }
        // A core copied elsewhere with its executable: look beside the core for the same file name.
        let dir = corePath.contains("/") ? String(corePath[..<(corePath.lastIndex(of: "/") ?? corePath.endIndex)]) : "."
        for c in candidates.prefix(2) {
            let beside = dir + "/" + (c.split(separator: "/").last.map(String.init) ?? c)
            if !candidates.contains(beside) { candidates.append(beside) }
        }
        var tried: [String] = []
        var mismatch: CoreError?
        for c in candidates.prefix(6) {
            tried.append(c)
            guard let exe = try? Executable(path: c) else { continue }
            if let entry, exe.isPIE || exe.entry == entry {
                return exe
            } else if entry == nil {
                return exe
            }
            mismatch = .buildIDMismatch(core: "(entry \((entry ?? 0).hex))", executable: "(entry \(exe.entry.hex))", executablePath: c)
        }
        if let mismatch { throw mismatch }
        throw .executableNotFound(tried: tried)
    }
}

