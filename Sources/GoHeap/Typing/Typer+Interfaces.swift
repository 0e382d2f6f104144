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
        enum Action: UInt8 { case nothing, pointer, pointerShaped, boxed, slow }
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
        }
    }

    mutating func meaning(of typ: UInt64) -> IfaceMeaning {
        guard let rt = runtimeTypes.type(at: typ) else { return IfaceMeaning(typ: typ, action: .nothing, type: -1) }
        let d = dwarfType(rt)
        if rt.directInterface {
            guard let d else { return IfaceMeaning(typ: typ, action: .nothing, type: -1) }
            let g = dwarf.type(d)
            if g.kind == .pointer { return IfaceMeaning(typ: typ, action: g.elem == nil ? .nothing : .pointer, type: g.elem?.rawValue ?? -1) }
            return IfaceMeaning(typ: typ, action: .pointerShaped, type: Int32(truncatingIfNeeded: shapes.ensure(d)))
        }
        if let d { return IfaceMeaning(typ: typ, action: .boxed, type: d.rawValue) }
        return IfaceMeaning(typ: typ, action: .slow, type: -1)
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
        return queue.count
    }
}
