import GoCore
import GoDWARF

/// Builds a `Heap` from a process: spans, objects, pointers, roots.
///
/// Where the pointer bits of an object live depends on the Go era; that knowledge sits in
/// `PointerBits` (one case per era). Everything else reads layouts and constants from DWARF.
struct HeapBuilder {
    let process: Process
    let precomputing: HeapPrecomputation
    var warnings: [Warning] = []

    init(process: Process, precomputing: HeapPrecomputation = []) {
        self.process = process
        self.precomputing = precomputing
    }

    mutating func build() throws(HeapError) -> Heap {
        let clock = ContinuousClock()
        var mark = clock.now
        var phases: [PhaseTime] = []
        func lap(_ name: String) {
            let now = clock.now
            phases.append(PhaseTime(phase: name, seconds: HeapBuilder.seconds(now - mark), peakRSS: peakResidentBytes()))
            mark = clock.now
        }
        let core = process.core
        guard let dwarf = process.dwarf else { throw .noDWARF(path: core.executable.path) }
        guard let raw = core.goVersion, let version = GoVersion(raw) else {
            throw .unsupportedVersion(core.goVersion ?? "unknown")
        }
        guard version.atLeast(21) else { throw .unsupportedVersion(raw) }
        let layouts = try RuntimeLayouts(dwarf)
        let mem = core.memory
        guard let mheap = process.globalAddress("runtime.mheap_") else { throw .missingGlobal("runtime.mheap_") }
        let pageSize = UInt64(dwarf.constant(named: "runtime._PageSize") ?? 8192)

        // Spans.
        var w: [Warning] = []
        var spans = try SpanReader(mem: mem, layout: layouts.mspan, pageSize: pageSize)
            .read(allspans: Address(mheap.rawValue &+ (try layouts.mheap.offset("allspans"))), warn: { w.append(Warning($0)) })

        // Size classes, from the binary's own table; a span whose slot size disagrees is damaged.
        let sizeClasses = readSizeClasses(dwarf: dwarf)
        if !sizeClasses.isEmpty {
            var bad = 0
            for i in spans.indices where spans[i].state == .inUse && spans[i].sizeClass != 0 {
                let c = Int(spans[i].sizeClass)
                if c >= sizeClasses.count || sizeClasses[c] != spans[i].elemSize { bad += 1 }
            }
            if bad > 0 { w.append(Warning("\(bad) span(s) have a slot size that differs from their size class's")) }
        } else {
            w.append(Warning("no size-class table in DWARF (runtime.class_to_size / internal/runtime/gc.SizeClassToSize)"))
        }

        // Objects: slot i is allocated when i < freeindex or allocBits[i].
        let objs = HeapBuilder.enumerateObjects(spans: &spans, mem: mem)
        let heapSpans = objs.heapSpans, fresh = objs.fresh
        let unreadableBits = objs.unreadableBits
        if objs.oversized > 0 {
            w.append(Warning("\(objs.oversized) span(s) claim more than 65536 slots (no Go size class has): their objects were skipped"))
        }
        if unreadableBits > 0 { w.append(Warning("allocation bits of \(unreadableBits) span(s) are unreadable: only slots below freeindex were counted")) }
        guard objs.slotOf.count < Int(Int32.max) else { throw .damaged("more than 2^31 objects") }

        lap("spans and objects")
        let index = ObjectIndex(spans: spans, heapSpans: heapSpans, slotOf: objs.slotOf, rank: objs.rank)
        let objectCount = index.objectCount
        // Runtime types (for header objects, large objects, interfaces).
        let modules = try moduleTypeRanges(dwarf: dwarf, layouts: layouts)
        let types = try RuntimeTypeReader(mem: mem, dwarf: dwarf, layouts: layouts, version: version, modules: modules,
                                          inProgress: process.globalAddress("runtime.inProgress")?.rawValue)

        // Goroutines.
        var goroutines: [Goroutine] = []
        if let allgs = process.globalAddress("runtime.allgs") {
            do {
                goroutines = try GoroutineReader(mem: mem, dwarf: dwarf, layout: layouts.g, bias: core.loadBias)
                    .read(allgs: allgs, warn: { w.append(Warning($0)) })
            } catch {
                w.append(Warning("goroutines: \(error)"))
            }
        } else {
            w.append(Warning("no runtime.allgs: goroutines and stack roots unknown"))
        }

        // Roots.
        var roots = RootFinder(process: process, dwarf: dwarf, layouts: layouts, spans: spans, heapSpans: heapSpans,
                               index: index,
                               goroutines: goroutines, threadOf: Unwinder.threadFinder(core: core, m: layouts.m))
        roots.findAll(mheap: mheap)
        w += roots.warnings
        lap("goroutines and roots")

        // The pointer graph — the scan, then marking, then the dominator tree when asked for —
        // needs no types: it is built on another core while this one types the objects. The
        // scanner gets its own runtime-type reader (the readers cache, and are not shared between
        // threads); the heap keeps it for counting GC work later.
        let bits = try PointerBits(process: process, dwarf: dwarf, layouts: layouts, version: version, mheap: mheap, pageSize: pageSize)
        let scanTypes = try RuntimeTypeReader(mem: mem, dwarf: dwarf, layouts: layouts, version: version, modules: modules,
                                              inProgress: process.globalAddress("runtime.inProgress")?.rawValue)
        let pointerScanner = PointerScanner(mem: mem, spans: spans, heapSpans: heapSpans, index: index, types: scanTypes,
                                            bits: bits, greenTea: version.greenTea)
        let finder = roots, wantDominators = precomputing.contains(.retainedSizes)
        let liveSet = OneShot<[UInt64]>()
        let graphWork = { () -> GraphResults in
            let clock = ContinuousClock()
            var r = GraphResults()
            var t = clock.now
            var scanner = pointerScanner
            scanner.scan()
            r.unreadableSpans = scanner.unreadableSpans
            r.invalid = scanner.invalid
            r.invalidCount = scanner.invalidCount
            r.edgeStart = scanner.edgeStart
            r.edgeTargets = scanner.edgeTargets
            r.roots = finder.roots(edgeStart: r.edgeStart, edgeTargets: r.edgeTargets)
            r.times.append(PhaseTime(phase: "pointer scan", seconds: HeapBuilder.seconds(clock.now - t), peakRSS: peakResidentBytes()))
            t = clock.now
            let size: (Int) -> UInt64 = { index.size(ofObject: $0) }
            // The live set first, even when the dominator tree (which reaches the same objects)
            // follows: the typer's last passes wait for it.
            r.marking = Heap.mark(roots: r.roots, edgeStart: r.edgeStart, edgeTargets: r.edgeTargets, objectCount: objectCount, size: size)
            liveSet.publish(r.marking.bits)
            r.times.append(PhaseTime(phase: "marking", seconds: HeapBuilder.seconds(clock.now - t), peakRSS: peakResidentBytes()))
            guard wantDominators else { return r }
            t = clock.now
            let tree = DominatorTree(nodeCount: objectCount, edgeStart: r.edgeStart, edgeTargets: r.edgeTargets, roots: r.roots.map(\.object))
            r.times.append(PhaseTime(phase: "dominator tree", seconds: HeapBuilder.seconds(clock.now - t), peakRSS: peakResidentBytes()))
            t = clock.now
            r.retained = RetainedSizes(tree: tree, liveBytes: r.marking.bytes, size: size)
            r.times.append(PhaseTime(phase: "retained sizes", seconds: HeapBuilder.seconds(clock.now - t), peakRSS: peakResidentBytes()))
            r.dominators = tree
            return r
        }
        let beside = Background(graphWork)

        // Types.
        var typer = Typer(process: process, dwarf: dwarf, runtimeTypes: types, spans: spans, heapSpans: heapSpans,
                          index: index, version: version, typesBase: modules.first?.types ?? 0, pointerBits: bits,
                          sizeClasses: sizeClasses)
        let threadOf = Unwinder.threadFinder(core: core, m: layouts.m)
        typer.run(goroutines: goroutines, threadOf: threadOf, closures: roots.closures, live: { liveSet.wait() },
                  unnamedGlobalSlots: roots.roots.filter { $0.kind == .global && $0.name.hasPrefix("global 0x") }.map(\.slot))
        lap("typing")
        let graph = beside.wait() ?? graphWork()
        lap("waiting for the pointer graph")
        if graph.unreadableSpans > 0 {
            w.append(Warning("\(graph.unreadableSpans) span(s) could not be read from the core: their objects' pointers are unknown"))
        }
        // What the runtime counts of its in-use spans (`mheap_.pagesInUse`) against what was read.
        var pagesCounted: UInt64 = 0
        for hs in heapSpans { pagesCounted &+= spans[Int(hs)].pages }
        var pagesInUse: UInt64?
        if let off = try? layouts.mheap.offset("pagesInUse") {
            pagesInUse = try? mem.read(UInt64.self, at: Address(mheap.rawValue &+ off))
        }
        var midUpdate: String?
        if let p = pagesInUse, p != pagesCounted {
            midUpdate = HeapBuilder.threadUpdatingPagesInUse(core: process.core)
            if midUpdate == nil {
                w.append(Warning("the runtime counts \(p) pages in in-use spans, the spans read hold \(pagesCounted)"))
            }
        }
        let liveInvalid = graph.invalid.filter { Int($0.from) >= 0 && Int($0.from) < objectCount && (graph.marking.bits[Int($0.from) >> 6] >> UInt64(Int($0.from) & 63)) & 1 == 1 }
        if !liveInvalid.isEmpty {
            w.append(Warning("\(liveInvalid.count) pointer(s) of live objects point into the heap at no allocated object (first: \(heapAddressHex(liveInvalid[0].value)))"))
        }
        let heap = Heap(version: version, spans: spans, heapSpans: heapSpans, index: index,
                    sizeClasses: sizeClasses, freshBits: fresh, types: typer.heapTypes, objectTypes: typer.objectTypes(), goroutines: goroutines,
                    edgeStart: graph.edgeStart, edgeTargets: graph.edgeTargets,
                    rescan: pointerScanner.counting(), roots: graph.roots, live: graph.marking, warnings: w)
        heap.invalidPointers = graph.invalid
        heap.invalidPointerCount = graph.invalidCount
        heap.pagesInUse = (runtime: pagesInUse, counted: pagesCounted, midUpdate: midUpdate)
        if let tree = graph.dominators { heap.analyses.dominators.withLock { $0 = tree } }
        if let r = graph.retained { heap.analyses.retained.withLock { $0 = r } }
        lap("heap")
        heap.phaseTimes = phases
        heap.besideTyping = graph.times
        return heap
    }

    /// Every allocated slot of the in-use spans, as object ids in address order: slot j of a span
    /// is allocated when j < freeindex or its allocation bit is set; one allocated below
    /// freeindex without the bit was allocated since the span was swept (`fresh`). Sets each
    /// span's `firstObject` and `objectCount`, and returns each object's slot number. Counts
    /// first, then fills flat arrays of exactly that size, 64 slots per step of the allocation bits.
    static func enumerateObjects(spans: inout [Span], mem: AddressSpace)
        -> (slotOf: [UInt16], heapSpans: [Int32], fresh: [UInt64], rank: ObjectIndex.Ranks, unreadableBits: Int, oversized: Int) {
        /// Bit word k (slots 64k ..< 64k+64) of a span's allocation bits; missing bytes read as 0.
        @inline(__always) func bitWord(_ raw: UnsafeRawBufferPointer, _ k: Int) -> UInt64 {
            let o = k &* 8
            if o &+ 8 <= raw.count { return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
            var w: UInt64 = 0
            var i = 0
            while o &+ i < raw.count { w |= UInt64(raw[o &+ i]) << UInt64(8 &* i); i &+= 1 }
            return w
        }
        @inline(__always) func lowMask(_ n: Int) -> UInt64 { n >= 64 ? ~0 : (n <= 0 ? 0 : (UInt64(1) << UInt64(n)) &- 1) }
        /// Allocated slots of word k: marked, or below freeindex; within the span's slots.
        @inline(__always) func allocWord(_ marked: UInt64, _ k: Int, slots: Int, freeIndex: Int) -> UInt64 {
            (marked | lowMask(freeIndex &- k &* 64)) & lowMask(slots &- k &* 64)
        }
        var heapSpans: [Int32] = []
        var unreadable = 0, oversized = 0
        var total = 0
        // Pass 1: how many objects each span holds.
        for i in spans.indices where spans[i].state == .inUse {
            heapSpans.append(Int32(i))
            let n = Int(spans[i].slots), fi = min(Int(spans[i].freeIndex), n)
            var c = 0
            if n > 1 << 16 {
                oversized &+= 1   // slot numbers are 16 bits; Go's largest count is 1024
            } else {
                do {
                    try mem.withBytes(at: Address(spans[i].allocBits), count: UInt64((n &+ 7) / 8)) { raw in
                        for k in 0 ..< (n &+ 63) / 64 {
                            c &+= allocWord(bitWord(raw, k), k, slots: n, freeIndex: fi).nonzeroBitCount
                        }
                    }
                } catch {
                    unreadable &+= 1
                    c = fi
                }
            }
            spans[i].firstObject = Int32(truncatingIfNeeded: total)
            spans[i].objectCount = Int32(truncatingIfNeeded: c)
            total &+= c
        }
        guard total < Int(Int32.max) else { return ([], heapSpans, [], ObjectIndex.Ranks(), unreadable, oversized) }
        // Pass 2: their slot numbers and fresh bits, and the allocation words of spans with free
        // slots (object lookup ranks a slot among them).
        var fresh = [UInt64](repeating: 0, count: (total &+ 63) / 64)
        var rank = ObjectIndex.Ranks()
        let slotOf = [UInt16](unsafeUninitializedCapacity: total) { outBuffer, initialized in
            let out = outBuffer
            fresh.withUnsafeMutableBufferPointer { freshBuffer in
                let fresh = freshBuffer
                var id = 0
                for hs in heapSpans {
                    let s = spans[Int(hs)]
                    let n = Int(s.slots), fi = min(Int(s.freeIndex), n)
                    let end = id &+ Int(s.objectCount)
                    let dense = Int(s.objectCount) == n
                    if !dense && s.objectCount > 0 { rank.start(span: Int(hs)) }
                    func emit(_ raw: UnsafeRawBufferPointer?, _ rank: inout ObjectIndex.Ranks) {
                        for k in 0 ..< (n &+ 63) / 64 {
                            let marked = raw.map { bitWord($0, k) } ?? 0
                            var alloc = allocWord(marked, k, slots: n, freeIndex: fi)
                            if !dense { rank.append(alloc, before: id &- Int(s.firstObject)) }
                            let young = alloc & ~marked
                            while alloc != 0, id < end {
                                let j = alloc.trailingZeroBitCount
                                alloc &= alloc &- 1
                                out[id] = UInt16(truncatingIfNeeded: k &* 64 &+ j)
                                if (young >> UInt64(j)) & 1 != 0 { fresh[id >> 6] |= 1 << UInt64(id & 63) }
                                id &+= 1
                            }
                        }
                    }
                    if s.objectCount > 0,
                       (try? mem.withBytes(at: Address(s.allocBits), count: UInt64((n &+ 7) / 8), { emit($0, &rank) })) == nil {
                        emit(nil, &rank)
                    }
                    // Bits that changed between the passes cannot happen (the core is read-only); pad if they did.
                    while id < end { out[id] = 0; id &+= 1 }
                }
                initialized = id
            }
        }
        return (slotOf, heapSpans, fresh, rank, unreadable, oversized)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    /// What is computed beside typing, from the pointer graph alone.
    struct GraphResults {
        var unreadableSpans = 0
        var invalid: [(from: Int32, value: UInt64)] = []
        var invalidCount = 0
        var edgeStart: [UInt32] = [], edgeTargets: [Int32] = []
        var roots: [Root] = []
        var marking = Heap.Marking(bits: [], count: 0, bytes: 0)
        var dominators: DominatorTree?
        var retained: RetainedSizes?
        var times: [PhaseTime] = []
    }

    /// The runtime's slot size per size class: `runtime.class_to_size` (Go 1.21–1.24) or
    /// `internal/runtime/gc.SizeClassToSize` (1.25+), read from the target.
    func readSizeClasses(dwarf: DWARFFile) -> [UInt64] {
        for name in ["runtime.class_to_size", "internal/runtime/gc.SizeClassToSize"] {
            guard let g = dwarf.global(named: name), let t = g.type else { continue }
            let arr = dwarf.type(dwarf.resolvingTypedefs(t))
            guard let n = arr.count, n > 0, n < 1024, let e = arr.elem else { continue }
            let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
            guard es == 2 || es == 4 else { continue }
            var out: [UInt64] = []
            for i in 0..<UInt64(n) {
                guard let v = try? process.core.memory.readUInt(at: Address(g.address &+ process.core.loadBias &+ i &* es), size: es) else { return [] }
                out.append(v)
            }
            return out
        }
        return []
    }

    /// The functions that move `mheap_.pagesInUse` and a span's in-use state apart for a moment:
    /// `allocSpan` (through `initSpan`) sets the state before it adds the pages,
    /// `freeSpanLocked` subtracts them before the span is gone, and the sweeper frees user
    /// arena chunks the same way (runtime/mheap.go, mgcsweep.go, identical in Go 1.21–1.27).
    static let pagesInUseWriters: Set<String> = ["runtime.(*mheap).allocSpan", "runtime.(*mheap).initSpan",
                                                 "runtime.(*mheap).freeSpanLocked", "runtime.(*sweepLocked).sweep"]

    /// A thread stopped inside one of `pagesInUseWriters` ("thread TID in FUNCTION"), found by
    /// unwinding each thread's registers a few frames deep; nil when there is none.
    static func threadUpdatingPagesInUse(core: Core) -> String? {
        guard let tab = try? core.pclntab.get() else { return nil }
        let unwinder = Unwinder(core: core, tab: tab)
        for t in core.threads {
            for f in unwinder.frames(pc: t.registers.pc, sp: t.registers.sp, limit: 32) where pagesInUseWriters.contains(f.function) {
                return "thread \(t.tid) in \(f.function)"
            }
        }
        return nil
    }

    /// [types, etypes) of every module, from `runtime.firstmoduledata` and its `next` chain.
    func moduleTypeRanges(dwarf: DWARFFile, layouts: RuntimeLayouts) throws(HeapError) -> [(types: UInt64, etypes: UInt64)] {
        guard var md = process.globalAddress("runtime.firstmoduledata") ?? process.core.firstModuledata else {
            throw .missingGlobal("runtime.firstmoduledata")
        }
        let mem = process.core.memory
        let t = try layouts.moduledata.offset("types"), e = try layouts.moduledata.offset("etypes")
        let next = try layouts.moduledata.offset("next")
        var out: [(UInt64, UInt64)] = []
        for _ in 0..<64 {
            guard let a = try? mem.read(UInt64.self, at: Address(md.rawValue &+ t)),
                  let b = try? mem.read(UInt64.self, at: Address(md.rawValue &+ e)) else { break }
            out.append((a, b))
            guard let n = try? mem.readPointer(at: Address(md.rawValue &+ next)), !n.isNull else { break }
            md = n
        }
        return out
    }
}

private func heapAddressHex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
