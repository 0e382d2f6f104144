/// The resolved types of one file and their indices.
///
/// Built once from the walk's ``RawType``s in three steps:
/// 1. Fold aliases: Go emits, for some types, a bare `DW_TAG_typedef` (no `DW_AT_go_kind`)
///    whose target has the same name (`main.Gen[string]` → struct `main.Gen[string]`,
///    `func(int) int` → subroutine `func(int) int`). Such a typedef is not a distinct type;
///    references to it resolve to the target.
/// 2. Number the remaining DIEs densely (`TypeID`) and map every DIE offset to its ID.
/// 3. Rewrite offsets to IDs and build the name and runtime-type indices.
struct TypeTable {
    var types: [GoType] = []
    var byOffset: [UInt64: TypeID] = [:]
    var byName: [String: TypeID] = [:]
    var byRuntimeOffset: [UInt64: TypeID] = [:]

    /// - Parameters:
    ///   - raw: the type DIEs in walk order.
    ///   - runtimeTypes: the link-time range `[runtime.types, runtime.etypes)`, if the symbol
    ///     table has it. Go 1.21 and 1.22 write an absolute address instead of an offset for
    ///     a few types (`uintptr`); values in this range are turned into offsets.
    ///   - pointerSize: the size of pointers (Go writes no `DW_AT_byte_size` on pointer types).
    init(raw: [RawType], runtimeTypes: PCRange?, pointerSize: UInt64) {
        var rawIndex: [UInt64: Int] = [:]
        rawIndex.reserveCapacity(raw.count)
        for (index, type) in raw.enumerated() { rawIndex[type.offset] = index }

        // 1. Canonical raw index of each raw type (itself, or the target of its alias chain).
        var canonical = Array(raw.indices)
        for index in raw.indices {
            var current = index
            var steps = 0
            while steps < 16, let target = Self.aliasTarget(of: raw[current], in: raw, rawIndex: rawIndex) {
                current = target
                steps += 1
            }
            canonical[index] = current
        }

        // 2. Dense IDs for canonical types.
        var idOfRaw = [Int32](repeating: -1, count: raw.count)
        var next: Int32 = 0
        for index in raw.indices where canonical[index] == index {
            idOfRaw[index] = next
            next += 1
        }
        byOffset.reserveCapacity(raw.count)
        for index in raw.indices {
            byOffset[raw[index].offset] = TypeID(rawValue: idOfRaw[canonical[index]])
        }

        // Sizes: pointers have no DW_AT_byte_size, typedefs take the size of what they name.
        var sizes = raw.map { $0.size == 0 && $0.tag == Tag.pointerType ? pointerSize : $0.size }
        for index in raw.indices where sizes[index] == 0 && raw[index].tag == Tag.typedef {
            var current = index
            var steps = 0
            while steps < 32, sizes[current] == 0, raw[current].tag == Tag.typedef,
                  let ref = raw[current].typeRef, let target = rawIndex[ref] {
                current = target
                steps += 1
            }
            sizes[index] = sizes[current]
        }

        // 3. Build the types.
        types.reserveCapacity(Int(next))
        byName.reserveCapacity(Int(next))
        for index in raw.indices where canonical[index] == index {
            let type = build(raw[index], size: sizes[index], runtimeTypes: runtimeTypes)
            let id = TypeID(rawValue: Int32(types.count))
            types.append(type)
            if !type.name.isEmpty {
                if let existing = byName[type.name] {
                    // Prefer the DIE that carries the Go attributes.
                    if types[existing.index].kind == nil && type.kind != nil { byName[type.name] = id }
                } else {
                    byName[type.name] = id
                }
            }
            if let runtimeOffset = type.runtimeTypeOffset {
                if let existing = byRuntimeOffset[runtimeOffset] {
                    if types[existing.index].kind == nil && type.kind != nil { byRuntimeOffset[runtimeOffset] = id }
                } else {
                    byRuntimeOffset[runtimeOffset] = id
                }
            }
        }
    }

    /// The raw index an alias typedef stands for, or nil if `type` is not such an alias.
    private static func aliasTarget(of type: RawType, in raw: [RawType], rawIndex: [UInt64: Int]) -> Int? {
        guard type.tag == Tag.typedef, type.kind == nil, type.keyRef == nil, type.elemRef == nil,
              type.dictIndex == nil, let ref = type.typeRef, let target = rawIndex[ref],
              raw[target].name == type.name
        else { return nil }
        return target
    }

    private func id(_ offset: UInt64?) -> TypeID? {
        guard let offset else { return nil }
        return byOffset[offset]
    }

    private func build(_ raw: RawType, size: UInt64, runtimeTypes: PCRange?) -> GoType {
        let tag: TypeTag
        switch raw.tag {
        case Tag.baseType: tag = .base
        case Tag.pointerType: tag = .pointer
        case Tag.structureType: tag = .structure
        case Tag.arrayType: tag = .array
        case Tag.typedef: tag = .typedef
        case Tag.subroutineType: tag = .subroutine
        case Tag.unspecifiedType: tag = .unspecified
        default: tag = .other(Int(raw.tag))
        }
        let elem: TypeID?
        switch tag {
        case .pointer, .array: elem = id(raw.typeRef)
        default: elem = id(raw.elemRef)
        }
        var runtimeOffset = raw.runtimeType
        if let value = runtimeOffset, let runtimeTypes, runtimeTypes.contains(value) {
            runtimeOffset = value - runtimeTypes.low
        }
        if runtimeOffset == 0 { runtimeOffset = nil }
        return GoType(
            name: raw.name,
            size: size,
            tag: tag,
            kind: raw.kind,
            fields: raw.fields.map {
                Field(name: $0.name, type: id($0.typeRef), offset: $0.offset, isEmbedded: $0.isEmbedded)
            },
            elem: elem,
            key: id(raw.keyRef),
            underlying: tag == .typedef ? id(raw.typeRef) : nil,
            count: raw.count,
            runtimeTypeOffset: runtimeOffset,
            packageName: raw.packageName,
            dictIndex: raw.dictIndex,
            closureOffset: raw.closureOffset,
            encoding: raw.encoding,
            parameters: raw.parameters.compactMap { id($0) },
            results: raw.results.compactMap { id($0) },
            dieOffset: raw.offset)
    }
}
