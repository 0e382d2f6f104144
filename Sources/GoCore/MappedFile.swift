#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CElf

/// A file mapped read-only into memory and opened with libelf.
///
/// Owns the file descriptor, the mapping and the `Elf` handle; all three are released in
/// `deinit`. Everything the SDK reads from the file goes through `bytes`, a bounds-checked view
/// over the mapping, so a truncated or damaged file yields errors, never out-of-range loads.
final class MappedFile: @unchecked Sendable {
    let path: String
    let size: Int
    private let fd: Int32
    private let mapping: UnsafeMutableRawPointer?
    /// The libelf handle. Corresponds to `elf_begin(fd, ELF_C_READ_MMAP, NULL)`.
    let elf: OpaquePointer?
    var bytes: Bytes { Bytes(base: mapping.map { UnsafeRawPointer($0) }, count: size) }

    init(path: String) throws(CoreError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotOpen(path: path, reason: reason)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: path, reason: "is a directory")
        }
        guard st.st_size > 0 else {
            close(fd)
            throw .emptyFile(path: path)
        }
        let size = Int(st.st_size)
        // MAP_NORESERVE: a core can be larger than memory and swap together; the pages are the
        // file's and are only read, so no room needs to be reserved for copies of them.
        guard let m = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0), m != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotOpen(path: path, reason: "mmap: \(reason)")
        }
        self.fd = fd
        self.size = size
        self.mapping = m
        elf_version(UInt32(EV_CURRENT))
        // A private writable mapping: libelf may convert in place, and nothing reaches the file.
        self.elf = elf_memory(m.assumingMemoryBound(to: CChar.self), size)
    }

    deinit {
        if let elf { elf_end(elf) }
        if let mapping { munmap(mapping, size) }
        close(fd)
    }

    /// The last libelf error message.
    static func elfMessage() -> String {
        guard let m = elf_errmsg(-1) else { return "unknown error" }
        return String(cString: m)
    }
}
