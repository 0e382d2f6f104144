import CElf

/// The build identity of an executable: the GNU build id note and Go's own build id note.
public struct BuildID: Sendable, Equatable, CustomStringConvertible {
    /// `NT_GNU_BUILD_ID` of the "GNU" note, when present.
    public var gnu: [UInt8]?
    /// The "Go" note of type 4 (`.note.go.buildid`), when present.
    public var go: String?

    public var isEmpty: Bool { gnu == nil && go == nil }
    public var description: String {
        if let gnu { return gnu.map { String($0, radix: 16).leftPad(2) }.joined() }
        if let go { return go }
        return "(none)"
    }

    init(notes: [RawNote]) {
        for n in notes {
            if n.name == "GNU", n.type == 3 { gnu = n.desc.array(0, n.desc.count) }
            if n.name == "Go", n.type == 4 { go = n.desc.string(0, n.desc.count)?.trimmingTrailingSpaces() }
        }
    }

    /// True when both sides carry the same kind of id and the ids differ.
    func conflicts(with other: BuildID) -> Bool {
        if let a = gnu, let b = other.gnu { return a != b }
        if let a = go, let b = other.go { return a != b }
        return false
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// A Go executable: its segments, sections, symbols, build id, Go version and pclntab.
///
/// Addresses here are link-time addresses; a `Core` adds the load bias of a PIE.
public final class Executable: Sendable {
    let elf: ELFFile
    public var path: String { elf.path }
    public var segments: [Segment] { elf.segments }
    public var sections: [Section] { elf.sections }
    /// The entry point (`e_entry`).
    public var entry: UInt64 { elf.entry }
    /// Whether the executable is position independent (ELF type `ET_DYN`).
    public let isPIE: Bool
    public let buildID: BuildID
    /// Symbols sorted by address (empty for a stripped executable).
    public let symbols: [Symbol]
    private let symbolIndex: [String: Int]
    /// The Go version recorded in `.go.buildinfo` (e.g. "go1.26.6", or "go1.25.5 X:greenteagc").
    public let goVersion: String?
    /// Go's function table, or the reason it is unavailable.
    public let pclntab: Result<Pclntab, CoreError>
    /// Whether the file has DWARF sections (`.debug_info`, `.zdebug_info`).
    public let hasDWARF: Bool

    /// Opens an executable.
    /// - Throws: `CoreError` when the file is missing, not ELF, or not an executable.
    public init(path: String) throws(CoreError) {
        let elf = try ELFFile(path: path)
        guard elf.elfType == UInt16(ET_EXEC) || elf.elfType == UInt16(ET_DYN) else {
            throw .notAnExecutable(path: path, elfType: elf.elfTypeName)
        }
        self.elf = elf
        isPIE = elf.elfType == UInt16(ET_DYN)
        buildID = BuildID(notes: elf.notes(problem: { _ in }))
        let syms = elf.symbols().sorted { $0.address < $1.address }
        symbols = syms
        var index: [String: Int] = [:]
        index.reserveCapacity(syms.count)
        for (i, s) in syms.enumerated() where index[s.name] == nil { index[s.name] = i }
        symbolIndex = index
        goVersion = Executable.readBuildInfoVersion(elf)
        hasDWARF = elf.sections.contains { $0.name == ".debug_info" || $0.name == ".zdebug_info" }
        pclntab = Result { () throws(CoreError) -> Pclntab in try Pclntab(executable: elf, symbols: syms, index: index) }
    }

    /// The symbol with this exact name.
    public func symbol(named name: String) -> Symbol? { symbolIndex[name].map { symbols[$0] } }

    /// The symbol whose [address, address+size) contains `address` (link-time).
    public func symbol(containing address: UInt64) -> Symbol? {
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1
        while i >= 0, i >= lo - 8 {
            let s = symbols[i]
            if address >= s.address, address < s.address &+ max(s.size, 1) { return s }
            i -= 1
        }
        return nil
    }

    /// The version string from `.go.buildinfo` (Go 1.18+ layout: inline varint-prefixed strings).
    static func readBuildInfoVersion(_ elf: ELFFile) -> String? {
        guard let sec = elf.section(named: ".go.buildinfo"), let b = elf.contents(of: sec),
              b.array(0, 14) == Array("\u{ff} Go buildinf:".unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }),
              let flags = b.u8(15), flags & 2 != 0,
              let (len, n) = b.uvarint(32), len < 1024 else { return nil }
        return b.string(32 + n, Int(len))
    }
}
