import GoDWARF

/// Closures: a func value points to a closure record whose first word is the code pointer and
/// whose other words are the captured variables.
extension Typer {
    /// A closure object: its function's DWARF describes the captured variables and their offsets
    /// (`DW_AT_go_closure_offset`, Go 1.23+). Older DWARF lists the captured variables without
    /// offsets, as the first non-parameter variables, declared at the closure's own line: they
    /// are laid out after the function word in that order, each aligned to its size (a guess
    /// that must fit the object, else nothing is typed).
    mutating func closure(_ id: Int, _ c: UInt8) {
        let start = dataStart(id)
        let pc = word(start)
        guard pc != 0, let fn = dwarf.function(containing: pc &- bias) else { return }
        let size = dataSize(id)
        let vars = dwarf.variables(of: fn)
        var captured: [(UInt64, TypeID)] = vars.compactMap { v in
            guard let off = v.closureOffset, off >= 8, let t = v.type else { return nil }
            return (UInt64(off), t)
        }
        if captured.isEmpty, let line = fn.declLine {
            var off: UInt64 = 8
            for v in vars where !v.isParameter && !v.isResult {
                guard let t = v.type, let decl = v.declLine, decl == line else { break }
                let sz = dwarf.type(dwarf.resolvingTypedefs(t)).size
                let align: UInt64 = sz >= 8 ? 8 : (sz >= 4 ? 4 : (sz >= 2 ? 2 : 1))
                off = (off &+ align &- 1) & ~(align &- 1)
                captured.append((off, t))
                off &+= max(sz, 1)
            }
            if off > size { captured = [] }   // the guess does not fit: type nothing
        }
        for (off, t) in captured where off < size && shapes.hasPointers(t) {
            visit(start &+ off, t, c, depth: 0)
        }
    }

    /// Closures held by finalizers and cleanups: typed by their function's signature, which DWARF
    /// gives as the function's parameters; a Go 1.26+ cleanup's boxed argument has the type of
    /// the function's first parameter.
    mutating func seedClosures(_ closures: [(fn: UInt64, argument: UInt64)]) {
        for (fn, arg) in closures {
            let pc = word(fn)
            guard pc != 0, let f = dwarf.function(containing: pc &- bias) else { continue }
            let vars = dwarf.variables(of: f)
            let params = vars.filter { $0.isParameter && !$0.isResult }.compactMap(\.type)
            let results = vars.filter(\.isResult).compactMap(\.type)
            var name = "func(" + params.map { dwarf.type($0).name }.joined(separator: ", ") + ")"
            if results.count == 1 { name += " " + dwarf.type(results[0]).name }
            if results.count > 1 { name += " (" + results.map { dwarf.type($0).name }.joined(separator: ", ") + ")" }
            if let t = dwarf.type(named: name) { assign(fn, t, count: 1, confidence: TypeAssignments.globalTrust, name: name) }
            if arg != 0, let s = params.first { assign(arg, s, count: 1, confidence: TypeAssignments.globalTrust) }
            // Go 1.24–1.25 wrap a cleanup as func() { cleanup(arg) }: the wrapper's captured `arg`
            // has a shape type, but the captured `cleanup` function's parameter has the real one.
            // Either may be captured by reference ("&cleanup", "&arg"): a pointer to the escaped variable.
            let direct = vars.first(where: { $0.name == "cleanup" })?.closureOffset.map { word(fn &+ UInt64($0)) }
            let byRef = vars.first(where: { $0.name == "&cleanup" })?.closureOffset.map { word(word(fn &+ UInt64($0))) }
            if f.name.hasPrefix("runtime.AddCleanup["), let userFn = direct ?? byRef,
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
