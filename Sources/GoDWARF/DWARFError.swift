/// An error reading the DWARF of a Go executable.
///
/// Each case names what failed: the path, the libelf/libdw function and its message
/// (`elf_errmsg`/`dwarf_errmsg` captured right after the failing call), and, where it
/// applies, the DIE offset.
///
/// ```swift
/// do {
///     let dwarf = try DWARFFile(path: "/usr/bin/ls")
/// } catch .noDWARF(let path) {
///     print("\(path) is stripped")
/// } catch {
///     print(error)
/// }
/// ```
public enum DWARFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `open(2)` failed; `message` is `strerror(errno)`.
    case cannotOpen(path: String, message: String)
    /// The file is not an ELF file (empty, random bytes, a script, an archive, …).
    case notELF(path: String)
    /// A libelf call failed.
    case elf(function: String, message: String, path: String)
    /// The ELF file has no `.debug_info` section.
    case noDWARF(path: String)
    /// A libdw call failed; `offset` is the DIE or unit offset it was working on, if any.
    case libdw(function: String, message: String, path: String, offset: UInt64?)
    /// The DWARF is readable but does not have the shape a Go executable's DWARF has.
    case malformed(reason: String, path: String, offset: UInt64?)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let message):
            return "\(path): cannot open: \(message)"
        case .notELF(let path):
            return "\(path): not an ELF file"
        case .elf(let function, let message, let path):
            return "\(path): \(function): \(message)"
        case .noDWARF(let path):
            return "\(path): no DWARF (stripped binary? built with -ldflags=-w)"
        case .libdw(let function, let message, let path, let offset):
            return "\(path): \(function)\(Self.at(offset)): \(message)"
        case .malformed(let reason, let path, let offset):
            return "\(path): malformed DWARF\(Self.at(offset)): \(reason)"
        }
    }

    private static func at(_ offset: UInt64?) -> String {
        guard let offset else { return "" }
        return " at DIE 0x" + String(offset, radix: 16)
    }
}
