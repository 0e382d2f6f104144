import CElf

/// A program header (segment) of an ELF file.
public struct Segment: Sendable, Equatable {
    /// `PT_LOAD`, `PT_NOTE`, … Corresponds to `p_type`.
    public let type: UInt32
    /// Corresponds to `p_flags` (PF_R = 4, PF_W = 2, PF_X = 1).
    public let flags: UInt32
    /// Corresponds to `p_offset`.
    public let fileOffset: UInt64
    /// Corresponds to `p_vaddr`.
    public let address: UInt64
    /// Corresponds to `p_filesz`.
    public let fileSize: UInt64
    /// Corresponds to `p_memsz`.
    public let memorySize: UInt64
    /// Corresponds to `p_align`.
    public let alignment: UInt64

    public var isLoad: Bool { type == UInt32(PT_LOAD) }
    /// "rwx" form of the flags.
    public var permissions: String {
        (flags & 4 != 0 ? "r" : "-") + (flags & 2 != 0 ? "w" : "-") + (flags & 1 != 0 ? "x" : "-")
    }
}

/// A section header of an ELF file.
public struct Section: Sendable, Equatable {
    public let name: String
    /// Corresponds to `sh_type`.
    public let type: UInt32
    /// Corresponds to `sh_flags`.
    public let flags: UInt64
    /// Corresponds to `sh_addr`.
    public let address: UInt64
    /// Corresponds to `sh_offset`.
    public let fileOffset: UInt64
    /// Corresponds to `sh_size`.
    public let size: UInt64
    /// Corresponds to `sh_link`.
    public let link: UInt32
}

/// A symbol of the executable's symbol table.
public struct Symbol: Sendable, Equatable {
    public let name: String
    /// Link-time address (add the load bias for a PIE).
    public let address: UInt64
    public let size: UInt64
    /// `STT_FUNC`, `STT_OBJECT`, …
    public let type: UInt8
}

/// One ELF note.
struct RawNote {
    let name: String
    let type: UInt32
    let desc: Bytes
}

/// The ELF structure of a mapped file: header, segments, sections, notes, symbols.
///
/// Parsing uses libelf for the header tables and bounds-checked reads of the mapping for
/// everything else. Corresponds to `elf64_getehdr`, `gelf_getphdr`, `gelf_getshdr`.
final class ELFFile: @unchecked Sendable {
    let file: MappedFile
    var path: String { file.path }
    let elfType: UInt16
    let machine: UInt16
    let entry: UInt64
    let segments: [Segment]
    let sections: [Section]

    init(path: String) throws(CoreError) {
        let file = try MappedFile(path: path)
        self.file = file
        let bytes = file.bytes
        // Check the identification by hand first: libelf accepts anything as ELF_K_NONE.
        guard bytes.count >= 4, bytes.u32(0) == 0x464c_457f else { throw .notELF(path: path) }
        guard bytes.count >= 64 else {
            throw .truncated(path: path, what: "the ELF header", needed: 64, fileSize: UInt64(bytes.count))
        }
        guard bytes.u8(4) == UInt8(ELFCLASS64) else { throw .unsupported(path: path, reason: "not a 64-bit ELF file") }
        guard bytes.u8(5) == UInt8(ELFDATA2LSB) else { throw .unsupported(path: path, reason: "not little-endian") }
        guard let elf = file.elf, elf_kind(elf) == ELF_K_ELF else { throw .notELF(path: path) }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw .elf(function: "gelf_getehdr", message: MappedFile.elfMessage()) }
        elfType = ehdr.e_type
        machine = ehdr.e_machine
        entry = ehdr.e_entry
        guard machine == UInt16(EM_X86_64) else {
            throw .unsupported(path: path, reason: "machine \(machine) (only x86-64 is supported)")
        }

        // Program headers. libelf clamps the count to what fits in the file, so check the declared size first.
        let declaredEnd = ehdr.e_phoff &+ UInt64(ehdr.e_phnum) &* UInt64(ehdr.e_phentsize)
        if ehdr.e_phnum != 0xffff, declaredEnd > UInt64(bytes.count) {
            throw .truncated(path: path, what: "the program header table", needed: declaredEnd, fileSize: UInt64(bytes.count))
        }
        var phnum = 0
        if elf_getphdrnum(elf, &phnum) != 0 {
            let phEnd = ehdr.e_phoff &+ UInt64(ehdr.e_phnum) &* UInt64(ehdr.e_phentsize)
            if phEnd > UInt64(bytes.count) {
                throw .truncated(path: path, what: "the program header table", needed: phEnd, fileSize: UInt64(bytes.count))
            }
            throw .elf(function: "elf_getphdrnum", message: MappedFile.elfMessage())
        }
        var segs: [Segment] = []
        segs.reserveCapacity(phnum)
        for i in 0..<phnum {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil else {
                let phEnd = ehdr.e_phoff &+ UInt64(phnum) &* UInt64(ehdr.e_phentsize)
                if phEnd > UInt64(bytes.count) {
                    throw .truncated(path: path, what: "the program header table", needed: phEnd, fileSize: UInt64(bytes.count))
                }
                throw .elf(function: "gelf_getphdr", message: MappedFile.elfMessage())
            }
            segs.append(Segment(type: ph.p_type, flags: ph.p_flags, fileOffset: ph.p_offset, address: ph.p_vaddr,
                                fileSize: ph.p_filesz, memorySize: ph.p_memsz, alignment: ph.p_align))
        }
        segments = segs

        // Section headers (cores have none; a damaged table just leaves the list empty).
        // Index 0 is the null section, which elf_nextscn skips: keep indexes equal to ELF's.
        var secs: [Section] = [Section(name: "", type: 0, flags: 0, address: 0, fileOffset: 0, size: 0, link: 0)]
        var shstrndx = 0
        if elf_getshdrstrndx(elf, &shstrndx) == 0 {
            var scn = elf_nextscn(elf, nil)
            var guardCount = 0
            while let s = scn, guardCount < 1 << 16 {
                guardCount += 1
                var sh = GElf_Shdr()
                if gelf_getshdr(s, &sh) != nil {
                    let name = elf_strptr(elf, shstrndx, Int(sh.sh_name)).map { String(cString: $0) } ?? ""
                    secs.append(Section(name: name, type: sh.sh_type, flags: sh.sh_flags, address: sh.sh_addr,
                                        fileOffset: sh.sh_offset, size: sh.sh_size, link: sh.sh_link))
                }
                scn = elf_nextscn(elf, s)
            }
        }
        sections = secs.count > 1 ? secs : []
    }

    var elfTypeName: String {
        switch Int32(elfType) {
        case ET_EXEC: return "EXEC"
        case ET_DYN: return "DYN"
        case ET_CORE: return "CORE"
        case ET_REL: return "REL"
        default: return "\(elfType)"
        }
    }

    func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// The file bytes of a section, or nil when the section is absent, has no file bytes, or runs past the end.
    func contents(of section: Section) -> Bytes? {
        guard section.type != UInt32(SHT_NOBITS) else { return nil }
        return file.bytes.slice(section.fileOffset, section.size)
    }

    /// The notes of every PT_NOTE segment. Stops at the first malformed note of a segment and
    /// reports it through `problem`.
    func notes(problem: (String) -> Void) -> [RawNote] {
        var out: [RawNote] = []
        for seg in segments where seg.type == UInt32(PT_NOTE) {
            guard let data = file.bytes.slice(seg.fileOffset, seg.fileSize) else {
                problem("note segment at file offset \(seg.fileOffset.hex) (\(seg.fileSize) bytes) runs past the end of the file")
                // Parse what is there.
                if let partial = file.bytes.slice(seg.fileOffset, UInt64(file.size) &- min(seg.fileOffset, UInt64(file.size))) {
                    out += ELFFile.parseNotes(partial, problem: problem)
                }
                continue
            }
            out += ELFFile.parseNotes(data, problem: problem)
        }
        return out
    }

    /// Parses a run of ELF notes (4-byte aligned name and descriptor).
    static func parseNotes(_ data: Bytes, problem: (String) -> Void) -> [RawNote] {
        var out: [RawNote] = []
        var off = 0
        while off + 12 <= data.count {
            guard let namesz = data.u32(off), let descsz = data.u32(off + 4), let type = data.u32(off + 8) else { break }
            let nameStart = off + 12
            let descStart = nameStart + Int((UInt64(namesz) + 3) & ~3)
            let next = descStart + Int((UInt64(descsz) + 3) & ~3)
            guard let nameBytes = data.slice(UInt64(nameStart), UInt64(namesz)),
                  let desc = data.slice(UInt64(descStart), UInt64(descsz)) else {
                problem("note at offset \(off) (type \(type)) runs past the end of its segment")
                break
            }
            let name = nameBytes.cString(0, limit: Int(namesz)) ?? (nameBytes.string(0, Int(namesz)) ?? "")
            out.append(RawNote(name: name, type: type, desc: desc))
            off = next
        }
        return out
    }

    /// The symbols of `.symtab` (empty when stripped).
    func symbols() -> [Symbol] {
        guard let symtab = sections.first(where: { $0.type == UInt32(SHT_SYMTAB) }),
              let data = contents(of: symtab),
              Int(symtab.link) < sections.count,
              let strtab = contents(of: sections[Int(symtab.link)]) else { return [] }
        let n = data.count / 24
        var out: [Symbol] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let o = i * 24
            guard let nameOff = data.u32(o), let info = data.u8(o + 4), let value = data.u64(o + 8),
                  let size = data.u64(o + 16) else { break }
            guard nameOff != 0, let name = strtab.cString(Int(nameOff), limit: 1 << 16) else { continue }
            out.append(Symbol(name: name, address: value, size: size, type: info & 0xf))
        }
        return out
    }
}
