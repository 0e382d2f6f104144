import CDwarf
import Synchronization

/// The DWARF of one Go executable, read through libdw and indexed for Go.
///
/// Opening walks every unit once and keeps flat arrays: ``units``, ``types`` (indexed by
/// ``TypeID``), ``globals``, ``functions`` (sorted by entry PC) and ``constants``, plus
/// dictionaries by name and a PC→unit map. Function bodies (``variables(of:)``,
/// ``inlinedCalls(of:)``) and line tables (``lineInfo(pc:)``) are read on first use and
/// cached; those reads are serialized by a lock, so a `DWARFFile` can be shared freely.
///
/// All addresses are link-time (unrelocated) addresses: for a PIE, add the load bias.
///
/// ```swift
/// let dwarf = try DWARFFile(path: "exe")
/// let point = dwarf.type(named: "main.Point").map(dwarf.type)
/// let next = point?.field(named: "Next")       // offset 32, type *main.Point
/// let fn = dwarf.function(containing: pc)      // O(log n)
/// let (file, line) = dwarf.lineInfo(pc: pc) ?? ("?", 0)
/// ```
///
/// Implementation notes: references between DIEs are resolved after the walk through a
/// DIE offset → ``TypeID`` map, so recursive types need no special case. The libdw handles
/// live in a ``LibdwHandle`` owned by this object; no C type appears in the public API.
public final class DWARFFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The compilation units (one per Go package), in `.debug_info` order.
    public let units: [CompileUnit]
    /// All types, indexed by ``TypeID/rawValue``.
    public let types: [GoType]
    /// Package-level variables, in `.debug_info` order.
    public let globals: [GlobalVariable]
    /// Functions with code, sorted by ``Function/lowPC``.
    public let functions: [Function]
    /// Named integer constants, in `.debug_info` order.
    public let constants: [Constant]
    /// The link-time address of the `runtime.types` symbol (the base of
    /// ``GoType/runtimeTypeOffset``), if the symbol table has it.
    public let runtimeTypesAddress: UInt64?

    let handle: LibdwHandle
    /// Every type DIE offset (aliases included) to its ID, for on-demand reads.
    let typesByOffset: [UInt64: TypeID]
    private let typesByName: [String: TypeID]
    private let typesByRuntimeOffset: [UInt64: TypeID]
    private let globalsByName: [String: Int]
    private let functionsByName: [String: Int]
    private let constantsByName: [String: Int]
    /// Unit PC ranges sorted by low PC, for ``unit(containing:)``.
    private let unitRanges: [(range: PCRange, unit: Int)]
    /// Caches of on-demand reads; the lock also serializes every libdw call after `init`.
    let lazyState = Mutex(LazyState())

    /// Opens an executable and reads its DWARF.
    ///
    /// - Parameter path: an ELF file with DWARF (a Go executable built without `-w`).
    /// - Throws: ``DWARFError/noDWARF(path:)`` for a stripped file,
    ///   ``DWARFError/notELF(path:)`` for anything that is not ELF, and libelf/libdw
    ///   failures with the function that failed.
    public init(path: String) throws(DWARFError) {
        let handle = try LibdwHandle(path: path)
        var loader = DWARFLoader(handle: handle)
        try loader.run()

        var runtimeTypes: PCRange? = nil
        let typesStart = handle.symbolValue(named: "runtime.types")
        if let start = typesStart, let end = handle.symbolValue(named: "runtime.etypes"), end > start {
            runtimeTypes = PCRange(low: start, high: end)
        }
        let table = TypeTable(raw: loader.types, runtimeTypes: runtimeTypes, pointerSize: handle.addressSize)
        func id(_ offset: UInt64?) -> TypeID? { offset.flatMap { table.byOffset[$0] } }

        self.path = path
        self.handle = handle
        self.runtimeTypesAddress = typesStart
        self.units = loader.units
        self.types = table.types
        self.typesByOffset = table.byOffset
        self.typesByName = table.byName
        self.typesByRuntimeOffset = table.byRuntimeOffset
        self.globals = loader.globals.map {
            GlobalVariable(name: $0.name, address: $0.value, type: id($0.typeRef), unit: $0.unit)
        }
        self.constants = loader.constants.map { Constant(name: $0.name, value: $0.value, type: id($0.typeRef)) }
        let functions = loader.functions.sorted { ($0.lowPC, $0.highPC) < ($1.lowPC, $1.highPC) }
        self.functions = functions
        self.globalsByName = Self.firstIndexByName(globals.map(\.name))
        self.functionsByName = Self.firstIndexByName(functions.map(\.name))
        self.constantsByName = Self.firstIndexByName(constants.map(\.name))
        var unitRanges: [(range: PCRange, unit: Int)] = []
        for (index, unit) in units.enumerated() {
            for range in unit.ranges { unitRanges.append((range, index)) }
        }
        unitRanges.sort { $0.range.low < $1.range.low }
        self.unitRanges = unitRanges
    }

    private static func firstIndexByName(_ names: [String]) -> [String: Int] {
        var index: [String: Int] = [:]
        index.reserveCapacity(names.count)
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        return index
    }

    // MARK: Types

    /// The type with that ID: one of ``types``, or one made later by
    /// ``synthesizeStruct(name:size:fields:)``.
    ///
    /// - Precondition: `id` came from this file.
    @inlinable
    public func type(_ id: TypeID) -> GoType {
        if _fastPath(id.index < types.count) { return types[id.index] }
        return synthesized(id)
    }

    @usableFromInline @inline(never)
    func synthesized(_ id: TypeID) -> GoType {
        lazyState.withLock { $0.synthesized[id.index - types.count] }
    }

    /// The type with that exact Go name as DWARF spells it: `main.Point`, `*main.Point`,
    /// `[]int`, `map[string]int`, `runtime.mspan`, `internal/abi.Type`.
    public func type(named name: String) -> TypeID? { typesByName[name] }

    /// The type whose `DW_AT_go_runtime_type` is that offset from `runtime.types`.
    public func type(runtimeTypeOffset offset: UInt64) -> TypeID? { typesByRuntimeOffset[offset] }

    /// Follows typedefs (``GoType/underlying``) to the first non-typedef type.
    public func resolvingTypedefs(_ id: TypeID) -> TypeID {
        var current = id
        for _ in 0..<32 {
            let type = type(current)
            guard type.tag == .typedef, let underlying = type.underlying else { return current }
            current = underlying
        }
        return current
    }

    // MARK: Globals, constants, functions

    /// The package-level variable with that qualified name (`main.gInt`).
    public func global(named name: String) -> GlobalVariable? {
        globalsByName[name].map { globals[$0] }
    }

    /// The value of the integer constant with that qualified name (`runtime._PageShift`).
    public func constant(named name: String) -> Int64? {
        constantsByName[name].map { constants[$0].value }
    }

    /// The function with that qualified name (`main.main`, `runtime.gopark`).
    public func function(named name: String) -> Function? {
        functionsByName[name].map { functions[$0] }
    }

    /// The function whose code contains `pc` (link-time address). O(log n).
    public func function(containing pc: UInt64) -> Function? {
        guard let index = Self.lastIndex(in: functions, notAbove: pc, key: \.lowPC) else { return nil }
        let function = functions[index]
        return function.range.contains(pc) ? function : nil
    }

    /// The index into ``units`` of the unit whose ranges contain `pc`. O(log n).
    public func unit(containing pc: UInt64) -> Int? {
        // Unit ranges do not overlap in Go binaries; check a few neighbours in case they do.
        guard let last = Self.lastIndex(in: unitRanges, notAbove: pc, key: \.range.low) else { return nil }
        for index in stride(from: last, through: max(0, last - 3), by: -1) where unitRanges[index].range.contains(pc) {
            return unitRanges[index].unit
        }
        return nil
    }

    /// Binary search: the last index whose key is ≤ `value`.
    static func lastIndex<Element>(in array: [Element], notAbove value: UInt64, key: (Element) -> UInt64) -> Int? {
        var low = 0, high = array.count
        while low < high {
            let mid = (low + high) / 2
            if key(array[mid]) <= value { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }
}
