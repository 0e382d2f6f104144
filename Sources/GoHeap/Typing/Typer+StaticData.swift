import GoDWARF

/// Values outside the heap that typed values point to, walked in place, each (address, type)
/// once: in the executable's data and bss, the arrays and structs of statically initialised
/// composite literals (`var handlers = []*Handler{…}` keeps its array there, under a local
/// symbol DWARF does not describe); on goroutine stacks, values the compiler kept there (a map
/// that does not escape has its header on the stack, its buckets on the heap).
extension Typer {
    /// Whether `p` lies in the data or bss of the executable or on a goroutine's stack.
    @inline(__always) func inStaticData(_ p: UInt64) -> Bool {
        var lo = 0, hi = staticRanges.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if staticRanges[mid].start <= p { lo = mid &+ 1 } else { hi = mid }
        }
        return lo > 0 && p < staticRanges[lo &- 1].end
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

    /// Adds the stacks of the goroutines that are not dead to the walkable ranges.
    mutating func addStackRanges(_ goroutines: [Goroutine]) {
        var r = staticRanges
        for g in goroutines where g.status != .dead && g.status != .deadExtra && g.stackHi > g.stackLo && g.stackHi &- g.stackLo < 1 << 32 {
            r.append((g.stackLo, g.stackHi))
        }
        r.sort { $0.start < $1.start }
        var merged: [(start: UInt64, end: UInt64)] = []
        for x in r {
            if let last = merged.last, x.start < last.end { merged[merged.count - 1].end = max(last.end, x.end) } else { merged.append(x) }
        }
        staticRanges = merged
    }
}
