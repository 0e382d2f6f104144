/// A compilation unit (`DW_TAG_compile_unit`): in Go, one package.
public struct CompileUnit: Sendable, Hashable {
    /// The package path (`DW_AT_name`), e.g. `runtime`, `main`, `internal/abi`.
    public let name: String
    /// `DW_AT_producer`, e.g. `Go cmd/compile go1.26.6; regabi`.
    public let producer: String?
    /// `DW_AT_language` (`DW_LANG_Go` = 0x16 for Go units).
    public let language: Int
    /// `DW_AT_go_package_name`: the package's own name (`fmtsort` for `internal/fmtsort`).
    public let packageName: String?
    /// The PC ranges of the unit's code, sorted; empty for units without code.
    public let ranges: [PCRange]
    /// The DWARF version of the unit header (4 for Go ≤ 1.24, 5 for Go ≥ 1.25).
    public let version: Int
    /// The offset of the unit's DIE in `.debug_info`.
    public let dieOffset: UInt64
}

/// A package-level variable (`DW_TAG_variable` directly under a unit, with `DW_OP_addr`).
public struct GlobalVariable: Sendable, Hashable {
    /// The qualified name, e.g. `main.gInt`, `runtime.mheap_`.
    public let name: String
    /// The link-time address; add the load bias for a PIE.
    public let address: UInt64
    public let type: TypeID?
    /// The index into ``DWARFFile/units``.
    public let unit: Int
}

/// A named integer constant (`DW_TAG_constant` with `DW_AT_const_value`).
public struct Constant: Sendable, Hashable {
    /// The qualified name, e.g. `runtime._PageShift`, `internal/abi.KindMask`.
    public let name: String
    public let value: Int64
    public let type: TypeID?
}

/// A function with code (`DW_TAG_subprogram` with a low PC).
///
/// Abstract instances of inlined functions (`DW_AT_inline`) have no code and are not listed;
/// out-of-line copies that refer to them (`DW_AT_abstract_origin`) take their name.
public struct Function: Sendable, Hashable {
    /// The qualified Go name, e.g. `main.main`, `runtime.gopark`, `main.(*T).M`.
    public let name: String
    /// The entry PC (link-time).
    public let lowPC: UInt64
    /// One past the last PC.
    public let highPC: UInt64
    /// The index into ``DWARFFile/units``.
    public let unit: Int
    /// `DW_AT_decl_line`, if present.
    public let declLine: Int?
    /// The offset of the function's DIE in `.debug_info`.
    public let dieOffset: UInt64

    /// `[lowPC, highPC)`.
    public var range: PCRange { PCRange(low: lowPC, high: highPC) }
}

/// A parameter or local variable of a function.
public struct Variable: Sendable, Hashable {
    public let name: String
    public let type: TypeID?
    /// `DW_TAG_formal_parameter` (arguments and results).
    public let isParameter: Bool
    /// A result parameter (`DW_AT_variable_parameter` set), e.g. `~r0`.
    public let isResult: Bool
    public let location: Location
    /// The PC ranges of the innermost lexical block that declares the variable; empty when
    /// it is in scope in the whole function.
    public let scope: [PCRange]
    /// `DW_AT_decl_line`, if present.
    public let declLine: Int?
    /// `DW_AT_go_closure_offset`: for a variable captured by a closure, its offset in the
    /// closure context (Go 1.23+).
    public let closureOffset: Int64?

    /// Whether the variable is in scope at `pc` (assuming `pc` is inside its function).
    public func isInScope(at pc: UInt64) -> Bool {
        scope.isEmpty || scope.contains { $0.contains(pc) }
    }
}

/// A call inlined into a function (`DW_TAG_inlined_subroutine`).
public struct InlinedCall: Sendable, Hashable {
    /// The inlined function's name (from its abstract origin).
    public let name: String
    /// The PC ranges of the inlined body.
    public let ranges: [PCRange]
    /// The file of the call site (`DW_AT_call_file` resolved through the unit's file table).
    public let callFile: String?
    /// The line of the call site.
    public let callLine: Int?
    /// Nesting depth: 0 for calls inlined directly into the function, 1 for calls inlined
    /// into those, and so on.
    public let depth: Int

    /// The lowest PC of the body.
    public var lowPC: UInt64 { ranges.map(\.low).min() ?? 0 }
    /// One past the highest PC of the body.
    public var highPC: UInt64 { ranges.map(\.high).max() ?? 0 }
}
