import CDwarf

/// Attribute codes, as the `UInt32` libdw takes. `DW_AT_*` imports from dwarf.h as `Int`;
/// the Go extensions (0x2900…) are not in dwarf.h at all.
enum Attribute {
    static let name = UInt32(DW_AT_name)
    static let type = UInt32(DW_AT_type)
    static let byteSize = UInt32(DW_AT_byte_size)
    static let encoding = UInt32(DW_AT_encoding)
    static let location = UInt32(DW_AT_location)
    static let constValue = UInt32(DW_AT_const_value)
    static let count = UInt32(DW_AT_count)
    static let upperBound = UInt32(DW_AT_upper_bound)
    static let dataMemberLocation = UInt32(DW_AT_data_member_location)
    static let producer = UInt32(DW_AT_producer)
    static let declLine = UInt32(DW_AT_decl_line)
    static let variableParameter = UInt32(DW_AT_variable_parameter)
    static let inline = UInt32(DW_AT_inline)
    static let abstractOrigin = UInt32(DW_AT_abstract_origin)
    static let callFile = UInt32(DW_AT_call_file)
    static let callLine = UInt32(DW_AT_call_line)
    static let lowPC = UInt32(DW_AT_low_pc)

    static let goKind: UInt32 = 0x2900
    static let goKey: UInt32 = 0x2901
    static let goElem: UInt32 = 0x2902
    static let goEmbeddedField: UInt32 = 0x2903
    static let goRuntimeType: UInt32 = 0x2904
    static let goPackageName: UInt32 = 0x2905
    static let goDictIndex: UInt32 = 0x2906
    static let goClosureOffset: UInt32 = 0x2907
}

/// Tag codes as `Int32`, the type `dwarf_tag` returns.
enum Tag {
    static let arrayType = Int32(DW_TAG_array_type)
    static let enumerationType = Int32(DW_TAG_enumeration_type)
    static let formalParameter = Int32(DW_TAG_formal_parameter)
    static let lexicalBlock = Int32(DW_TAG_lexical_block)
    static let member = Int32(DW_TAG_member)
    static let pointerType = Int32(DW_TAG_pointer_type)
    static let structureType = Int32(DW_TAG_structure_type)
    static let subroutineType = Int32(DW_TAG_subroutine_type)
    static let typedef = Int32(DW_TAG_typedef)
    static let unionType = Int32(DW_TAG_union_type)
    static let inlinedSubroutine = Int32(DW_TAG_inlined_subroutine)
    static let baseType = Int32(DW_TAG_base_type)
    static let subrangeType = Int32(DW_TAG_subrange_type)
    static let subprogram = Int32(DW_TAG_subprogram)
    static let variable = Int32(DW_TAG_variable)
    static let constant = Int32(DW_TAG_constant)
    static let unspecifiedType = Int32(DW_TAG_unspecified_type)
}

/// Reading helpers over libdw's `Dwarf_Die`. A `Dwarf_Die` is only valid while the
/// ``LibdwHandle`` it came from lives; these helpers never let one escape the module.
///
/// Each accessor is a thin wrapper over one libdw call and returns nil when the attribute is
/// absent or of an unexpected form (the walk degrades instead of failing on odd DIEs).
extension Dwarf_Die {
    /// Corresponds to `dwarf_tag`.
    mutating func tag() -> Int32 { dwarf_tag(&self) }

    /// Corresponds to `dwarf_dieoffset`.
    mutating func offset() -> UInt64 { dwarf_dieoffset(&self) }

    /// The first child, or nil. Corresponds to `dwarf_child`.
    mutating func firstChild() -> Dwarf_Die? {
        var child = Dwarf_Die()
        return dwarf_child(&self, &child) == 0 ? child : nil
    }

    /// The next sibling, or nil. Corresponds to `dwarf_siblingof`.
    mutating func nextSibling() -> Dwarf_Die? {
        var sibling = Dwarf_Die()
        return dwarf_siblingof(&self, &sibling) == 0 ? sibling : nil
    }

    /// The attribute itself (`dwarf_attr`), or with `integrate`, following
    /// `DW_AT_abstract_origin`/`DW_AT_specification` (`dwarf_attr_integrate`).
    mutating func attribute(_ code: UInt32, integrate: Bool = false) -> Dwarf_Attribute? {
        var attr = Dwarf_Attribute()
        let found = integrate ? dwarf_attr_integrate(&self, code, &attr) : dwarf_attr(&self, code, &attr)
        return found == nil ? nil : attr
    }

    mutating func hasAttribute(_ code: UInt32) -> Bool { dwarf_hasattr(&self, code) != 0 }

    mutating func string(_ code: UInt32, integrate: Bool = false) -> String? {
        guard var attr = attribute(code, integrate: integrate), let c = dwarf_formstring(&attr) else { return nil }
        return String(cString: c)
    }

    /// `DW_AT_name`. Corresponds to `dwarf_diename`.
    mutating func name() -> String? {
        guard let c = dwarf_diename(&self) else { return nil }
        return String(cString: c)
    }

    /// An unsigned constant (`dwarf_formudata`), or an address form (`dwarf_formaddr`).
    mutating func unsigned(_ code: UInt32, integrate: Bool = false) -> UInt64? {
        guard var attr = attribute(code, integrate: integrate) else { return nil }
        return attr.unsigned()
    }

    /// A signed constant. Corresponds to `dwarf_formsdata`.
    mutating func signed(_ code: UInt32, integrate: Bool = false) -> Int64? {
        guard var attr = attribute(code, integrate: integrate) else { return nil }
        var value: Dwarf_Sword = 0
        return dwarf_formsdata(&attr, &value) == 0 ? Int64(value) : nil
    }

    /// A flag. Corresponds to `dwarf_formflag`.
    mutating func flag(_ code: UInt32, integrate: Bool = false) -> Bool {
        guard var attr = attribute(code, integrate: integrate) else { return false }
        var value = false
        return dwarf_formflag(&attr, &value) == 0 && value
    }

    /// The `.debug_info` offset a reference attribute points at. Corresponds to
    /// `dwarf_formref_die` + `dwarf_dieoffset`, which handle `DW_FORM_ref_addr` and
    /// unit-relative forms.
    mutating func reference(_ code: UInt32, integrate: Bool = false) -> UInt64? {
        guard var attr = attribute(code, integrate: integrate) else { return nil }
        var target = Dwarf_Die()
        guard dwarf_formref_die(&attr, &target) != nil else { return nil }
        return dwarf_dieoffset(&target)
    }

    /// Corresponds to `dwarf_lowpc` (handles `DW_FORM_addr` and `DW_FORM_addrx`).
    mutating func lowPC() -> UInt64? {
        var value: Dwarf_Addr = 0
        return dwarf_lowpc(&self, &value) == 0 ? value : nil
    }

    /// Corresponds to `dwarf_highpc` (handles address and offset forms).
    mutating func highPC() -> UInt64? {
        var value: Dwarf_Addr = 0
        return dwarf_highpc(&self, &value) == 0 ? value : nil
    }

    /// All address ranges of the DIE, from `DW_AT_ranges` or low/high PC. Corresponds to
    /// `dwarf_ranges`; nil when libdw reports an error.
    mutating func ranges() -> [PCRange]? {
        var result: [PCRange] = []
        var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        var offset = dwarf_ranges(&self, 0, &base, &start, &end)
        while offset > 0 {
            if end > start { result.append(PCRange(low: start, high: end)) }
            offset = dwarf_ranges(&self, offset, &base, &start, &end)
        }
        return offset < 0 ? nil : result
    }

    /// The DWARF language. Corresponds to `dwarf_srclang`.
    mutating func language() -> Int { Int(dwarf_srclang(&self)) }
}

extension Dwarf_Attribute {
    /// The form code.
    var formCode: Int { Int(form) }

    /// Whether the attribute holds a block (`DW_FORM_block*`, `DW_FORM_exprloc`).
    var isBlock: Bool {
        switch formCode {
        case DW_FORM_block1, DW_FORM_block2, DW_FORM_block4, DW_FORM_block, DW_FORM_exprloc: true
        default: false
        }
    }

    /// An unsigned constant or an address.
    mutating func unsigned() -> UInt64? {
        switch formCode {
        case DW_FORM_addr, DW_FORM_addrx, DW_FORM_addrx1, DW_FORM_addrx2, DW_FORM_addrx3, DW_FORM_addrx4:
            var value: Dwarf_Addr = 0
            return dwarf_formaddr(&self, &value) == 0 ? value : nil
        default:
            var value: Dwarf_Word = 0
            return dwarf_formudata(&self, &value) == 0 ? value : nil
        }
    }

    /// The bytes of a block attribute. Corresponds to `dwarf_formblock`.
    mutating func blockBytes() -> [UInt8]? {
        var block = Dwarf_Block()
        guard dwarf_formblock(&self, &block) == 0 else { return nil }
        guard block.length > 0, let data = block.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(block.length)))
    }
}
