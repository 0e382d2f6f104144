import GoDWARF

/// Values whose type the runtime describes but DWARF does not: generic instantiations (the
/// linker writes DWARF only for their shapes, `Cache[go.shape.string,…]`), and other types no
/// variable of the program declares. They are walked by the runtime's own description — kind,
/// element type, length, struct fields — switching back to DWARF wherever a part of the value
/// has a DWARF type. Such objects are named as the runtime names their types
/// (`par.cacheEntry[…]`, reflect's spelling).
extension Typer {
    /// Types what a value of the runtime type at `typeAddress`, at `a`, points to.
    mutating func visitRuntime(_ a: UInt64, _ typeAddress: UInt64, _ c: UInt8, depth: Int) {
        guard depth < 16, let rt = runtimeTypes.type(at: typeAddress), rt.ptrBytes > 0 else { return }
        if let d = dwarfType(rt) { visit(a, d, c, depth: depth); return }
        let child = c > 1 ? c - 1 : 1
        switch rt.kind {
        case .pointer?:
            offerRuntime(word(a), rt.elem, count: nil, confidence: child)
        case .slice?:
            let cap = word(a &+ 16)
            if cap > 0, cap < 1 << 40 { offerRuntime(word(a), rt.elem, count: cap, confidence: c) }
        case .string?:
            offerString(word(a), len: word(a &+ 8), confidence: c)
        case .interface?:
            var typ = word(a)
            if !rt.isEmptyInterface, typ != 0 { typ = word(typ &+ itabType) }
            interfaceValue(typ: typ, data: word(a &+ 8))
        case .func?:
            funcValue(word(a), confidence: child)
        case .struct?:
            for f in runtimeFields(rt.address) { visitRuntime(a &+ f.offset, f.type, c, depth: depth + 1) }
        case .array?:
            guard let et = runtimeTypes.type(at: rt.elem), et.size > 0, et.ptrBytes > 0 else { return }
            var k: UInt64 = 0
            while k < rt.length, k < 1 << 20 { visitRuntime(a &+ k &* et.size, rt.elem, c, depth: depth + 1); k += 1 }
        default:
            // Maps and channels without DWARF: their runtime layout is not described here.
            break
        }
    }

    /// Offers what a pointer (count nil) or slice (count) of runtime element type `elem` points to.
    mutating func offerRuntime(_ p: UInt64, _ elem: UInt64, count: UInt64?, confidence c: UInt8) {
        guard p != 0, elem != 0, let et = runtimeTypes.type(at: elem) else { return }
        if let d = dwarfType(et) {
            if let count { offerArray(p, d, count: count, confidence: c) } else { offerPointer(p, d, confidence: c) }
            return
        }
        assign(p, nil, count: count, confidence: c, name: et.name, array: count != nil, runtimeType: et.address)
    }

    /// An object typed by a runtime type only: each of its elements walked by that type.
    mutating func walkRuntime(_ p: UInt64, span sp: Int, _ ht: Int, _ c: UInt8) {
        let typeAddress = states.runtimeOf[ht]
        guard let rt = runtimeTypes.type(at: typeAddress), rt.size > 0, rt.ptrBytes > 0 else { return }
        let n = max(states.countOf[ht], 1)
        let limit = p &+ spanDataSize[sp]
        var k: UInt64 = 0
        while k < n, p &+ k &* rt.size < limit, limit &- (p &+ k &* rt.size) >= rt.size {
            visitRuntime(p &+ k &* rt.size, typeAddress, c, depth: 0)
            k += 1
        }
    }

    /// The fields (offset, type) of a runtime struct type, read once.
    mutating func runtimeFields(_ address: UInt64) -> [(offset: UInt64, type: UInt64)] {
        if let known = runtimeStructFields[address] { return known }
        let f = runtimeTypes.structFields(of: address)
        runtimeStructFields[address] = f
        return f
    }
}
