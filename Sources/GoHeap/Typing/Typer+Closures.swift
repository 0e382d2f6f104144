import GoCore
import GoDWARF

/// Closures: a func value points to a closure record whose first word is the code pointer and
/// whose other words are the captured variables (`struct { F uintptr; X0 T0; X1 *T1; … }`, a
/// variable captured by reference as a pointer). Go's DWARF has no type for the record, so the
/// typer makes one per function (``DWARFFile/synthesizeStruct(name:size:fields:)``), named
/// after it — `func main.handler.func1` — with the captured variables as its fields:
///
/// - Go 1.23+: the closure function's variables carry their offset in the record
///   (`DW_AT_go_closure_offset`);
/// - a method value `x.M` is `struct { F uintptr; R T }` for the wrapper `T.M-fm`;
/// - Go 1.21 and 1.22: the record's layout is one of the closure struct types the binary holds
///   runtime descriptors of, the one whose fields fit what the function's DWARF says it
///   captured and whose pointer words are the object's (see ``ClosureCatalog``).
extension Typer {
    /// A func value: `p` points to a closure record (or to a static one outside the heap).
    mutating func funcValue(_ p: UInt64, confidence c: UInt8) {
        if pending.count > 0 { applyPending() }   // in the order the offers were made
        guard p != 0, c > 0, let (id, slot, sp) = index.locate(p), p == slot &+ spanDataOffset[sp],
              states.confidence(id) < c else { return }
        let pc = word(p)
        guard let record = closureRecord(pc: pc, object: id, span: sp) else { return }
        apply(p, id, sp, record, count: nil, confidence: c)
    }

    /// The record type of the closures of the function whose code holds `pc`, made once per
    /// function (for Go before 1.23, once its layout is known from an object of it).
    mutating func closureRecord(pc: UInt64, object id: Int, span sp: Int) -> TypeID? {
        // Closures of one function share their code pointer: a direct-mapped cache by pc
        // spares the search for the function.
        let slot = Int(truncatingIfNeeded: (pc >> 4) ^ (pc >> 14)) & (closureCache.count - 1)
        if closureCache[slot].pc == pc { return closureCache[slot].type >= 0 ? TypeID(rawValue: closureCache[slot].type) : nil }
        let t = closureRecordOfFunction(pc: pc, object: id, span: sp)
        // Before Go 1.23 an inferred layout is the function's for good; the cache holds any answer.
        closureCache[slot] = (pc, t?.rawValue ?? -1)
        return t
    }

    mutating func closureRecordOfFunction(pc: UInt64, object id: Int, span sp: Int) -> TypeID? {
        guard pc >= bias, let fn = dwarf.function(containing: pc &- bias) else { return nil }
        if let known = closureRecords[fn.lowPC] { return known >= 0 ? TypeID(rawValue: known) : nil }
        guard let uintptr = dwarf.type(named: "uintptr") else { return nil }
        let name = "func " + fn.name
        var fields: [(name: String, type: TypeID, offset: UInt64)]? = nil
        let vars = dwarf.variables(of: fn)
        if fn.name.hasSuffix("-fm") {
            fields = methodValueFields(fn)
        } else if vars.contains(where: { $0.closureOffset != nil }) {
            fields = vars.compactMap { v in
                guard let off = v.closureOffset, off >= 8, let t = v.type else { return nil }
                return (v.name, t, UInt64(off))
            }.sorted { $0.offset < $1.offset }
        } else if !closureOffsets {
            // Go 1.21/1.22: inferred from the runtime's closure types (the same for every object
            // of the function); when no layout fits alone, the record names the function only.
            fields = inferClosureFields(fn, vars, object: id, span: sp)
        }
        let all = [(name: "F", type: uintptr, offset: UInt64(0))] + (fields ?? [])
        var size: UInt64 = 8
        for f in all {
            let end = f.offset &+ dwarf.type(dwarf.resolvingTypedefs(f.type)).size
            if end > size { size = end }
        }
        size = (size &+ 7) & ~7
        let t = dwarf.synthesizeStruct(name: name, size: size, fields: all)
        shapes.grow()
        closureRecords[fn.lowPC] = t.rawValue
        return t
    }

    /// A method value's record: `F` and the receiver `R`, whose type the wrapper's name gives
    /// (`pkg.T.M-fm` → `pkg.T`, `pkg.(*T).M-fm` → `*pkg.T`).
    mutating func methodValueFields(_ fn: Function) -> [(name: String, type: TypeID, offset: UInt64)]? {
        let base = String(fn.name.dropLast(3))
        guard let dot = base.lastIndex(of: ".") else { return nil }
        let receiver = String(base[..<dot])
        var typeName = receiver
        if let star = receiver.firstRange(of: ".(*"), receiver.hasSuffix(")") {
            typeName = "*" + receiver[..<star.lowerBound] + "." + receiver[star.upperBound ..< receiver.index(before: receiver.endIndex)]
        }
        guard let t = type(named: typeName) else { return nil }
        return [("R", t, 8)]
    }

    /// Go 1.21/1.22: the captured variables of `fn` laid out as the one closure struct type of
    /// the binary that fits them and the object's pointer words.
    mutating func inferClosureFields(_ fn: Function, _ vars: [Variable], object id: Int,
                                     span sp: Int) -> [(name: String, type: TypeID, offset: UInt64)]? {
        // What DWARF says the function captured: its non-parameter variables declared on the
        // closure's own line ("x" by value, "&x" by reference); some may be missing (optimised).
        let captured = vars.filter { !$0.isParameter && !$0.isResult && $0.declLine != nil && $0.declLine == fn.declLine }
        guard let mask = pointerBits.objectMask(spans[sp], address: index.address(of: id), size: spans[sp].elemSize, mem: mem,
                                                types: runtimeTypes, greenTea: greenTea) else { return nil }
        if closureCatalog == nil {
            closureCatalog = ClosureCatalog(dwarf: dwarf, mem: mem, runtimeTypes: runtimeTypes, typesBase: typesBase)
        }
        let sizes = sizeClasses
        return closureCatalog?.layout(captured: captured, slotSize: spans[sp].elemSize, mask: mask, sizeClasses: sizes)
    }

    /// Closures held by finalizers and cleanups, typed as closure records; a Go 1.26+ cleanup's
    /// boxed argument has the type of the function's first parameter.
    mutating func seedClosures(_ closures: [(fn: UInt64, argument: UInt64)]) {
        for (fn, arg) in closures {
            let pc = word(fn)
            guard pc != 0, pc >= bias, let f = dwarf.function(containing: pc &- bias) else { continue }
            funcValue(fn, confidence: TypeAssignments.globalTrust)
            let vars = dwarf.variables(of: f)
            let params = vars.filter { $0.isParameter && !$0.isResult }.compactMap(\.type)
            if arg != 0, let s = params.first { assign(arg, s, count: 1, confidence: TypeAssignments.globalTrust) }
            // Go 1.24–1.25 wrap a cleanup as func() { cleanup(arg) }: the wrapper's captured `arg`
            // has a shape type, but the captured `cleanup` function's parameter has the real one.
            // Either may be captured by reference ("&cleanup", "&arg"): a pointer to the escaped variable.
            let direct = vars.first(where: { $0.name == "cleanup" })?.closureOffset.map { word(fn &+ UInt64($0)) }
            let byRef = vars.first(where: { $0.name == "&cleanup" })?.closureOffset.map { word(word(fn &+ UInt64($0))) }
            if f.name.hasPrefix("runtime.AddCleanup["), let userFn = direct ?? byRef, word(userFn) >= bias,
               let user = dwarf.function(containing: word(userFn) &- bias),
               let real = dwarf.variables(of: user).first(where: { $0.isParameter && !$0.isResult })?.type {
                if let av = vars.first(where: { $0.name == "arg" })?.closureOffset {
                    visit(fn &+ UInt64(av), real, TypeAssignments.globalTrust, depth: 0)
                } else if let av = vars.first(where: { $0.name == "&arg" })?.closureOffset {
                    assign(word(fn &+ UInt64(av)), real, count: 1, confidence: TypeAssignments.globalTrust)
                }
            }
        }
    }
}
