/// Everything that can go wrong while opening or reading a core and its executable.
///
/// Each case names what failed (a path, an address, a structure) so the message a tool prints
/// tells the user what is wrong and, where there is one, what to do about it.
public enum CoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file is empty.
    case emptyFile(path: String)
    /// The file is not an ELF file at all.
    case notELF(path: String)
    /// ELF, but not something this SDK reads (32-bit, big-endian, another machine).
    case unsupported(path: String, reason: String)
    /// An ELF file that is not a core dump (for example an executable given as the core).
    case notACore(path: String, elfType: String)
    /// An ELF file that is not an executable (for example a core given as the executable).
    case notAnExecutable(path: String, elfType: String)
    /// A structure of the file extends past its end: the file was cut short.
    case truncated(path: String, what: String, needed: UInt64, fileSize: UInt64)
    /// A structure of the file has impossible values.
    case malformed(path: String, what: String)
    /// libelf reported an error.
    case elf(function: String, message: String)
    /// No mapping of the process covers the address.
    case unmapped(Address)
    /// The address was mapped in the process but its contents are neither in the core nor in the executable.
    case notDumped(Address)
    /// The address lies in a core segment whose bytes are past the end of a truncated core file.
    case truncatedRead(Address)
    /// An address computation overflowed, or a length read from the target is absurd.
    case badRange(Address, count: UInt64)
    /// The core and the executable do not belong together.
    case buildIDMismatch(core: String, executable: String, executablePath: String)
    /// The executable could not be found from the core's file notes.
    case executableNotFound(tried: [String])
    /// The executable has no Go pclntab.
    case noPclntab(path: String)
    /// A Go runtime table is damaged.
    case badPclntab(String)
    /// A required symbol is absent.
    case missingSymbol(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open \(path): \(reason)"
        case let .emptyFile(path): return "\(path) is empty"
        case let .notELF(path): return "\(path) is not an ELF file"
        case let .unsupported(path, reason): return "\(path): unsupported ELF file: \(reason)"
        case let .notACore(path, type): return "\(path) is not a core file (ELF type \(type)); pass the core first and the executable with --exe"
        case let .notAnExecutable(path, type): return "\(path) is not an executable (ELF type \(type))"
        case let .truncated(path, what, needed, size):
            return "\(path) is truncated: \(what) needs \(needed) bytes but the file has \(size)"
        case let .malformed(path, what): return "\(path) is malformed: \(what)"
        case let .elf(function, message): return "libelf: \(function) failed: \(message)"
        case let .unmapped(a): return "address \(a) is not mapped in the core"
        case let .notDumped(a): return "address \(a) was mapped but its contents are not in the core or the executable"
        case let .truncatedRead(a): return "address \(a) lies in the part of the core that was cut off (truncated core)"
        case let .badRange(a, count): return "bad memory range: \(count) bytes at \(a)"
        case let .buildIDMismatch(core, exe, path):
            return "the core's build id \(core) does not match the executable \(path) (build id \(exe)); pass the right executable with --exe"
        case let .executableNotFound(tried):
            return "cannot find the executable for this core (tried: \(tried.isEmpty ? "nothing; the core has no file notes" : tried.joined(separator: ", "))); pass it with --exe"
        case let .noPclntab(path): return "\(path) has no Go pclntab: is it a Go program?"
        case let .badPclntab(what): return "damaged pclntab: \(what)"
        case let .missingSymbol(name): return "symbol \(name) not found"
        }
    }
}

/// A non-fatal problem found while opening: the result is usable but partial.
public struct Warning: Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
