import CDwarf

/// A type DIE as read during the walk, with references still as `.debug_info` offsets.
struct RawType {
    var offset: UInt64
    var tag: Int32
    var name = ""
    var size: UInt64 = 0
    var kind: GoKind?
    var typeRef: UInt64?
    var elemRef: UInt64?
    var keyRef: UInt64?
    var runtimeType: UInt64?
    var packageName: String?
    var dictIndex: Int64?
    var closureOffset: Int64?
    var encoding: UInt8?
    var count: Int64?
    var fields: [RawField] = []
    var parameters: [UInt64] = []
    var results: [UInt64] = []
}

/// A struct member as read during the walk.
struct RawField {
    var name: String
    var typeRef: UInt64?
    var offset: UInt64
    var isEmbedded: Bool
}

/// A global or constant before its type reference is resolved.
struct RawNamed<Value> {
    var name: String
    var value: Value
    var typeRef: UInt64?
    var unit: Int
}

/// The one eager walk over all units of a ``LibdwHandle``.
///
/// Visits every unit (`dwarf_get_units`) and every DIE directly under each unit DIE: types,
/// functions, globals and constants. Function bodies (parameters, locals, lexical blocks,
/// inlined calls) are not read here; ``DWARFFile`` reads them on demand.
struct DWARFLoader {
    let handle: LibdwHandle
    var units: [CompileUnit] = []
    var types: [RawType] = []
    var functions: [Function] = []
    var globals: [RawNamed<UInt64>] = []
    var constants: [RawNamed<Int64>] = []

    init(handle: LibdwHandle) {
        self.handle = handle
    }

    /// Walks all units.
    mutating func run() throws(DWARFError) {
        var unit: OpaquePointer? = nil
        while true {
            var next: OpaquePointer? = nil
            var version: Dwarf_Half = 0
            var unitType: UInt8 = 0
            var unitDIE = Dwarf_Die()
            var subDIE = Dwarf_Die()
            let status = dwarf_get_units(handle.dwarf, unit, &next, &version, &unitType, &unitDIE, &subDIE)
            if status == 1 { break }
            guard status == 0 else { throw handle.libdwError("dwarf_get_units") }
            unit = next
            let tag = unitDIE.tag()
            guard tag == Int32(DW_TAG_compile_unit) || tag == Int32(DW_TAG_partial_unit) else { continue }
            try visitUnit(&unitDIE, version: Int(version))
        }
    }

    private mutating func visitUnit(_ unitDIE: inout Dwarf_Die, version: Int) throws(DWARFError) {
        let unitIndex = units.count
        let offset = unitDIE.offset()
        guard let ranges = unitDIE.ranges() else { throw handle.libdwError("dwarf_ranges", offset: offset) }
        units.append(CompileUnit(
            name: unitDIE.name() ?? "",
            producer: unitDIE.string(Attribute.producer),
            language: unitDIE.language(),
            packageName: unitDIE.string(Attribute.goPackageName),
            ranges: ranges.sorted { $0.low < $1.low },
            version: version,
            dieOffset: offset))

        var child = unitDIE.firstChild()
        while var die = child {
            switch die.tag() {
            case Tag.subprogram: visitFunction(&die, unit: unitIndex)
            case Tag.variable: visitGlobal(&die, unit: unitIndex)
            case Tag.constant: visitConstant(&die, unit: unitIndex)
            case Tag.baseType, Tag.pointerType, Tag.structureType, Tag.arrayType, Tag.typedef,
                 Tag.subroutineType, Tag.unspecifiedType, Tag.unionType, Tag.enumerationType:
                types.append(readType(&die))
            default: break
            }
            child = die.nextSibling()
        }
    }

    private mutating func visitFunction(_ die: inout Dwarf_Die, unit: Int) {
        // Abstract instances (DW_AT_inline) have no PCs; skip them.
        guard let low = die.lowPC() else { return }
        let high = die.highPC() ?? low
        functions.append(Function(
            name: die.string(Attribute.name, integrate: true) ?? "",
            lowPC: low,
            highPC: max(high, low),
            unit: unit,
            declLine: die.unsigned(Attribute.declLine, integrate: true).map { Int(truncatingIfNeeded: $0) },
            dieOffset: die.offset()))
    }

    private mutating func visitGlobal(_ die: inout Dwarf_Die, unit: Int) {
        guard let name = die.name(),
              var location = die.attribute(Attribute.location), location.isBlock,
              let bytes = location.blockBytes(),
              case .address(let address) = ExpressionDecoder.location(of: bytes)
        else { return }
        globals.append(RawNamed(name: name, value: address, typeRef: die.reference(Attribute.type), unit: unit))
    }

    private mutating func visitConstant(_ die: inout Dwarf_Die, unit: Int) {
        guard let name = die.name(), let value = die.signed(Attribute.constValue) else { return }
        constants.append(RawNamed(name: name, value: value, typeRef: die.reference(Attribute.type), unit: unit))
    }

    private func readType(_ die: inout Dwarf_Die) -> RawType {
        let tag = die.tag()
        var type = RawType(offset: die.offset(), tag: tag)
        type.name = die.name() ?? ""
        type.size = die.unsigned(Attribute.byteSize) ?? 0
        type.kind = die.unsigned(Attribute.goKind).flatMap(GoKind.init(dwarfValue:))
        type.typeRef = die.reference(Attribute.type)
        type.runtimeType = die.unsigned(Attribute.goRuntimeType)
        switch tag {
        case Tag.baseType:
            type.encoding = die.unsigned(Attribute.encoding).map { UInt8(truncatingIfNeeded: $0) }
        case Tag.structureType:
            type.elemRef = die.reference(Attribute.goElem)
            type.fields = readFields(&die)
        case Tag.typedef:
            type.elemRef = die.reference(Attribute.goElem)
            type.keyRef = die.reference(Attribute.goKey)
            type.dictIndex = die.unsigned(Attribute.goDictIndex).map { Int64(bitPattern: $0) }
        case Tag.arrayType:
            type.count = readCount(&die)
        case Tag.subroutineType:
            readSignature(&die, into: &type)
        default:
            break
        }
        if die.hasAttribute(Attribute.goPackageName) { type.packageName = die.string(Attribute.goPackageName) }
        if die.hasAttribute(Attribute.goClosureOffset) {
            type.closureOffset = die.unsigned(Attribute.goClosureOffset).map { Int64(bitPattern: $0) }
        }
        return type
    }

    private func readFields(_ die: inout Dwarf_Die) -> [RawField] {
        var fields: [RawField] = []
        var child = die.firstChild()
        while var member = child {
            if member.tag() == Tag.member {
                fields.append(RawField(
                    name: member.name() ?? "",
                    typeRef: member.reference(Attribute.type),
                    offset: member.unsigned(Attribute.dataMemberLocation) ?? 0,
                    isEmbedded: member.flag(Attribute.goEmbeddedField)))
            }
            child = member.nextSibling()
        }
        return fields
    }

    private func readCount(_ die: inout Dwarf_Die) -> Int64? {
        var child = die.firstChild()
        while var subrange = child {
            if subrange.tag() == Tag.subrangeType {
                if let count = subrange.unsigned(Attribute.count) { return Int64(bitPattern: count) }
                if let upper = subrange.signed(Attribute.upperBound) { return upper + 1 }
            }
            child = subrange.nextSibling()
        }
        return nil
    }

    private func readSignature(_ die: inout Dwarf_Die, into type: inout RawType) {
        var child = die.firstChild()
        while var parameter = child {
            if parameter.tag() == Tag.formalParameter, let ref = parameter.reference(Attribute.type) {
                if parameter.flag(Attribute.variableParameter) {
                    type.results.append(ref)
                } else {
                    type.parameters.append(ref)
                }
            }
            child = parameter.nextSibling()
        }
    }
}
