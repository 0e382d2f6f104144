import GoCore
import GoDWARF

extension Value {
    /// The dynamic value of an interface (empty or not), or the pointee of a pointer, as
    /// `reflect.Value.Elem` gives them; nil for a nil interface or pointer.
    ///
    /// A type the runtime stores directly in the interface's data word (pointers, maps, channels,
    /// funcs, single-pointer structs and arrays) is a value *at* the data word; any other is a
    /// value at the address the data word holds.
    ///
    /// - Throws: ``ValueError/unknownType(_:)`` when the dynamic type has no DWARF type (the
    ///   name is still available from ``dynamicTypeName()``), ``ValueError/damaged(_:)`` when
    ///   the type word does not point to a runtime type.
    public func elem() throws(ValueError) -> Value? {
        if kind == .pointer { return try dereferenced() }
        guard let (rt, dataWord) = try dynamicType() else { return nil }
        guard let d = process.dwarfType(for: rt) else { throw .unknownType("\(rt.name) (no DWARF type)") }
        if rt.directInterface { return value(at: dataWord, d) }
        let data = Address(try word(at: dataWord))
        guard !data.isNull else { throw .damaged("interface at \(address) holds a \(rt.name) with a nil data word") }
        return value(at: data, d)
    }

    /// The name of an interface's dynamic type as the runtime spells it (`*main.Point`,
    /// `int`, `main.Rect`); nil for a nil interface.
    public func dynamicTypeName() throws(ValueError) -> String? {
        try dynamicType()?.type.name
    }

    /// The runtime type of an interface's dynamic value and the address of its data word;
    /// nil for a nil interface.
    func dynamicType() throws(ValueError) -> (type: RuntimeType, data: Address)? {
        _ = try expect([.interface], "interface")
        let l = layout
        // runtime.eface {_type, data}; runtime.iface {tab, data}, the type being the itab's.
        guard let first = l.fields.first else { throw .unknownType("\(typeName) has no interface layout") }
        let data = try at(l.field(named: "data")?.offset ?? 8)
        var typeAddress = try word(at: at(first.offset))
        if typeAddress == 0 { return nil }
        if first.name == "tab" {
            typeAddress = try word(at: Value.offset(Address(typeAddress), itabTypeOffset))
            guard typeAddress != 0 else { throw .damaged("interface at \(address): its itab has no type") }
        }
        guard let rt = process.runtimeType(at: typeAddress) else {
            throw .damaged("interface at \(address): no runtime type at \(typeAddress.hex)")
        }
        return (rt, data)
    }

    /// The offset of the type in an itab: `internal/abi.ITab.Type` (1.22+), `runtime.itab._type` before.
    private var itabTypeOffset: UInt64 {
        for (name, field) in [("internal/abi.ITab", "Type"), ("runtime.itab", "_type")] {
            if let t = dwarf.type(named: name), let f = dwarf.type(dwarf.resolvingTypedefs(t)).field(named: field) {
                return f.offset
            }
        }
        return 8
    }

    /// A func value's code and captured variables.
    ///
    /// The func word points to a closure object whose first word is the code pointer; the
    /// function is the one whose code contains it. Captured variables are the function's
    /// variables with a closure offset (`DW_AT_go_closure_offset`, Go 1.23+; the list is empty
    /// for older binaries). A variable captured by reference is named `&x` and is a pointer.
    ///
    /// - Throws: ``ValueError/nilPointer`` for a nil func, ``ValueError/damaged(_:)`` when the
    ///   code pointer is in no function.
    public func function() throws(ValueError) -> (name: String, captured: [(name: String, value: Value)]) {
        _ = try expect([.func], "func")
        let closure = Address(try word(at: address))
        guard !closure.isNull else { throw .nilPointer }
        let pc = try word(at: closure)
        let (linkPC, o) = pc.subtractingReportingOverflow(process.core.loadBias)
        guard !o, let fn = dwarf.function(containing: linkPC) else {
            throw .damaged("func value at \(address): code pointer \(pc.hex) is in no function")
        }
        var captured: [(name: String, value: Value)] = []
        for v in dwarf.variables(of: fn) {
            guard let off = v.closureOffset, off >= 8, let t = v.type else { continue }
            captured.append((v.name, value(at: try Value.offset(closure, UInt64(off)), t)))
        }
        return (fn.name, captured)
    }
}
