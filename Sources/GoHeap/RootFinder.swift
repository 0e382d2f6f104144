import GoCore
import GoDWARF

/// Finds the GC's roots: data and bss words the runtime's masks mark as pointers, goroutine
/// stacks, finalizers, cleanups, weak handles and queued finalizers.
struct RootFinder {
    let process: Process
    let dwarf: DWARFFile
    let layouts: RuntimeLayouts
    let spans: [Span]
    let heapSpans: [Int32]
    let index: ObjectIndex
    var roots: [Root] = []
    /// Objects with a finalizer: what each points to is a root, found once the pointer graph is
    /// known (`roots(edgeStart:edgeTargets:)`); `at` is where in `roots` those roots go.
    var finalized: [(at: Int, name: String, object: Int32)] = []
    var warnings: [Warning] = []
    /// Functions (closures) held by finalizer and cleanup records, with the boxed argument of a
    /// Go 1.26+ cleanup: the typer names them from DWARF.
    var closures: [(fn: UInt64, argument: UInt64)] = []
    let goroutines: [Goroutine]
    let threadOf: (Goroutine) -> Thread?
    let namer: GlobalNamer

    init(process: Process, dwarf: DWARFFile, layouts: RuntimeLayouts, spans: [Span], heapSpans: [Int32],
         index: ObjectIndex, goroutines: [Goroutine],
         threadOf: @escaping (Goroutine) -> Thread?) {
        self.goroutines = goroutines
        self.threadOf = threadOf
        self.process = process
        self.dwarf = dwarf
        self.layouts = layouts
        self.spans = spans
        self.heapSpans = heapSpans
        self.index = index
        self.namer = GlobalNamer(dwarf: dwarf, bias: process.core.loadBias)
    }

    var mem: AddressSpace { process.core.memory }

    func object(_ v: UInt64) -> Int32? {
        index.object(containing: v).map { Int32($0) }
    }

    /// Every root, with what the finalized objects point to, in the order they were found.
    func roots(edgeStart: [UInt32], edgeTargets: [Int32]) -> [Root] {
        guard !finalized.isEmpty else { return roots }
        var out: [Root] = []
        var next = 0
        for f in finalized {
            while next < min(f.at, roots.count) { out.append(roots[next]); next += 1 }
            let o = Int(f.object)
            guard o >= 0, o + 1 < edgeStart.count else { continue }
            for e in Int(edgeStart[o]) ..< min(Int(edgeStart[o + 1]), edgeTargets.count) {
                out.append(Root(kind: .finalizer, name: f.name, slot: 0, object: edgeTargets[e], function: nil, goroutine: nil))
            }
        }
        while next < roots.count { out.append(roots[next]); next += 1 }
        return out
    }

    mutating func findAll(mheap: Address) {
        dataAndBSS()
        stacks()
        specials()
        finalizerQueue()
        tinyBlocks()
    }

    /// Each P's active tiny-allocation block (`mcache.tiny`): the GC greys these at mark
    /// termination (`gcMarkTinyAllocs`), so they survive though nothing points to their start.
    mutating func tinyBlocks() {
        guard let allp = process.globalAddress("runtime.allp"),
              let pl = try? StructLayout(dwarf, "runtime.p"), let mcOff = try? pl.offset("mcache"),
              let tinyOff = try? StructLayout(dwarf, "runtime.mcache").offset("tiny"),
              let array = try? mem.readPointer(at: allp), let n = try? mem.read(UInt64.self, at: Address(allp.rawValue &+ 8)),
              n < 1 << 16 else { return }
        for i in 0..<n {
            guard let p = try? mem.read(UInt64.self, at: Address(array.rawValue &+ i &* 8)), p != 0,
                  let mc = try? mem.read(UInt64.self, at: Address(p &+ mcOff)), mc != 0,
                  let tiny = try? mem.read(UInt64.self, at: Address(mc &+ tinyOff)), let o = object(tiny) else { continue }
            roots.append(Root(kind: .other, name: "tiny block of P\(i)", slot: mc &+ tinyOff, object: o, function: nil, goroutine: nil))
        }
    }

    mutating func warn(_ s: String) { warnings.append(Warning(s)) }

    // MARK: data and bss

    /// Words of data/bss whose bit is set in `moduledata.gcdatamask`/`gcbssmask`.
    mutating func dataAndBSS() {
        guard var md = process.globalAddress("runtime.firstmoduledata") else { warn("no runtime.firstmoduledata: global roots unknown"); return }
        let l = layouts.moduledata
        guard let data = try? l.offset("data"), let bss = try? l.offset("bss"),
              let dmask = try? l.offset("gcdatamask"), let bmask = try? l.offset("gcbssmask"),
              let next = try? l.offset("next") else { warn("runtime.moduledata lacks data/bss masks"); return }
        for _ in 0..<64 {
            for (startOff, maskOff) in [(data, dmask), (bss, bmask)] {
                guard let start = try? mem.read(UInt64.self, at: Address(md.rawValue &+ startOff)),
                      let n = try? mem.read(UInt32.self, at: Address(md.rawValue &+ maskOff)),
                      let bytes = try? mem.readPointer(at: Address(md.rawValue &+ maskOff &+ 8)),
                      n < 1 << 30, let mask = try? mem.readBytes(at: bytes, count: UInt64((n + 7) / 8)),
                      let words = try? mem.readBytes(at: Address(start), count: UInt64(n) &* 8) else {
                    warn("cannot read a data/bss pointer mask of module at \(md)")
                    continue
                }
                words.withUnsafeBytes { raw in
                    for k in 0..<Int(n) where (mask[k >> 3] >> UInt8(k & 7)) & 1 == 1 {
                        let v = raw.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self)
                        guard let o = object(v) else { continue }
                        let slot = start &+ UInt64(k) &* 8
                        let n = namer.name(of: slot)
                        var root = Root(kind: .global, name: n.name, slot: slot, object: o, function: nil, goroutine: nil)
                        root.field = n.field
                        roots.append(root)
                    }
                }
            }
            guard let n = try? mem.readPointer(at: Address(md.rawValue &+ next)), !n.isNull else { break }
            md = n
        }
    }

    // MARK: stacks

    /// Goroutine stacks: each frame's live pointer slots from Go's stack maps; a goroutine
    /// without frames (no saved state and no thread) is scanned conservatively from its stack's
    /// bottom. A root is named by the DWARF variable that holds the slot, where there is one.
    mutating func stacks() {
        guard let tab = try? process.core.pclntab.get() else { warn("no pclntab: stack roots unknown"); return }
        let rodata = process.core.executable.sections.first { $0.name == ".rodata" }.map { $0.address &+ process.core.loadBias } ?? 0
        let maps = StackMaps(core: process.core, tab: tab, rodata: rodata)
        let unwinder = Unwinder(core: process.core, tab: tab)
        for g in goroutines where g.status != .dead && g.status != .idle && g.status != .deadExtra {
            guard g.stackHi > g.stackLo, g.stackHi &- g.stackLo < 1 << 32 else { continue }
            let (frames, fromThread) = unwinder.frames(of: g, threadOf: threadOf)
            if frames.isEmpty {
                guard let words = try? mem.readBytes(at: Address(g.stackLo), count: g.stackHi &- g.stackLo) else {
                    warn("stack of goroutine \(g.id) is unreadable"); continue
                }
                words.withUnsafeBytes { raw in
                    for k in 0..<(raw.count / 8) {
                        if let o = object(raw.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self)) {
                            roots.append(Root(kind: .stack, name: "goroutine \(g.id)", slot: g.stackLo &+ UInt64(k) &* 8, object: o,
                                              function: nil, goroutine: g.id))
                        }
                    }
                }
                continue
            }
            for i in frames.indices {
                let f = frames[i]
                // Frames on other stacks (signal, system) are the thread's, not the goroutine's.
                guard f.sp >= g.stackLo, f.sp < g.stackHi, !f.function.hasPrefix("runtime.sigreturn") else { continue }
                let lookup = Unwinder.lookupPC(frames, i, fromThread: fromThread)
                var seen = Set<UInt64>()
                maps.forEachLiveSlot(f) { slot in
                    guard slot >= f.sp, slot < g.stackHi, seen.insert(slot).inserted,
                          let v = try? mem.read(UInt64.self, at: Address(slot)), let o = object(v) else { return }
                    let name = variableName(frame: f, pc: lookup, slot: slot) ?? "goroutine \(g.id)"
                    roots.append(Root(kind: .stack, name: name, slot: slot, object: o, function: f.function, goroutine: g.id))
                }
            }
        }
    }

    /// The DWARF parameter or local whose frame slot holds `slot`.
    func variableName(frame f: Frame, pc runtimePC: UInt64, slot: UInt64) -> String? {
        let pc = runtimePC &- process.core.loadBias
        guard let fn = dwarf.function(containing: pc) else { return nil }
        for v in dwarf.variables(of: fn) where v.isInScope(at: pc) {
            guard case .frameOffset(let off)? = v.location.at(pc: pc), let t = v.type else { continue }
            let start = UInt64(bitPattern: Int64(bitPattern: f.fp) &+ off)
            let size = dwarf.type(dwarf.resolvingTypedefs(t)).size
            if slot >= start, slot < start &+ max(size, 8) { return v.name }
        }
        return nil
    }

    // MARK: specials

    /// Finalizers, cleanups and weak handles hang off `mspan.specials`.
    mutating func specials() {
        let sp = layouts.special
        guard let nextOff = try? sp.offset("next"), let offOff = try? sp.offset("offset"), let offSize = try? sp.fieldSize("offset"),
              let kindOff = try? sp.offset("kind") else { warn("runtime.special has an unknown layout"); return }
        func kind(_ name: String) -> Int64? { dwarf.constant(named: "runtime._KindSpecial" + name) }
        let finalizer = kind("Finalizer"), cleanup = kind("Cleanup"), weak = kind("WeakHandle")
        var records: [Int64: (RootKind, String, UInt64)] = [:]
        func size(_ t: String) -> UInt64 { (try? StructLayout(dwarf, t))?.size ?? 0 }
        let finLayout = try? StructLayout(dwarf, "runtime.specialfinalizer")
        let cleanLayout = try? StructLayout(dwarf, "runtime.specialCleanup")
        let finFn = try? finLayout?.offset("fn")
        let cleanFn = (try? cleanLayout?.offset("cleanup.fn")) ?? (try? cleanLayout?.offset("fn"))
        let cleanArg = try? cleanLayout?.offset("cleanup.arg")
        if let finalizer { records[finalizer] = (RootKind.finalizer, "finalizer", size("runtime.specialfinalizer")) }
        if let cleanup { records[cleanup] = (RootKind.cleanup, "cleanup", size("runtime.specialCleanup")) }
        if let weak { records[weak] = (RootKind.other, "weak handle", size("runtime.specialWeakHandle")) }
        var damaged = 0
        for hs in heapSpans {
            let s = spans[Int(hs)]
            var p = s.specials
            var steps = 0
            while p != 0, steps < 1 << 20 {
                steps += 1
                guard let next = try? mem.read(UInt64.self, at: Address(p &+ nextOff)),
                      let off = try? mem.readUInt(at: Address(p &+ offOff), size: offSize),
                      let k = try? mem.read(UInt8.self, at: Address(p &+ kindOff)) else { damaged += 1; break }
                if let (rk, label, size) = records[Int64(k)], size > sp.size {
                    let objAddr = s.base &+ off
                    if let fo = rk == .finalizer ? finFn : (rk == .cleanup ? cleanFn : nil),
                       let fn = try? mem.read(UInt64.self, at: Address(p &+ fo)) {
                        let arg = rk == .cleanup ? cleanArg.flatMap { try? mem.read(UInt64.self, at: Address(p &+ $0)) } ?? 0 : 0
                        closures.append((fn, arg))
                    }
                    let name = "\(label) of \(objAddr.hex)"
                    // The record's words after the header: function, argument, handle (heap pointers only count).
                    var o = sp.size
                    while o + 8 <= size {
                        if let v = try? mem.read(UInt64.self, at: Address(p &+ o)), let t = object(v) {
                            roots.append(Root(kind: rk, name: name, slot: p &+ o, object: t, function: nil, goroutine: nil))
                        }
                        o += 8
                    }
                    // A finalizer also keeps what its object points to (not the object itself).
                    if rk == .finalizer, let obj = object(objAddr) { finalized.append((roots.count, name, obj)) }
                }
                p = next
            }
        }
        if damaged > 0 { warn("\(damaged) specials list(s) are damaged") }
    }

    // MARK: queued finalizers

    /// `runtime.finq`: finalizers queued to run; their function and argument are roots.
    mutating func finalizerQueue() {
        guard let finq = process.globalAddress("runtime.finq"),
              let block = try? StructLayout(dwarf, "runtime.finBlock"),
              let fin = try? StructLayout(dwarf, "runtime.finalizer"),
              let nextOff = try? block.offset("next"), let cntOff = try? block.offset("cnt"), let finOff = try? block.offset("fin"),
              let fnOff = try? fin.offset("fn"), let argOff = try? fin.offset("arg") else { return }
        var b = (try? mem.read(UInt64.self, at: finq)) ?? 0
        var blocks = 0
        while b != 0, blocks < 1 << 16 {
            blocks += 1
            guard let cnt = try? mem.read(UInt32.self, at: Address(b &+ cntOff)), cnt < 1 << 16 else { break }
            for i in 0..<UInt64(cnt) {
                let f = b &+ finOff &+ i &* fin.size
                for off in [fnOff, argOff] {
                    if let v = try? mem.read(UInt64.self, at: Address(f &+ off)), let t = object(v) {
                        roots.append(Root(kind: .finalizer, name: "queued finalizer", slot: f &+ off, object: t, function: nil, goroutine: nil))
                    }
                }
            }
            b = (try? mem.read(UInt64.self, at: Address(b &+ nextOff))) ?? 0
        }
    }
}
