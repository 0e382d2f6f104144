import GoDWARF

/// Names a data/bss address by the DWARF global that holds it, with a field path:
/// "main.cfg.Cache", "main.table[3]", "main.s.data".
struct GlobalNamer {
    let dwarf: DWARFFile
    let bias: UInt64
    /// Globals sorted by runtime address.
    private let sorted: [(address: UInt64, size: UInt64, index: Int)]

    init(dwarf: DWARFFile, bias: UInt64) {
        self.dwarf = dwarf
        self.bias = bias
        sorted = dwarf.globals.enumerated().map { (i, g) in
            (g.address &+ bias, g.type.map { dwarf.type(dwarf.resolvingTypedefs($0)).size } ?? 0, i)
        }.sorted { $0.address < $1.address }
    }

    /// The global holding `address` and the field path to it inside the global ("main.cfg",
    /// ".Cache"), or "global 0x…" with no path when no DWARF global covers the address.
    func name(of address: UInt64) -> (name: String, field: String) {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return ("global " + address.hex, "") }
        let g = sorted[lo - 1]
        let v = dwarf.globals[g.index]
        guard address < g.address &+ max(g.size, 8) else { return ("global " + address.hex, "") }
        let off = address &- g.address
        return (v.name, v.type.map { path(in: $0, offset: off, depth: 0) } ?? "")
    }

    /// The field path to the word at `offset` inside a value of `type`.
    func path(in type: TypeID, offset: UInt64, depth: Int) -> String {
        FieldNamer(dwarf: dwarf).path(in: type, offset: offset, depth: depth)
    }
}
