/// A Go type's kind, numbered as `reflect.Kind` (and `internal/abi.Kind`).
///
/// Read from `DW_AT_go_kind` (0x2900), which the Go linker sets on every type it describes
/// from a runtime type. Types the compiler made up for the debugger (for example
/// `hash<string,int>` or `runtime.iface` variants) may have no kind.
public enum GoKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case invalid = 0
    case bool, int, int8, int16, int32, int64
    case uint, uint8, uint16, uint32, uint64, uintptr
    case float32, float64, complex64, complex128
    case array, chan, `func`, interface, map, pointer, slice, string, `struct`
    case unsafePointer = 26

    /// Decodes a `DW_AT_go_kind` value. Only the low five bits carry the kind (the runtime's
    /// `KindMask`); the rest are flags older linkers sometimes left in.
    init?(dwarfValue: UInt64) {
        self.init(rawValue: UInt8(truncatingIfNeeded: dwarfValue & 0x1f))
    }

    /// The name `reflect.Kind.String()` returns: `ptr` for pointers, `unsafe.Pointer`, `struct`….
    public var description: String {
        switch self {
        case .invalid: "invalid"
        case .bool: "bool"
        case .int: "int"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint: "uint"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .uintptr: "uintptr"
        case .float32: "float32"
        case .float64: "float64"
        case .complex64: "complex64"
        case .complex128: "complex128"
        case .array: "array"
        case .chan: "chan"
        case .func: "func"
        case .interface: "interface"
        case .map: "map"
        case .pointer: "ptr"
        case .slice: "slice"
        case .string: "string"
        case .struct: "struct"
        case .unsafePointer: "unsafe.Pointer"
        }
    }
}
