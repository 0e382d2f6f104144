import GoCore
import GoDWARF

/// Where typing starts: the types the heap itself stores (allocation headers, `largeType`), the
/// DWARF types of globals, of finalizer and cleanup functions and of stack frames, and the
/// `sync.Pool` records of globals DWARF does not describe.
extension Typer {
    /// Objects whose runtime type the heap stores: allocation headers and largeType (Go 1.22+).
    mutating func seedRuntimeTypes() {
        guard headers else { return }
        for hs in heapSpans {
            let s = spans[Int(hs)]
            if s.noscan || s.objectCount == 0 { continue }
            if s.isLarge {
                if s.largeType != 0 { seedRuntime(Int(s.firstObject), typeAddress: s.largeType, s) }
            } else if s.elemSize > 512 {
                for id in Int(s.firstObject) ..< Int(s.firstObject + s.objectCount) {
                    if let t = try? mem.read(UInt64.self, at: Address(index.address(of: id))), t != 0 { seedRuntime(id, typeAddress: t, s) }
                }
            }
        }
    }

    mutating func seedRuntime(_ id: Int, typeAddress: UInt64, _ s: Span) {
        guard let rt = runtimeTypes.type(at: typeAddress), rt.size > 0 else { return }
        let size = dataSize(id)
        let n = max(1, size / rt.size)
        let start = dataStart(id)
        let d = dwarfType(rt)
        // The header stores the element type; the slot holds as many elements as fit (the
        // requested length is not recorded for small objects; a slice's cap refines it later).
        let count: UInt64 = rt.size &* 2 > size ? 1 : n
        assign(start, d, count: count, confidence: TypeAssignments.runtimeTrust, name: d == nil ? rt.name : nil, array: count > 1,
               guessedCount: !s.isLarge && count > 1, runtimeType: d == nil ? rt.address : 0)
    }

    /// Every DWARF global is a typed root.
    mutating func seedGlobals() {
        for g in dwarf.globals {
            guard let t = g.type, shapes.hasPointers(t) else { continue }
            visit(g.address &+ bias, t, TypeAssignments.globalTrust, depth: 0)
        }
    }

    /// Types the values of each frame's parameters and locals from DWARF, at CFA-relative slots.
    mutating func seedStacks(_ goroutines: [Goroutine], threadOf: (Goroutine) -> Thread?) {
        guard let tab = try? core.pclntab.get() else { return }
        let unwinder = Unwinder(core: core, tab: tab)
        for g in goroutines where g.status != .dead && g.status != .deadExtra && g.status != .idle {
            let (frames, fromThread) = unwinder.frames(of: g, threadOf: threadOf)
            for i in frames.indices {
                let f = frames[i]
                let lookup = Unwinder.lookupPC(frames, i, fromThread: fromThread) &- bias
                guard let fn = dwarf.function(containing: lookup) else { continue }
                for v in dwarf.variables(of: fn) {
                    guard let t = v.type, v.isInScope(at: lookup), shapes.hasPointers(t), let loc = v.location.at(pc: lookup) else { continue }
                    func slot(_ off: Int64) -> UInt64? {
                        let a = UInt64(bitPattern: Int64(bitPattern: f.fp) &+ off)
                        return a >= f.sp && a < g.stackHi ? a : nil
                    }
                    switch loc {
                    case .frameOffset(let off):
                        if let a = slot(off) { visit(a, t, TypeAssignments.stackTrust, depth: 0) }
                    case .pieces(let pieces):
                        // A value split across registers and stack slots (a slice's pointer
                        // spilled, its length in a register): the words that are in memory.
                        var words: [UInt64: UInt64] = [:]
                        var at: UInt64 = 0
                        for p in pieces {
                            if p.size == 8, case .frameOffset(let off)? = p.location, let a = slot(off) { words[at] = word(a) }
                            at &+= p.size
                        }
                        stackPieces(t, words, TypeAssignments.stackTrust)
                    default:
                        break
                    }
                }
            }
        }
    }

    /// Objects being allocated when the core was taken: a goroutine inside the allocator
    /// (`runtime.mallocgc` and its helpers, all `(size, typ, needzero)`) holds the new object in
    /// a frame at or below the allocator's, before anything else points to it; the allocator's
    /// own `typ` says what it is (`[size/typ.size]typ`), and for `typ == nil` the caller does
    /// (`rawstring`: string bytes; `rawbyteslice`: bytes).
    mutating func seedAllocations(_ goroutines: [Goroutine], threadOf: (Goroutine) -> Thread?) {
        applyPending()
        guard let tab = try? core.pclntab.get() else { return }
        let unwinder = Unwinder(core: core, tab: tab)
        for g in goroutines where g.status != .dead && g.status != .deadExtra && g.status != .idle {
            let (frames, fromThread) = unwinder.frames(of: g, threadOf: threadOf)
            guard let k = frames.firstIndex(where: { $0.function.hasPrefix("runtime.mallocgc") }) else { continue }
            let f = frames[k]
            let lookup = Unwinder.lookupPC(frames, k, fromThread: fromThread) &- bias
            guard let fn = dwarf.function(containing: lookup) else { continue }
            var typ: UInt64?, size: UInt64?
            for v in dwarf.variables(of: fn) where v.isParameter && (v.name == "typ" || v.name == "size") {
                guard case .frameOffset(let off)? = v.location.at(pc: lookup) else { continue }
                let a = UInt64(bitPattern: Int64(bitPattern: f.fp) &+ off)
                guard a >= f.sp, a < g.stackHi else { continue }
                if v.name == "typ" { typ = word(a) } else { size = word(a) }
            }
            guard var typ else { continue }
            let caller = k + 1 < frames.count ? frames[k + 1].function : ""
            // growslice allocates pointer-free elements with no type: its `et` says what they are,
            // and so does the array it grows (`oldPtr`), whose elements it copies.
            var grownFrom: Int32 = -1
            if typ == 0, caller == "runtime.growslice" {
                if let et = frameParameter("et", frames, k + 1, fromThread, g) {
                    typ = et
                } else {
                    // `oldPtr`, where DWARF says, else in its spill slot: the first word of the
                    // argument area (register arguments are spilled to the caller's frame).
                    let old = frameParameter("oldPtr", frames, k + 1, fromThread, g) ?? word(frames[k + 1].fp)
                    if let (oid, slot, osp) = index.locate(old), old == slot &+ spanDataOffset[osp], states.countOf.indices.contains(Int(states.type(oid))),
                       states.countOf[Int(states.type(oid))] > 0 {
                        grownFrom = states.type(oid)
                    }
                }
            }
            // The new object: a word of the allocator's frame or of one below it pointing at the
            // start of an untyped object at least `size` bytes long.
            var a = frames[0].sp
            let end = f.fp
            var steps = 0
            while a < end, end &- a >= 8, steps < 1 << 16 {
                steps += 1
                let v = word(a)
                a &+= 8
                guard let (id, slot, sp) = index.locate(v), v == slot &+ spanDataOffset[sp], states.type(id) < 0,
                      spanDataSize[sp] >= (size ?? 1) else { continue }
                if typ != 0, let rt = runtimeTypes.type(at: typ), rt.size > 0 {
                    let n = max(1, (size ?? rt.size) / rt.size)
                    if let d = dwarfType(rt) {
                        apply(v, id, sp, d, count: n, confidence: TypeAssignments.stackTrust, array: n > 1, guessedCount: true)
                    } else {
                        assign(v, nil, count: n, confidence: TypeAssignments.stackTrust, name: rt.name, array: n > 1, runtimeType: rt.address)
                    }
                } else if grownFrom >= 0, states.dwarfOf[Int(grownFrom)] >= 0 {
                    let e = TypeID(rawValue: states.dwarfOf[Int(grownFrom)])
                    let es = shapes.size(of: e)
                    if es > 0 { apply(v, id, sp, e, count: (size ?? es) / es, confidence: TypeAssignments.stackTrust, array: true, guessedCount: true) }
                } else if typ == 0, caller.hasPrefix("runtime.rawstring") {
                    applyString(v, id, sp, len: size ?? 1, confidence: TypeAssignments.stackTrust)
                } else if typ == 0, caller.hasPrefix("runtime.rawbyteslice"), let u8 = dwarf.type(named: "uint8") {
                    apply(v, id, sp, u8, count: size ?? 1, confidence: TypeAssignments.stackTrust, array: true, guessedCount: true)
                }
                break
            }
        }
    }

    /// The value of a parameter of frame `i` kept in a stack slot at the frame's pc, or nil.
    mutating func frameParameter(_ name: String, _ frames: [Frame], _ i: Int, _ fromThread: Bool, _ g: Goroutine) -> UInt64? {
        let f = frames[i]
        let lookup = Unwinder.lookupPC(frames, i, fromThread: fromThread) &- bias
        guard let fn = dwarf.function(containing: lookup),
              let v = dwarf.variables(of: fn).first(where: { $0.isParameter && $0.name == name }),
              case .frameOffset(let off)? = v.location.at(pc: lookup) else { return nil }
        let a = UInt64(bitPattern: Int64(bitPattern: f.fp) &+ off)
        guard a >= f.sp, a < g.stackHi else { return nil }
        return word(a)
    }

    /// Data words no DWARF global describes (the linker kept the variable, not its DWARF) that have
    /// the shape of a `sync.Pool`'s `local`/`victim` field: the next word is a count n and the
    /// untyped object they point to holds exactly n `sync.poolLocal` records.
    mutating func seedUnnamedPools(_ slots: [UInt64]) {
        guard let local = dwarf.type(named: "sync.poolLocal") else { return }
        let size = shapes.size(of: local)
        guard size > 0 else { return }
        for slot in slots {
            let p = word(slot), n = word(slot &+ 8)
            guard n > 0, n < 1 << 12, let id = object(p), states.type(id) < 0, p == dataStart(id) else { continue }
            let have = dataSize(id)
            if n &* size <= have, (n &+ 1) &* size > have {
                assign(p, local, count: n, confidence: TypeAssignments.stackTrust, array: true)
            }
        }
    }

    /// Offers what a pointer, slice or string split into pieces points to, from the words of it
    /// that are in memory (`words`: byte offset → word); a slice whose capacity is not there gets
    /// its count guessed from the object.
    mutating func stackPieces(_ t: TypeID, _ words: [UInt64: UInt64], _ c: UInt8) {
        if pending.count > 0 { applyPending() }   // in the order the offers were made
        guard let p = words[0], p != 0 else { return }
        let i = shapes.ensure(t)
        switch shapes.shape[i] {
        case .pointer:
            offerPointer(p, TypeID(rawValue: shapes.elem[i]), confidence: c > 1 ? c - 1 : 1)
        case .slice:
            let e = TypeID(rawValue: shapes.elem[i])
            if let cap = words[16], cap > 0, cap < 1 << 40 {
                offerArray(p, e, count: cap, confidence: c)
            } else if let (id, slot, sp) = index.locate(p), p == slot &+ spanDataOffset[sp] {
                let es = shapes.size(of: e)
                if es > 0 { apply(p, id, sp, e, count: spanDataSize[sp] / es, confidence: c, array: true, guessedCount: true) }
            }
        case .string:
            offerString(p, len: max(words[8] ?? 1, 1), confidence: c)
        case .pointerShaped:
            pointerShaped(p, i, c)
        default:
            break
        }
    }
}
