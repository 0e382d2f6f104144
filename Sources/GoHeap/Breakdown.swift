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
                let label = m.file.map { "file \($0)" } ?? "anonymous (runtime metadata, thread stacks, …)"
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
            BreakdownNode("free pages (retained or released)", arenaTotal &- min(spanBytes, arenaTotal)),
        ])
        let exeNode = BreakdownNode("executable", children: exeNodes.sorted { $0.value > $1.value }.map { BreakdownNode($0.key, $0.value) })
        let otherNode = BreakdownNode("other mappings", children: other.sorted { $0.value > $1.value }.map { BreakdownNode($0.key, $0.value) })
        return BreakdownNode("all", children: [exeNode, heapNode, otherNode])
    }
}

private func baseName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
