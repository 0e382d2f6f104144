/// What can go wrong while reconstructing the Go runtime's structures.
public enum HeapError: Error, Sendable, CustomStringConvertible {
    /// The executable has no DWARF: runtime layouts cannot be known.
    case noDWARF(path: String)
    /// A runtime type the SDK needs is absent from DWARF.
    case missingType(String)
    /// A field of a runtime type is absent.
    case missingField(type: String, field: String)
    /// A runtime global is absent.
    case missingGlobal(String)
    /// Target memory could not be read while reading `context`.
    case memory(CoreError, context: String)
    /// A runtime structure holds impossible values.
    case damaged(String)
    /// The Go version is not one this SDK knows.
    case unsupportedVersion(String)

    public var description: String {
        switch self {
        case .noDWARF(let path): return "\(path) has no DWARF: the heap cannot be reconstructed without the runtime's type layouts (rebuild without -ldflags=-w)"
        case .missingType(let t): return "DWARF has no type \(t)"
        case .missingField(let t, let f): return "DWARF type \(t) has no field \(f)"
        case .missingGlobal(let g): return "DWARF has no global \(g)"
        case .memory(let e, let context): return "\(context): \(e)"
        case .damaged(let what): return "damaged runtime structure: \(what)"
        case .unsupportedVersion(let v): return "unsupported Go version \(v)"
        }
    }
}

extension CoreError {
    /// Wraps a memory error with what was being read.
    func reading(_ context: @autoclosure () -> String) -> HeapError { .memory(self, context: context()) }
}
