import GoCore

/// A node of the memory breakdown: its children add up to it exactly.
public struct BreakdownNode: Sendable {
    public let name: String
    public let bytes: UInt64
    public let children: [BreakdownNode]

    init(_ name: String, _ bytes: UInt64, _ children: [BreakdownNode] = []) {
        self.name = name
        self.bytes = bytes
        self.children = children
    }
    /// A node whose size is the sum of its children.
    init(_ name: String, children: [BreakdownNode]) {
        self.init(name, children.reduce(0) { $0 &+ $1.bytes }, children)
    }
}

extension Heap {
    /// Every mapped byte of the process, as a tree: the executable's sections, the heap arenas
    /// (live and unreachable objects, free slots, slot tails, manual spans such as goroutine
    /// stacks, free pages) and the other mappings (runtime metadata, thread stacks, …).
    public func breakdown(process: Process) -> BreakdownNode {
        let core = process.core
        let exe = core.executable
        let bias = core.loadBias
        // Which mappings hold heap spans.
        let mappings = core.mappings
        func mappingIndex(_ a: UInt64) -> Int? { mappings.firstIndex { $0.start.rawValue <= a && a < $0.end.rawValue } }
        var arenaMapping = [Bool](repeating: false, count: mappings.count)
        for s in spans { if let i = mappingIndex(s.base) { arenaMapping[i] = true } }

        // The executable's mappings by section.
        var exeNodes: [String: UInt64] = [:]
        var exeTotal: UInt64 = 0
        var arenaTotal: UInt64 = 0
        var other: [String: UInt64] = [:]
        for (i, m) in mappings.enumerated() {
            if !arenaMapping[i], let f = m.file, f == exe.path || baseName(f) == baseName(exe.path) {
                exeTotal &+= m.size
                var covered: UInt64 = 0
                for sec in exe.sections where sec.address != 0 && sec.size > 0 && sec.flags & 2 != 0 {
                    let lo = max(sec.address &+ bias, m.start.rawValue), hi = min(sec.address &+ bias &+ sec.size, m.end.rawValue)
                    if hi > lo { exeNodes[sec.name, default: 0] &+= hi &- lo; covered &+= hi &- lo }
                }
                exeNodes["(padding and headers)", default: 0] &+= m.size &- min(covered, m.size)
            } else if arenaMapping[i] {
                arenaTotal &+= m.size
            } else {
                let label = m.file.map { "file \($0)" }
                    ?? (m.permissions == "---" ? "reserved address space (no access, not backed)" : "anonymous (runtime metadata, thread stacks, …)")
                other[label, default: 0] &+= m.size
            }
        }

        // Heap spans.
        var live: UInt64 = 0, dead: UInt64 = 0, free: UInt64 = 0, tails: UInt64 = 0, manual: UInt64 = 0, spanBytes: UInt64 = 0
        for s in spans {
            let bytes = s.pages &* 8192
            spanBytes &+= bytes
            if s.state == .manual { manual &+= bytes; continue }
            let used = UInt64(s.slots) &* s.elemSize
            tails &+= bytes &- min(used, bytes)
            var inUse: UInt64 = 0
            for id in Int(s.firstObject) ..< Int(s.firstObject + s.objectCount) {
                if isLive(id) { live &+= s.elemSize } else { dead &+= s.elemSize }
                inUse &+= s.elemSize
            }
            free &+= used &- min(inUse, used)
        }
        var stacks: UInt64 = 0
        for g in goroutines where g.status != .dead && g.status != .deadExtra { stacks &+= g.stackHi &- g.stackLo }
        stacks = min(stacks, manual)
        let arenaRanges = mappings.indices.filter { arenaMapping[$0] }.map { (mappings[$0].start.rawValue, mappings[$0].end.rawValue) }
        let pages = PageStates(process: process, ranges: arenaRanges)
        let arenaFree = pages.map { min($0.retained &+ $0.released, arenaTotal &- min(spanBytes, arenaTotal)) } ?? 0
        let retained = pages.map { min($0.retained, arenaFree) } ?? 0
        let released = arenaFree &- retained
        let reserved = arenaTotal &- min(spanBytes, arenaTotal) &- arenaFree
        let heapNode = BreakdownNode("heap arenas", children: [
            BreakdownNode("objects in use", children: [
                BreakdownNode("live (reachable)", live),
                BreakdownNode("unreachable (garbage since the last GC)", dead),
            ]),
            BreakdownNode("free slots", free),
            BreakdownNode("unused span tails (and in-span bitmaps)", tails),
            BreakdownNode("manual spans", children: [
                BreakdownNode("goroutine stacks in use", stacks),
                BreakdownNode("free stacks and other manual memory", manual &- stacks),
            ]),
            BreakdownNode("free pages", children: [
                BreakdownNode("retained (not yet returned to the OS)", retained),
                BreakdownNode("released to the OS (scavenged)", released),
                BreakdownNode(pages == nil ? "unknown (no page allocator state)" : "other pages (in no in-use span)", reserved),
            ]),
        ])
        let exeNode = BreakdownNode("executable", children: exeNodes.sorted { $0.value > $1.value }.map { BreakdownNode($0.key, $0.value) })
        // Anonymous mappings hold the runtime's own metadata: span and heap-arena records, among others.
        var otherChildren: [BreakdownNode] = []
        for (label, bytes) in other.sorted(by: { $0.value > $1.value }) {
            if label.hasPrefix("anonymous"), let meta = RuntimeMetadata(process: process) {
                let spansBytes = min(meta.spanRecords, bytes)
                let arenaBytes = min(meta.arenaRecords, bytes &- spansBytes)
                otherChildren.append(BreakdownNode("anonymous", children: [
                    BreakdownNode("runtime metadata: span records", spansBytes),
                    BreakdownNode("runtime metadata: heap arena records (bitmaps, span tables)", arenaBytes),
                    BreakdownNode("other (thread stacks, allocator caches, GC work buffers, …)", bytes &- spansBytes &- arenaBytes),
                ]))
            } else {
                otherChildren.append(BreakdownNode(label, bytes))
            }
        }
        let otherNode = BreakdownNode("other mappings", children: otherChildren)
        return BreakdownNode("all", children: [exeNode, heapNode, otherNode])
    }
}

/// Free pages of the heap arenas from the page allocator (`mheap_.pages.chunks`): a page is free
/// when its `pallocBits` bit is clear, and released to the OS when its `scavenged` bit is set.
struct PageStates {
    var retained: UInt64 = 0
    var released: UInt64 = 0

    /// Counts the free pages of the page allocator inside `ranges` (the mapped heap memory).
    init?(process: Process, ranges: [(UInt64, UInt64)]) {
        guard let dwarf = process.dwarf, let mheap = process.globalAddress("runtime.mheap_"),
              let mh = try? StructLayout(dwarf, "runtime.mheap"), let pa = try? StructLayout(dwarf, "runtime.pageAlloc"),
              let pd = try? StructLayout(dwarf, "runtime.pallocData"),
              let pagesOff = try? mh.offset("pages"), let chunksOff = try? pa.offset("chunks"),
              let scavOff = try? pd.offset("scavenged") else { return nil }
        let mem = process.core.memory
        let chunkBytes = UInt64(dwarf.constant(named: "runtime.pallocChunkBytes") ?? 1 << 22)
        let l2Bits = UInt64(dwarf.constant(named: "runtime.pallocChunksL2Bits") ?? 13)
        let arenaBytes = UInt64(dwarf.constant(named: "runtime.heapArenaBytes") ?? 1 << 26)
        let base = dwarf.constant(named: "runtime.arenaBaseOffsetUintptr").map { UInt64(bitPattern: $0) } ?? 0xffff_8000_0000_0000
        let chunks = mheap.rawValue &+ pagesOff &+ chunksOff
        guard chunkBytes >= 8192 * 64, arenaBytes >= chunkBytes else { return nil }
        var cachedChunk = UInt64.max
        var data: [UInt8] = []
        for (lo, hi) in ranges where hi > lo && hi &- lo < 1 << 40 {
            var page = lo & ~8191
            while page < hi {
                let ci = (page &- base) / chunkBytes
                if ci != cachedChunk {
                    let l1 = ci >> l2Bits, l2 = ci & ((1 << l2Bits) - 1)
                    guard l1 < 1 << 16, let table = try? mem.read(UInt64.self, at: Address(chunks &+ l1 &* 8)), table != 0,
                          let bytes = try? mem.readBytes(at: Address(table &+ l2 &* pd.size), count: pd.size) else { return nil }
                    data = bytes
                    cachedChunk = ci
                }
                // Page i of the chunk: bit i%64 of word i/64 of pallocBits, and of scavenged.
                let i = Int(((page &- base) % chunkBytes) / 8192)
                let alloc = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: (i / 64) * 8, as: UInt64.self) }
                let scav = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Int(scavOff) + (i / 64) * 8, as: UInt64.self) }
                let bit = UInt64(1) << UInt64(i % 64)
                if alloc & bit == 0 {
                    if scav & bit != 0 { released &+= 8192 } else { retained &+= 8192 }
                }
                page &+= 8192
            }
        }
    }
}

/// Sizes of the runtime's own records kept outside the heap: every `mspan` ever made
/// (`mheap_.allspans`) and every `heapArena`.
struct RuntimeMetadata {
    let spanRecords: UInt64
    let arenaRecords: UInt64

    init?(process: Process) {
        guard let dwarf = process.dwarf, let mheap = process.globalAddress("runtime.mheap_"),
              let mh = try? StructLayout(dwarf, "runtime.mheap"), let span = try? StructLayout(dwarf, "runtime.mspan"),
              let arena = try? StructLayout(dwarf, "runtime.heapArena"), let all = try? mh.offset("allspans"),
              let arenasOff = (try? mh.offset("heapArenas")) ?? (try? mh.offset("allArenas")) else { return nil }
        let mem = process.core.memory
        guard let spans = try? mem.read(UInt64.self, at: Address(mheap.rawValue &+ all &+ 8)),
              let arenas = try? mem.read(UInt64.self, at: Address(mheap.rawValue &+ arenasOff &+ 8)),
              spans < 1 << 32, arenas < 1 << 20 else { return nil }
        spanRecords = spans &* span.size
        arenaRecords = arenas &* arena.size
    }
}

private func baseName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
