import GoDWARF

/// Values in the executable's data and bss that typed values point to: the arrays and structs
/// of statically initialised composite literals (`var handlers = []*Handler{…}` keeps its
/// array there, under a local symbol DWARF does not describe). They are walked in place like
/// globals, each (address, type) once.
extension Typer {
    /// Whether `p` lies in the data or bss of the executable.
    @inline(__always) func inStaticData(_ p: UInt64) -> Bool {
        for r in staticRanges where p >= r.start && p < r.end { return true }
        return false
    }

    /// `n` values of type `t` at `p` in data or bss.
    mutating func staticValue(_ p: UInt64, _ t: TypeID, count n: UInt64, confidence c: UInt8) {
        guard staticDepth < 32, inStaticData(p), shapes.shape(of: t) != .none else { return }
        let es = shapes.size(of: t)
        guard es > 0 else { return }
        let key = p ^ (UInt64(UInt32(bitPattern: t.rawValue)) &* 0x9E37_79B9_7F4A_7C15)
        guard staticSeen.insert(key).inserted else { return }
        staticDepth += 1
        defer { staticDepth -= 1 }
        var k: UInt64 = 0
        while k < n, k < 1 << 16 {
            let a = p &+ k &* es
            guard inStaticData(a) else { break }
            visit(a, t, c, depth: 0)
            k += 1
        }
    }
}
