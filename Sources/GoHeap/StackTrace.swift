import GoCore
import GoDWARF

/// One logical frame of a goroutine's stack, as Go's tracebacks show it (inlined calls are frames).
public struct StackFrame: Sendable {
    public let function: String
    public let file: String?
    public let line: Int
    /// The physical frame's pc (for an inlined frame, the pc of the function it was inlined into).
    public let pc: UInt64
    public let sp: UInt64
    /// Bytes of the physical frame (fp − sp).
    public let frameSize: UInt64
    public let inlined: Bool

    /// The function's name as Go's own traceback prints it: the type arguments of a generic
    /// function (from the first `[` to the last `]`) shown as `[...]`
    /// (`funcNamePiecesForPrint` in runtime/traceback.go).
    public var printedFunction: String {
        guard let i = function.firstIndex(of: "["), let j = function.lastIndex(of: "]"), i < j else { return function }
        return String(function[..<i]) + "[...]" + String(function[function.index(after: j)...])
    }
}

extension Process {
    /// The thread running a goroutine, if any (its `m.procid`).
    public func thread(of g: Goroutine) -> Thread? {
        Unwinder.threadFinder(core: core, m: dwarf.flatMap { try? StructLayout($0, "runtime.m") })(g)
    }

    /// The logical frames of a goroutine, innermost first, through signal frames for a goroutine
    /// that crashed: function, file:line (looked up one byte back, as Go's traceback does, except
    /// where a signal stopped the code), inlined calls expanded from the pclntab's inlining tree.
    public func stackFrames(of g: Goroutine, limit: Int = 1000) -> [StackFrame] {
        guard let tab = try? core.pclntab.get() else { return [] }
        let unwinder = Unwinder(core: core, tab: tab)
        let (physical, fromThread) = unwinder.frames(of: g, threadOf: { self.thread(of: $0) })
        var out: [StackFrame] = []
        for (i, f) in physical.enumerated() where out.count < limit {
            if f.function.hasPrefix("runtime.sigreturn") { continue }
            let pc = Unwinder.lookupPC(physical, i, fromThread: fromThread) &- core.loadBias
            guard let fn = tab.function(containing: pc) else { continue }
            let logical = tab.frames(fn, pc: pc)
            for (j, l) in logical.enumerated() {
                out.append(StackFrame(function: l.name, file: l.file, line: l.line, pc: f.pc, sp: f.sp,
                                      frameSize: f.fp &- f.sp, inlined: j < logical.count - 1))
            }
        }
        return out
    }
}

/// A parameter or local variable of a goroutine frame.
public struct FrameVariable: Sendable {
    public let name: String
    public let isParameter: Bool
    /// The value in the frame (nil when DWARF places it in a register or nowhere at this pc).
    public let value: Value?
    /// For variables holding pointers: whether the frame's stack map marks a pointer word of it
    /// live at this pc. Nil for pointer-free variables (stack maps say nothing of them).
    public let live: Bool?
}

/// The variables of one physical frame.
public struct FrameVariables: Sendable {
    public let function: String
    public let pc: UInt64
    public let sp: UInt64
    public let variables: [FrameVariable]
}

extension Process {
    /// The parameters and locals of each frame of a goroutine, innermost first, with their DWARF
    /// types and values where DWARF puts them in the frame, and their stack-map liveness.
    public func frameVariables(of g: Goroutine) -> [FrameVariables] {
        guard let dwarf, let tab = try? core.pclntab.get() else { return [] }
        let unwinder = Unwinder(core: core, tab: tab)
        let (frames, fromThread) = unwinder.frames(of: g, threadOf: { self.thread(of: $0) })
        let rodata = core.executable.sections.first { $0.name == ".rodata" }.map { $0.address &+ core.loadBias } ?? 0
        let maps = StackMaps(core: core, tab: tab, rodata: rodata)
        var out: [FrameVariables] = []
        for i in frames.indices {
            let f = frames[i]
            if f.function.hasPrefix("runtime.sigreturn") { continue }
            let lookup = Unwinder.lookupPC(frames, i, fromThread: fromThread) &- core.loadBias
            guard let fn = dwarf.function(containing: lookup) else {
                out.append(FrameVariables(function: f.function, pc: f.pc, sp: f.sp, variables: []))
                continue
            }
            var live = Set<UInt64>()
            maps.forEachLiveSlot(f) { live.insert($0) }
            var vars: [FrameVariable] = []
            for v in dwarf.variables(of: fn) where v.isInScope(at: lookup) {
                guard let t = v.type else { continue }
                var value: Value?
                var isLive: Bool?
                if let off = Process.frameOffset(v.location.at(pc: lookup)) {
                    let a = UInt64(bitPattern: Int64(bitPattern: f.fp) &+ off)
                    value = Value(process: self, address: Address(a), type: t)
                    let size = dwarf.type(dwarf.resolvingTypedefs(t)).size
                    if let rt = value, hasPointers(rt) {
                        var w = a & ~7
                        var found = false
                        while w < a &+ size { if live.contains(w) { found = true; break }; w &+= 8 }
                        isLive = found
                    }
                }
                // "&x": x was moved to the heap and the frame holds its address.
                if v.name.hasPrefix("&"), let ref = value, let target = try? ref.dereferenced() {
                    vars.append(FrameVariable(name: String(v.name.dropFirst()), isParameter: v.isParameter, value: target, live: isLive))
                    continue
                }
                vars.append(FrameVariable(name: v.name, isParameter: v.isParameter, value: value, live: isLive))
            }
            out.append(FrameVariables(function: f.function, pc: f.pc, sp: f.sp, variables: vars))
        }
        return out
    }

    /// The CFA offset of a variable held whole in the frame: one frame slot, or pieces in
    /// consecutive frame slots; nil when any part is in a register or optimized out.
    static func frameOffset(_ location: Location?) -> Int64? {
        switch location {
        case .frameOffset(let off)?:
            return off
        case .pieces(let pieces)?:
            guard case .frameOffset(let first)? = pieces.first?.location else { return nil }
            var expected = first
            for p in pieces {
                guard case .frameOffset(let o)? = p.location, o == expected else { return nil }
                expected = o &+ Int64(p.size)
            }
            return first
        default:
            return nil
        }
    }

    /// Whether values of a Value's type can hold pointers.
    fileprivate func hasPointers(_ v: Value) -> Bool {
        switch v.kind {
        case .pointer, .unsafePointer, .slice, .string, .interface, .map, .chan, .func: return true
        case .struct: return ((try? v.fields()) ?? []).contains { hasPointers($0.value) }
        case .array: return ((try? v.len()) ?? 0) > 0 && ((try? v.index(0)).map { hasPointers($0) } ?? false)
        default: return false
        }
    }

    /// The profiler labels of a goroutine (`runtime/pprof` labels: a map in Go 1.21–1.23, a
    /// list of key/value pairs from 1.24), in the runtime's order; empty when it has none.
    public func labels(of g: Goroutine) -> [(key: String, value: String)] {
        guard g.labels != 0, let dwarf, let t = dwarf.type(named: "runtime/pprof.labelMap") else { return [] }
        let v = Value(process: self, address: Address(g.labels), type: t)
        if v.kind == .map {
            // labelMap is map[string]string: g.labels points to the map variable's value, the map pointer.
            guard let entries = try? v.mapEntries(limit: 4096) else { return [] }
            return entries.compactMap { e in (try? e.key.string(limit: 4096)).flatMap { k in (try? e.value.string(limit: 4096)).map { (k, $0) } } }
        }
        // A struct that somewhere holds a slice of {key, value string} pairs.
        var queue = [v]
        var steps = 0
        while !queue.isEmpty, steps < 64 {
            steps += 1
            let cur = queue.removeFirst()
            if cur.kind == .slice, let n = try? cur.len(), n < 4096 {
                var out: [(String, String)] = []
                for i in 0..<n {
                    guard let e = try? cur.index(i), let fs = try? e.fields(), fs.count == 2,
                          let k = try? fs[0].value.string(limit: 4096), let val = try? fs[1].value.string(limit: 4096) else { return out }
                    out.append((k, val))
                }
                return out
            }
            if cur.kind == .struct, let fs = try? cur.fields() { queue += fs.map(\.value) }
        }
        return []
    }
}

extension Process {
    /// The latest runtime-clock (nanotime) reading the core holds: the last network poll
    /// (`sched.lastpoll`), the end of the last GC (`work.tEnd`, `memstats.last_gc_nanotime`).
    /// A lower bound of the runtime clock at the crash; nil when none can be read.
    public func runtimeClock() -> Int64? {
        guard let dwarf else { return nil }
        var best: Int64?
        func consider(_ global: String, _ type: String, _ field: String) {
            guard let a = globalAddress(global), let l = try? StructLayout(dwarf, type), let off = try? l.offset(field),
                  let v = try? core.memory.read(Int64.self, at: Address(a.rawValue &+ off)), v > 0 else { return }
            best = max(best ?? v, v)
        }
        consider("runtime.sched", "runtime.schedt", "lastpoll")
        consider("runtime.work", "runtime.workType", "tEnd")
        consider("runtime.memstats", "runtime.mstats", "last_gc_nanotime")
        return best
    }

    /// How long a goroutine has been blocked, as Go's traceback computes it (runtime clock now −
    /// `waitsince`, which the runtime records at the first GC after the goroutine blocked), with
    /// `runtimeClock()` standing for "now": a lower bound. Nil when the runtime recorded no time.
    public func waitDuration(of g: Goroutine) -> Int64? {
        guard g.waitSince > 0, let now = runtimeClock(), now >= g.waitSince else { return nil }
        return now - g.waitSince
    }
}
