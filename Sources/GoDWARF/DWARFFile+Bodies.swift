import CDwarf

/// What ``DWARFFile`` reads on demand, cached by DIE or unit offset.
struct LazyState: Sendable {
    var variables: [UInt64: [Variable]] = [:]
    var inlinedCalls: [UInt64: [InlinedCall]] = [:]
    /// File tables of units, by unit index.
    var fileTables: [Int: [String]] = [:]
    /// Types made after the walk (``DWARFFile/synthesizeStruct(name:size:fields:)``), numbered
    /// after the file's own.
    var synthesized: [GoType] = []
    var synthesizedByName: [String: TypeID] = [:]
}

extension DWARFFile {
    /// The parameters and local variables of a function, including those declared in nested
    /// lexical blocks (with their block's PC ranges as ``Variable/scope``), in DIE order.
    ///
    /// Variables of calls inlined into the function are not included. Locations come from
    /// `DW_FORM_block1` expressions (decoded here) or from location lists (read through
    /// `dwarf_getlocations`, which handles `.debug_loc` and `.debug_loclists`). A variable
    /// whose location cannot be read gets ``Location/unavailable``.
    ///
    /// Read on first use, then cached.
    public func variables(of function: Function) -> [Variable] {
        lazyState.withLock { state in
            if let cached = state.variables[function.dieOffset] { return cached }
            var result: [Variable] = []
            var die = Dwarf_Die()
            if dwarf_offdie(handle.dwarf, function.dieOffset, &die) != nil {
                collectVariables(in: &die, scope: [], into: &result)
            }
            state.variables[function.dieOffset] = result
            return result
        }
    }

    /// The calls inlined into a function, outermost first, with their call sites.
    ///
    /// Read on first use, then cached.
    public func inlinedCalls(of function: Function) -> [InlinedCall] {
        lazyState.withLock { state in
            if let cached = state.inlinedCalls[function.dieOffset] { return cached }
            var result: [InlinedCall] = []
            var die = Dwarf_Die()
            if dwarf_offdie(handle.dwarf, function.dieOffset, &die) != nil {
                let files = fileTable(unit: function.unit, state: &state)
                collectInlinedCalls(in: &die, depth: 0, files: files, into: &result)
            }
            state.inlinedCalls[function.dieOffset] = result
            return result
        }
    }

    /// The calls inlined into `function` whose code contains `pc`, outermost first: the
    /// logical frames at `pc` besides the function itself.
    public func inlinedCalls(of function: Function, at pc: UInt64) -> [InlinedCall] {
        inlinedCalls(of: function).filter { call in call.ranges.contains { $0.contains(pc) } }
    }

    // MARK: Walks (called with the lock held)

    private func collectVariables(in parent: inout Dwarf_Die, scope: [PCRange], into result: inout [Variable]) {
        var child = parent.firstChild()
        while var die = child {
            switch die.tag() {
            case Tag.formalParameter, Tag.variable:
                if let variable = readVariable(&die, scope: scope) { result.append(variable) }
            case Tag.lexicalBlock:
                let ranges = die.ranges() ?? []
                collectVariables(in: &die, scope: ranges.isEmpty ? scope : ranges, into: &result)
            default:
                break
            }
            child = die.nextSibling()
        }
    }

    private func readVariable(_ die: inout Dwarf_Die, scope: [PCRange]) -> Variable? {
        guard let name = die.string(Attribute.name, integrate: true) else { return nil }
        let isParameter = die.tag() == Tag.formalParameter
        let typeID = die.reference(Attribute.type, integrate: true).flatMap { typesByOffset[$0] }
        let location: Location
        if var attr = die.attribute(Attribute.location) {
            location = readLocation(&attr)
        } else {
            location = .unavailable
        }
        return Variable(
            name: name,
            type: typeID,
            isParameter: isParameter,
            isResult: isParameter && die.flag(Attribute.variableParameter, integrate: true),
            location: location,
            scope: scope,
            declLine: die.unsigned(Attribute.declLine, integrate: true).map { Int(truncatingIfNeeded: $0) },
            closureOffset: die.unsigned(Attribute.goClosureOffset, integrate: true).map { Int64(bitPattern: $0) })
    }

    /// Decodes a `DW_AT_location`: a block is decoded directly (libdw's `dwarf_getlocation`
    /// rejects `DW_FORM_block1` in DWARF 5 units); anything else is a location list.
    private func readLocation(_ attr: inout Dwarf_Attribute) -> Location {
        if attr.isBlock {
            guard let bytes = attr.blockBytes() else { return .unavailable }
            return ExpressionDecoder.location(of: bytes)
        }
        var entries: [LocationListEntry] = []
        var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        var expression: UnsafeMutablePointer<Dwarf_Op>? = nil
        var length = 0
        var offset = dwarf_getlocations(&attr, 0, &base, &start, &end, &expression, &length)
        while offset > 0 {
            if end > start {
                var ops: [ExpressionOp] = []
                if let expression, length > 0 {
                    ops.reserveCapacity(length)
                    for op in UnsafeBufferPointer(start: expression, count: length) {
                        ops.append(ExpressionOp(atom: op.atom, number: op.number, number2: op.number2))
                    }
                }
                entries.append(LocationListEntry(
                    range: PCRange(low: start, high: end), location: ExpressionDecoder.location(of: ops)))
            }
            offset = dwarf_getlocations(&attr, offset, &base, &start, &end, &expression, &length)
        }
        return entries.isEmpty ? .unavailable : .list(entries)
    }

    private func collectInlinedCalls(in parent: inout Dwarf_Die, depth: Int, files: [String], into result: inout [InlinedCall]) {
        var child = parent.firstChild()
        while var die = child {
            switch die.tag() {
            case Tag.inlinedSubroutine:
                let fileIndex = die.unsigned(Attribute.callFile).map { Int(truncatingIfNeeded: $0) }
                result.append(InlinedCall(
                    name: die.string(Attribute.name, integrate: true) ?? "",
                    ranges: die.ranges() ?? [],
                    callFile: fileIndex.flatMap { files.indices.contains($0) ? files[$0] : nil },
                    callLine: die.unsigned(Attribute.callLine).map { Int(truncatingIfNeeded: $0) },
                    depth: depth))
                collectInlinedCalls(in: &die, depth: depth + 1, files: files, into: &result)
            case Tag.lexicalBlock:
                collectInlinedCalls(in: &die, depth: depth, files: files, into: &result)
            default:
                break
            }
            child = die.nextSibling()
        }
    }

    /// The file table of a unit (`dwarf_getsrcfiles`), cached.
    func fileTable(unit: Int, state: inout LazyState) -> [String] {
        if let cached = state.fileTables[unit] { return cached }
        var names: [String] = []
        var unitDIE = Dwarf_Die()
        var files: OpaquePointer? = nil
        var count = 0
        if units.indices.contains(unit),
           dwarf_offdie(handle.dwarf, units[unit].dieOffset, &unitDIE) != nil,
           dwarf_getsrcfiles(&unitDIE, &files, &count) == 0 {
            names.reserveCapacity(count)
            for index in 0..<count {
                names.append(dwarf_filesrc(files, index, nil, nil).map { Self.goFileName(String(cString: $0)) } ?? "")
            }
        }
        state.fileTables[unit] = names
        return names
    }

    // MARK: Lines

    /// A file name as Go spells it. Go's units have comp dir `.`, and libdw joins relative
    /// names to it in DWARF 5 (`./<autogenerated>`, or `./example.com/m/f.go` with
    /// `-trimpath`); the runtime and pclntab say `<autogenerated>`.
    static func goFileName(_ name: String) -> String {
        name.hasPrefix("./") ? String(name.dropFirst(2)) : name
    }

    /// The source file and line of `pc` (link-time), from the unit's line table.
    ///
    /// Uses the PC→unit map, then libdw's binary search in that unit's line table
    /// (`dwarf_getsrc_die`; the table is parsed once per unit and kept by libdw).
    public func lineInfo(pc: UInt64) -> (file: String, line: Int)? {
        guard let unit = unit(containing: pc) else { return nil }
        let unitOffset = units[unit].dieOffset
        return lazyState.withLock { _ -> (file: String, line: Int)? in
            var unitDIE = Dwarf_Die()
            guard dwarf_offdie(handle.dwarf, unitOffset, &unitDIE) != nil,
                  let line = dwarf_getsrc_die(&unitDIE, pc),
                  let file = dwarf_linesrc(line, nil, nil) else { return nil }
            var number: Int32 = 0
            guard dwarf_lineno(line, &number) == 0 else { return nil }
            return (Self.goFileName(String(cString: file)), Int(number))
        }
    }
}
