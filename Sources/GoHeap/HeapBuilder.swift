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
        var phases: [(String, Double)] = []
        func lap(_ name: String) {
            let now = clock.now
            let d = now - mark
            phases.append((name, HeapBuilder.seconds(d)))
            mark = now
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
        var addresses: [UInt64] = []
        var objectSpans: [Int32] = []
        var heapSpans: [Int32] = []
        var fresh: [UInt64] = []      // bit per object: allocated since the span was last swept
        var unreadableBits = 0
        for i in spans.indices where spans[i].state == .inUse {
            let s = spans[i]
            spans[i].firstObject = Int32(addresses.count)
            heapSpans.append(Int32(i))
            let n = Int(s.slots)
            let bits = try? mem.readBytes(at: Address(s.allocBits), count: UInt64((n + 7) / 8))
            if bits == nil { unreadableBits += 1 }
            let allocBits = bits ?? []
            let freeIndex = Int(s.freeIndex)
            for j in 0..<n {
                let marked = j >> 3 < allocBits.count && (allocBits[j >> 3] >> UInt8(j & 7)) & 1 == 1
                if marked || j < freeIndex {
                    let id = addresses.count
                    if id >> 6 >= fresh.count { fresh.append(0) }
                    if !marked { fresh[id >> 6] |= 1 << UInt64(id & 63) }
                    addresses.append(s.base &+ UInt64(j) &* s.elemSize)
                    objectSpans.append(Int32(i))
                }
            }
            spans[i].objectCount = Int32(addresses.count) - spans[i].firstObject
        }
        if unreadableBits > 0 { w.append(Warning("allocation bits of \(unreadableBits) span(s) are unreadable: only slots below freeindex were counted")) }
        guard addresses.count < Int(Int32.max) else { throw .damaged("more than 2^31 objects") }

        lap("spans and objects")
        let index = ObjectIndex(spans: spans, heapSpans: heapSpans, objects: addresses)
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
                               objects: addresses, index: index,
                               goroutines: goroutines, threadOf: Unwinder.threadFinder(core: core, m: layouts.m))
        roots.findAll(mheap: mheap)
        w += roots.warnings
        lap("goroutines and roots")

        // The pointer graph — the scan, then marking, then the dominator tree when asked for —
        // needs no types: it is built on another core while this one types the objects. It gets
        // its own runtime-type reader (the readers cache, and are not shared between threads).
        let bits = try PointerBits(process: process, dwarf: dwarf, layouts: layouts, version: version, mheap: mheap, pageSize: pageSize)
        let scanTypes = try RuntimeTypeReader(mem: mem, dwarf: dwarf, layouts: layouts, version: version, modules: modules,
                                              inProgress: process.globalAddress("runtime.inProgress")?.rawValue)
        let finder = roots, objectSpanList = objectSpans, wantDominators = precomputing.contains(.retainedSizes)
        let greenTea = version.greenTea
        let graphWork = { () -> GraphResults in
            let clock = ContinuousClock()
            var r = GraphResults()
            var t = clock.now
            var scanner = PointerScanner(mem: mem, spans: spans, heapSpans: heapSpans, objects: addresses, index: index, types: scanTypes,
                                         bits: bits, greenTea: greenTea)
            scanner.scan()
            r.unreadableSpans = scanner.unreadableSpans
            r.edgeStart = scanner.edgeStart
            r.edgeTargets = scanner.edgeTargets
            r.scanWords = scanner.scanWords
            r.roots = finder.roots(edgeStart: r.edgeStart, edgeTargets: r.edgeTargets)
            r.times.append(("pointer scan", HeapBuilder.seconds(clock.now - t)))
            t = clock.now
            let slotSizes = index.elemSize
            let size: (Int) -> UInt64 = { slotSizes[Int(objectSpanList[$0])] }
            r.marking = Heap.mark(roots: r.roots, edgeStart: r.edgeStart, edgeTargets: r.edgeTargets, objectCount: addresses.count, size: size)
            r.times.append(("marking", HeapBuilder.seconds(clock.now - t)))
            guard wantDominators else { return r }
            t = clock.now
            let tree = DominatorTree(nodeCount: addresses.count, edgeStart: r.edgeStart, edgeTargets: r.edgeTargets, roots: r.roots.map(\.object))
            r.times.append(("dominator tree", HeapBuilder.seconds(clock.now - t)))
            t = clock.now
            r.retained = tree.retained(sizes: size)
            r.times.append(("retained sizes", HeapBuilder.seconds(clock.now - t)))
            r.dominators = tree
            return r
        }
        let beside = Background(graphWork)

        // Types.
        var typer = Typer(process: process, dwarf: dwarf, runtimeTypes: types, spans: spans, heapSpans: heapSpans,
                          objects: addresses, objectSpans: objectSpans, index: index, version: version, typesBase: modules.first?.types ?? 0)
        let threadOf = Unwinder.threadFinder(core: core, m: layouts.m)
        typer.run(goroutines: goroutines, threadOf: threadOf, closures: roots.closures,
                  unnamedGlobalSlots: roots.roots.filter { $0.kind == .global && $0.name.hasPrefix("global 0x") }.map(\.slot))
        lap("typing")
        let graph = beside.wait() ?? graphWork()
        lap("waiting for the pointer graph")
        if graph.unreadableSpans > 0 {
            w.append(Warning("\(graph.unreadableSpans) span(s) could not be read from the core: their objects' pointers are unknown"))
        }
        let heap = Heap(version: version, spans: spans, heapSpans: heapSpans, index: index, objectAddresses: addresses, objectSpans: objectSpans,
                    sizeClasses: sizeClasses, freshBits: fresh, types: typer.heapTypes, objectTypes: typer.objectTypes(), goroutines: goroutines,
                    edgeStart: graph.edgeStart, edgeTargets: graph.edgeTargets, scanWords: graph.scanWords,
                    roots: graph.roots, live: graph.marking ?? Heap.mark(roots: graph.roots, edgeStart: graph.edgeStart, edgeTargets: graph.edgeTargets,
                                                                     objectCount: addresses.count) { index.elemSize[Int(objectSpans[$0])] },
                    warnings: w)
        if let tree = graph.dominators { heap.analyses.dominators.withLock { $0 = tree } }
        if let r = graph.retained { heap.analyses.retained.withLock { $0 = r } }
        lap("heap")
        heap.phaseTimes = phases
        heap.besideTyping = graph.times
        return heap
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    /// What is computed beside typing, from the pointer graph alone.
    struct GraphResults {
        var unreadableSpans = 0
        var edgeStart: [UInt32] = [], edgeTargets: [Int32] = [], scanWords: [UInt32] = []
        var roots: [Root] = []
        var marking: Heap.Marking?
        var dominators: DominatorTree?
        var retained: (bytes: [UInt64], counts: [UInt32])?
        var times: [(String, Double)] = []
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
