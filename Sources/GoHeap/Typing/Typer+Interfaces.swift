import GoCore
import GoDWARF

/// Interfaces: the type word (or the itab's type field) is the runtime type of the value, the
/// most trusted source there is; the data word is the value itself when the type is
/// pointer-shaped, else a pointer to a boxed copy.
extension Typer {
    /// What an interface's type word says of its data word.
    struct IfaceMeaning {
        var typ: UInt64
        var action: Action
        var type: Int32
        /// For `.runtimePointer`: the element type's runtime descriptor.
        var elem: UInt64 = 0
        enum Action: UInt8 { case nothing, pointer, pointerShaped, boxed, slow, runtimePointer, funcValue }
    }
    static let ifaceCacheSize = 1024

    /// An interface's dynamic value: boxed at `data`, or the data word itself when direct.
    mutating func interfaceValue(typ: UInt64, data: UInt64, trust: UInt8 = TypeAssignments.runtimeTrust) {
        guard typ != 0, data != 0 else { return }
        // What a type word means is looked up once per type (a direct-mapped cache in front of
        // the runtime type reader and DWARF).
        let slot = Int(truncatingIfNeeded: (typ >> 3) ^ (typ >> 13)) & (Typer.ifaceCacheSize - 1)
        var hit = ifaceCache[slot]
        if hit.typ != typ {
            hit = meaning(of: typ)
            ifaceCache[slot] = hit
        }
        switch hit.action {
        case .nothing: return
        case .pointer: offerPointer(data, TypeID(rawValue: hit.type), confidence: trust)
        case .pointerShaped: pointerShaped(data, Int(hit.type), trust)
        case .boxed: offerArray(data, TypeID(rawValue: hit.type), count: 1, confidence: trust, array: false)
        case .slow:
            // A boxed value of a type DWARF lacks: named and sized by the runtime type.
            guard let rt = runtimeTypes.type(at: typ) else { return }
            assign(data, nil, count: 1, confidence: trust, name: rt.name, runtimeType: rt.address)
        case .runtimePointer:
            offerRuntime(data, hit.elem, count: nil, confidence: trust)
        case .funcValue:
            funcValue(data, confidence: trust)
        }
    }

    mutating func meaning(of typ: UInt64) -> IfaceMeaning {
        guard let rt = runtimeTypes.type(at: typ) else { return IfaceMeaning(typ: typ, action: .nothing, type: -1) }
        let d = dwarfType(rt)
        if rt.directInterface {
            // The data word is the value: a pointer, a map, chan or func, or a struct or array
            // wrapping exactly one of those (`struct{ p *T }`, `[1]*T`), which is the word itself.
            // A pointer or func type DWARF lacks (a generic instantiation) is read from the runtime.
            if d == nil, let leaf = runtimeDirectLeaf(rt) {
                if leaf.kind == .pointer, leaf.elem != 0 { return IfaceMeaning(typ: typ, action: .runtimePointer, type: -1, elem: leaf.elem) }
                if leaf.kind == .func { return IfaceMeaning(typ: typ, action: .funcValue, type: -1) }
                if let ld = dwarfType(leaf), ld != d {
                    return IfaceMeaning(typ: typ, action: .pointerShaped, type: Int32(truncatingIfNeeded: shapes.ensure(ld)))
                }
                return IfaceMeaning(typ: typ, action: .nothing, type: -1)
            }
            guard let d, let leaf = directLeaf(d) else { return IfaceMeaning(typ: typ, action: .nothing, type: -1) }
            let g = dwarf.type(leaf)
            if g.kind == .pointer { return IfaceMeaning(typ: typ, action: g.elem == nil ? .nothing : .pointer, type: g.elem?.rawValue ?? -1) }
            return IfaceMeaning(typ: typ, action: .pointerShaped, type: Int32(truncatingIfNeeded: shapes.ensure(leaf)))
        }
        if let d { return IfaceMeaning(typ: typ, action: .boxed, type: d.rawValue) }
        return IfaceMeaning(typ: typ, action: .slow, type: -1)
    }

    /// The pointer-shaped type a direct-interface type `d` is, or wraps (one-field structs and
    /// one-element arrays, as the compiler's `isdirectiface` allows), or nil.
    func directLeaf(_ d: TypeID) -> TypeID? {
        var t = d
        for _ in 0..<16 {
            let g = dwarf.type(t)
            switch g.kind {
            case .pointer, .unsafePointer, .map, .chan, .func: return t
            default: break
            }
            let r = dwarf.type(dwarf.resolvingTypedefs(t))
            if r.tag == .pointer { return t }
            if r.tag == .structure, r.fields.count == 1, let f = r.fields[0].type { t = f; continue }
            if r.tag == .array, r.count == 1, let e = r.elem { t = e; continue }
            return nil
        }
        return nil
    }

    /// `directLeaf` by the runtime's description, for a type DWARF lacks.
    mutating func runtimeDirectLeaf(_ rt: RuntimeType) -> RuntimeType? {
        var t = rt
        for _ in 0..<16 {
            switch t.kind {
            case .pointer?, .unsafePointer?, .map?, .chan?, .func?: return t
            case .struct?:
                let fields = runtimeFields(t.address)
                guard fields.count == 1, let f = runtimeTypes.type(at: fields[0].type) else { return nil }
                t = f
            case .array?:
                guard t.length == 1, let e = runtimeTypes.type(at: t.elem) else { return nil }
                t = e
            default:
                return nil
            }
        }
        return nil
    }

    /// Last resort for objects no typed path reached (held behind `unsafe.Pointer`, by globals
    /// DWARF does not describe, …): a word pair shaped like an interface — a runtime type
    /// descriptor (or an itab whose type field is one) followed by a pointer to the start of a
    /// heap object — types that object as the interface's dynamic value. Returns how many
    /// objects it gave a type (now waiting in the work list).
    mutating func sniffInterfaces(_ untyped: [Int32]) -> Int {
        let typeRange = runtimeTypes.modules.first.map { $0.types ..< $0.etypes } ?? 0 ..< 0
        for u in untyped where states.type(Int(u)) < 0 {
            let id = Int(u)
            let s = span(id)
            if s.noscan { continue }
            let start = dataStart(id)
            let size = min(dataSize(id), 1 << 20)
            guard size >= 16, let bytes = try? mem.readBytes(at: Address(start), count: size) else { continue }
            var k = 0
            while k + 16 <= bytes.count {
                let w0 = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: k, as: UInt64.self) }
                let w1 = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: k + 8, as: UInt64.self) }
                k += 8
                guard w1 != 0, w0 != 0, let target = object(w1), w1 == dataStart(target) else { continue }
                var typ = w0
                if !typeRange.contains(typ) { typ = word(w0 &+ itabType) }
                guard typeRange.contains(typ), runtimeTypes.type(at: typ) != nil else { continue }
                interfaceValue(typ: typ, data: w1, trust: TypeAssignments.stackTrust)
            }
        }
        applyPending()
        return queue.count
    }
}
