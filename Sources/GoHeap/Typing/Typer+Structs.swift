import GoDWARF

/// The walk of a value by its DWARF type: structs through their pointer-holding leaves
/// (flattened once per type, see ``TypeShapes``), arrays element by element, and the leaves
/// that point straight at objects — pointers, slices, strings, interfaces.
extension Typer {
    /// Types what the value of type `t` at `a` points to.
    mutating func visit(_ a: UInt64, _ t: TypeID, _ c: UInt8, depth: Int) {
        guard depth < 24 else { return }
        let i = shapes.ensure(t)
        switch shapes.shape[i] {
        case .pointer, .slice, .string, .eface, .iface:
            leaf(a, shapes.shape[i], shapes.elem[i], c)
        case .pointerShaped:
            pointerShaped(word(a), i, c)
        case .oldMap, .swissMap, .groupReference:
            let l = shapes.layoutIndex[i]
            guard l >= 0 else { return }
            let layout = shapes.layouts[Int(l)]
            switch shapes.shape[i] {
            case .oldMap:
                oldMapHeader(a, layout, c)
                // And the other fields: `extra` keeps the overflow buckets' list.
                visitFields(a, i, c, depth)
            case .swissMap: swissMapHeader(a, layout, c)
            default: groupReference(a, layout, c)
            }
        case .idiom:
            if !unsafeIdioms(a, i, t, c) { visitFields(a, i, c, depth) }
        case .structure:
            if shapes.leafStart[i] == -1 { shapes.flatten(i) }
            if shapes.leafStart[i] >= 0 { visitLeaves(a, i, c, depth) } else { visitFields(a, i, c, depth) }
        case .array:
            let e = TypeID(rawValue: shapes.elem[i]), n = shapes.count[i], stride = shapes.stride[i]
            var k: UInt64 = 0
            while k < n { visit(a &+ k &* stride, e, c, depth: depth + 1); k += 1 }
        case .none:
            break
        }
    }

    /// `visitFields` over the flattened leaves of struct `i`: the same offers in the same
    /// order, without a call per nesting level.
    mutating func visitLeaves(_ a: UInt64, _ i: Int, _ c: UInt8, _ depth: Int) {
        var l = Int(shapes.leafStart[i])
        let e = Int(shapes.leafEnd[i])
        while l < e {
            let at = a &+ shapes.leafOffset[l], d = depth &+ Int(shapes.leafDepth[l])
            let lt = shapes.leafType[l]
            let shape = shapes.leafShape[l]
            l += 1
            guard d < 24 else { continue }
            if shape == .none { visit(at, TypeID(rawValue: lt), c, depth: d) } else { leaf(at, shape, lt, c) }
        }
    }

    mutating func visitFields(_ a: UInt64, _ i: Int, _ c: UInt8, _ depth: Int) {
        var f = Int(shapes.fieldStart[i])
        let e = Int(shapes.fieldEnd[i])
        while f < e {
            visit(a &+ shapes.fieldOffsets[f], TypeID(rawValue: shapes.fieldTypes[f]), c, depth: depth + 1)
            f += 1
        }
    }

    /// A value at `a` of one of the shapes that point straight at objects: a pointer or slice
    /// (`elem`: the element type), a string, an interface.
    @inline(__always)
    mutating func leaf(_ a: UInt64, _ shape: TypeShapes.Shape, _ elem: Int32, _ c: UInt8) {
        switch shape {
        case .pointer:
            offerPointer(word(a), TypeID(rawValue: elem), confidence: c > 1 ? c - 1 : 1)
        case .slice:
            let cap = word(a &+ 16)
            if cap > 0, cap < 1 << 40 { offerArray(word(a), TypeID(rawValue: elem), count: cap, confidence: c) }
        case .string:
            offerString(word(a), len: word(a &+ 8), confidence: c)
        case .eface, .iface:
            var typ = word(a)
            if shape == .iface, typ != 0 { typ = word(typ &+ itabType) }
            interfaceValue(typ: typ, data: word(a &+ 8))
        default:
            break
        }
    }

    /// A pointer-shaped value `p` of map, chan or func type (shape index `i`).
    mutating func pointerShaped(_ p: UInt64, _ i: Int, _ c: UInt8) {
        guard p != 0 else { return }
        let t = TypeID(rawValue: Int32(truncatingIfNeeded: i))
        let h = shapes.header[i]
        if h >= 0 {
            if index.locate(p) == nil {
                // A map or chan header outside the heap (on a stack, where the compiler keeps a
                // map that does not escape): walked in place.
                staticValue(p, TypeID(rawValue: h), count: 1, confidence: c)
                return
            }
            assign(p, TypeID(rawValue: h), count: 1, confidence: c, name: shapes.name[i])
            if shapes.elem[i] >= 0 { channelBuffer(p, elem: TypeID(rawValue: shapes.elem[i]), c) }
        } else if shapes.flags[i] & TypeShapes.Flags.isFunc != 0 {
            funcValue(p, confidence: c > 1 ? c - 1 : 1)
        } else if shapes.flags[i] & TypeShapes.Flags.mapOrChan != 0 {
            assign(p, nil, count: 1, confidence: c, name: shapes.name[i])
            if shapes.elem[i] >= 0 { channelBuffer(p, elem: TypeID(rawValue: shapes.elem[i]), c) }
        } else if let e = dwarf.type(t).elem {
            offerPointer(p, e, confidence: c > 1 ? c - 1 : 1)
        }
    }
}
