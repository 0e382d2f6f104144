/// A dense index into ``DWARFFile/types``.
public struct TypeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The index into ``DWARFFile/types``.
    public var index: Int { Int(rawValue) }

    public static func < (lhs: TypeID, rhs: TypeID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "#\(rawValue)" }
}

/// The DWARF tag of a type DIE, in Swift words.
public enum TypeTag: Sendable, Hashable {
    /// `DW_TAG_base_type`: bool, integers, floats, complex numbers; also named types over
    /// them (`main.Celsius`), which Go emits as base types with the Go name.
    case base
    /// `DW_TAG_pointer_type`, including `unsafe.Pointer` (which has no pointee).
    case pointer
    /// `DW_TAG_structure_type`: structs, and the Go-made structs of strings, slices,
    /// interfaces (`runtime.iface`, `runtime.eface`) and runtime map/chan internals.
    case structure
    /// `DW_TAG_array_type`.
    case array
    /// `DW_TAG_typedef`: Go emits maps, channels, interfaces and some named types this way.
    case typedef
    /// `DW_TAG_subroutine_type`: func types.
    case subroutine
    /// `DW_TAG_unspecified_type`.
    case unspecified
    /// Any other type tag; the payload is the `DW_TAG_*` value.
    case other(Int)
}

/// A field (`DW_TAG_member`) of a struct type.
public struct Field: Sendable, Hashable {
    /// The Go field name.
    public let name: String
    public let type: TypeID?
    /// The byte offset in the struct (`DW_AT_data_member_location`).
    public let offset: UInt64
    /// Whether the field is embedded (`DW_AT_go_embedded_field`).
    public let isEmbedded: Bool
}

/// One Go type as the Go linker described it in DWARF.
///
/// References to other types are ``TypeID``s into the same ``DWARFFile/types`` array, so
/// recursive types (a struct with a pointer to itself) are plain values.
///
/// Go emits some types twice: a DIE carrying the Go attributes and a bare
/// `DW_TAG_typedef` of the same name pointing at it. ``DWARFFile`` folds the bare alias into
/// its target, so every reference to either DIE yields the same ``TypeID``.
public struct GoType: Sendable, Hashable {
    /// The Go name as DWARF spells it: `main.Point`, `*main.Point`, `[]int`, `map[string]int`.
    public let name: String
    /// The byte size: `DW_AT_byte_size`; for a pointer without one, the pointer size; for a
    /// typedef without one, the size of the type it names (so `map[K]V` is 8 and an
    /// interface 16). 0 if none of these applies.
    public let size: UInt64
    public let tag: TypeTag
    /// `DW_AT_go_kind`, the `reflect.Kind`.
    public let kind: GoKind?
    /// Struct members in declaration order; empty for other types.
    public let fields: [Field]
    /// Pointee (pointer), element (array, via `DW_AT_type`), or element of a slice, map or
    /// channel (`DW_AT_go_elem`).
    public let elem: TypeID?
    /// The map key type (`DW_AT_go_key`).
    public let key: TypeID?
    /// The type a typedef stands for (`DW_AT_type` of a `DW_TAG_typedef`): for a map, the
    /// pointer to the runtime's map header; for an interface, `runtime.iface`/`eface`.
    public let underlying: TypeID?
    /// The element count of an array (`DW_AT_count`, or `DW_AT_upper_bound` + 1).
    public let count: Int64?
    /// `DW_AT_go_runtime_type`: the offset of this type's `abi.Type` from `runtime.types`
    /// (moduledata.types). Nil when absent or 0.
    public let runtimeTypeOffset: UInt64?
    /// `DW_AT_go_package_name`.
    public let packageName: String?
    /// `DW_AT_go_dict_index` (generic shape parameters).
    public let dictIndex: Int64?
    /// `DW_AT_go_closure_offset` (Go 1.23+).
    public let closureOffset: Int64?
    /// `DW_AT_encoding` of a base type (`DW_ATE_*`).
    public let encoding: UInt8?
    /// For func types: the parameter types, then ``results`` are the results.
    public let parameters: [TypeID]
    /// For func types: the result types (`DW_AT_variable_parameter` set).
    public let results: [TypeID]
    /// The DIE offset in `.debug_info` (for diagnostics).
    public let dieOffset: UInt64

    /// The field with that name, or nil.
    public func field(named name: String) -> Field? {
        fields.first { $0.name == name }
    }
}

extension GoType: CustomStringConvertible {
    public var description: String { name }
}
