#if canImport(Glibc)
import Glibc
#endif

/// The wall time of one phase of building a heap, and the process's peak resident set size
/// (VmHWM) when it ended.
public struct PhaseTime: Sendable {
    public let phase: String
    public let seconds: Double
    /// Bytes; 0 where the system does not say.
    public let peakRSS: UInt64
}

/// The process's peak resident set size so far (VmHWM), in bytes; 0 when unknown. Cheap
/// enough to call once per phase.
public func peakResidentBytes() -> UInt64 { processStatusBytes("VmHWM") }

/// A size field of /proc/self/status ("VmHWM", "RssFile", …) in bytes; 0 when unknown.
public func processStatusBytes(_ field: String) -> UInt64 {
    #if canImport(Glibc)
    guard let f = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(f) }
    let prefix = Array((field + ":").utf8)
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        guard bytes.starts(with: prefix) else { continue }
        var kib: UInt64 = 0
        for b in bytes.dropFirst(prefix.count) where b >= 48 && b <= 57 { kib = kib &* 10 &+ UInt64(b &- 48) }
        return kib &* 1024
    }
    #endif
    return 0
}
