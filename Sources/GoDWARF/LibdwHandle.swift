import CDwarf
import Glibc

/// Owns the file descriptor, the libelf `Elf *` and the libdw `Dwarf *` of one executable.
///
/// The handles are created together in `init` and released together in `deinit`
/// (`dwarf_end`, then `elf_end`, then `close`), so a handle can never be ended twice.
/// `Dwarf_Die` values obtained through ``dwarf`` are valid only while this object lives;
/// they never leave the module.
///
/// Corresponds to `elf_begin(fd, ELF_C_READ_MMAP)` + `dwarf_begin_elf(elf, DWARF_C_READ)`.
final class LibdwHandle {
    let path: String
    let fd: Int32
    /// The `Elf *`.
    let elf: OpaquePointer
    /// The `Dwarf *`.
    let dwarf: OpaquePointer

    init(path: String) throws(DWARFError) {
        self.path = path
        _ = elf_version(UInt32(EV_CURRENT))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .cannotOpen(path: path, message: String(cString: strerror(errno)))
        }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            let message = Self.elfMessage()
            // An empty or truncated file can make elf_begin fail outright: that is "not ELF" too.
            let size = lseek(fd, 0, SEEK_END)
            close(fd)
            if size < 64 { throw .notELF(path: path) }
            throw .elf(function: "elf_begin", message: message, path: path)
        }
        /// Releases what was opened so far before throwing.
        func fail(_ error: DWARFError) -> DWARFError {
            elf_end(elf)
            close(fd)
            return error
        }
        guard elf_kind(elf) == ELF_K_ELF else { throw fail(.notELF(path: path)) }
        let hasDebugInfo: Bool
        do {
            hasDebugInfo = try Self.hasSection(named: ".debug_info", in: elf, path: path)
        } catch {
            throw fail(error)
        }
        guard hasDebugInfo else { throw fail(.noDWARF(path: path)) }
        guard let dwarf = dwarf_begin_elf(elf, DWARF_C_READ, nil) else {
            throw fail(.libdw(function: "dwarf_begin_elf", message: Self.dwarfMessage(), path: path, offset: nil))
        }
        self.fd = fd
        self.elf = elf
        self.dwarf = dwarf
    }

    deinit {
        dwarf_end(dwarf)
        elf_end(elf)
        close(fd)
    }

    /// The size of an address: 8 for ELFCLASS64, 4 for ELFCLASS32. Corresponds to `gelf_getclass`.
    var addressSize: UInt64 {
        gelf_getclass(elf) == ELFCLASS32 ? 4 : 8
    }

    /// The message of the last libdw error (`dwarf_errmsg(-1)`), read right after the failing call.
    static func dwarfMessage() -> String {
        guard let message = dwarf_errmsg(-1) else { return "unknown libdw error" }
        return String(cString: message)
    }

    /// The message of the last libelf error (`elf_errmsg(-1)`).
    static func elfMessage() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }

    /// A ``DWARFError/libdw(function:message:path:offset:)`` for the last libdw error.
    func libdwError(_ function: String, offset: UInt64? = nil) -> DWARFError {
        .libdw(function: function, message: Self.dwarfMessage(), path: path, offset: offset)
    }

    /// Whether the ELF file has a section of that name (`.zdebug_` spellings count too).
    private static func hasSection(named name: String, in elf: OpaquePointer, path: String) throws(DWARFError) -> Bool {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else {
            throw .elf(function: "elf_getshdrstrndx", message: elfMessage(), path: path)
        }
        let zname = ".z" + name.dropFirst()
        var scn = elf_nextscn(elf, nil)
        while let section = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(section, &shdr) != nil,
               let cName = elf_strptr(elf, shstrndx, Int(shdr.sh_name)) {
                let sectionName = String(cString: cName)
                if sectionName == name || sectionName == zname { return true }
            }
            scn = elf_nextscn(elf, section)
        }
        return false
    }

    /// The value of a symbol in `.symtab`, or nil if there is no symbol table or no such symbol.
    ///
    /// Used once at open, to find `runtime.types` (the base of `DW_AT_go_runtime_type` offsets).
    func symbolValue(named name: String) -> UInt64? {
        var scn = elf_nextscn(elf, nil)
        while let section = scn {
            defer { scn = elf_nextscn(elf, section) }
            var shdr = GElf_Shdr()
            guard gelf_getshdr(section, &shdr) != nil, shdr.sh_type == SHT_SYMTAB, shdr.sh_entsize > 0,
                  let data = elf_getdata(section, nil) else { continue }
            let count = Int(shdr.sh_size / shdr.sh_entsize)
            let found: UInt64? = name.withCString { wanted in
                var sym = GElf_Sym()
                for index in 0..<count {
                    guard gelf_getsym(data, Int32(index), &sym) != nil,
                          let symName = elf_strptr(elf, Int(shdr.sh_link), Int(sym.st_name)) else { continue }
                    if strcmp(symName, wanted) == 0 { return sym.st_value }
                }
                return nil
            }
            if let found { return found }
        }
        return nil
    }
}
