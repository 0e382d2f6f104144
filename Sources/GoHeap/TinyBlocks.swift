import GoCore
import GoDWARF

extension Heap {
    /// The values an object holds, by offset from its start, as what points into it says.
    ///
    /// The tiny allocator packs small pointer-free values (short strings, boxed integers, a
    /// `*int32`'s target) into 16-byte blocks; the block is one heap object, typed as the value
    /// found first. This lists every value something points to inside it: for each typed object
    /// (and root) pointing into the block, the pointer's field type says what is there — `T` for
    /// a `*T`, string bytes for a string, the element for a slice, the dynamic type for an
    /// interface's data word. For any other object it is its type at offset 0.
    ///
    /// - Complexity: the object's referrers and their words (reverse edges are built on first use).
    public func values(in id: Int, process: Process) -> [(offset: UInt64, type: HeapType)] {
        let s = span(of: id)
        guard s.noscan, s.elemSize == 16, let dwarf = process.dwarf else {
            guard let t = type(of: id) else { return [] }
            return [(0, t)]
        }
        let lo = address(of: id), hi = lo &+ 16
        var found: [UInt64: HeapType] = [:]
        let mem = process.core.memory
        func note(_ p: UInt64, _ t: HeapType) {
            guard p >= lo, p < hi, found[p &- lo] == nil else { return }
            found[p &- lo] = t
        }
        for r in referrers(of: id) {
            guard let rt = type(of: r), let d = rt.dwarf else { continue }
            let es = dwarf.type(dwarf.resolvingTypedefs(d)).size
            guard es > 0 else { continue }
            let start = dataAddress(of: r), n = max(rt.count, 1)
            for k in 0 ..< min(n, 1 << 16) {
                TinyValueFinder(dwarf: dwarf, mem: mem, process: process).values(at: start &+ k &* es, type: d, depth: 0) { p, t in
                    note(p, t)
                }
            }
        }
        if found.isEmpty, let t = type(of: id) { return [(0, t)] }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Walks a value by its DWARF type and reports, for each pointer-like word in it, where it
/// points and what is there.
struct TinyValueFinder {
    let dwarf: DWARFFile
    let mem: AddressSpace
    let process: Process

    func values(at a: UInt64, type t: TypeID, depth: Int, _ report: (UInt64, HeapType) -> Void) {
        guard depth < 8 else { return }
        let g = dwarf.type(t)
        let r = dwarf.type(dwarf.resolvingTypedefs(t))
        func word(_ x: UInt64) -> UInt64 { (try? mem.read(UInt64.self, at: Address(x))) ?? 0 }
        func named(_ e: TypeID) -> HeapType { HeapType(name: TypeShapes.displayName(dwarf.type(e).name), dwarf: e, count: 0) }
        switch g.kind {
        case .string:
            report(word(a), HeapType(name: "string", dwarf: nil, count: 0))
        case .pointer:
            if let e = g.elem { report(word(a), named(e)) }
        case .slice:
            if let e = g.elem { report(word(a), named(e)) }
        case .interface:
            var typ = word(a)
            if r.fields.first?.name == "tab", typ != 0 { typ = word(typ &+ 8) }
            if typ != 0, let rt = process.runtimeType(at: typ), !rt.directInterface {
                let d = process.dwarfType(for: rt)
                report(word(a &+ 8), d.map(named) ?? HeapType(name: rt.name, dwarf: nil, count: 0, runtimeType: rt.address))
            }
        default:
            switch r.tag {
            case .structure:
                for f in r.fields { if let ft = f.type { values(at: a &+ f.offset, type: ft, depth: depth + 1, report) } }
            case .array:
                guard let e = r.elem, let n = r.count, n > 0, n <= 64 else { return }
                let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
                for k in 0 ..< UInt64(n) { values(at: a &+ k &* es, type: e, depth: depth + 1, report) }
            default:
                break
            }
        }
    }
}
