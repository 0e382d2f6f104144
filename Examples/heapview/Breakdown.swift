import ArgumentParser
import GoHeap

struct Breakdown: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every mapped byte as a tree: executable, heap (live, garbage, free), stacks, other.")
    @OptionGroup var options: CoreOptions

    func run() throws {
        let (process, heap) = try options.openHeap()
        let root = heap.breakdown(process: process)
        if options.json {
            func node(_ n: BreakdownNode) -> JSON {
                .object(["name": .string(n.name), "bytes": .int(Int(n.bytes)), "children": .array(n.children.map(node))])
            }
            Output.stdout(JSON.object(["breakdown": node(root)]).render())
            return
        }
        var rows: [[String]] = []
        func walk(_ n: BreakdownNode, _ depth: Int) {
            rows.append([String(repeating: "  ", count: depth) + n.name, formatBytes(n.bytes), n.bytes == root.bytes ? "" : percent(n.bytes, root.bytes)])
            for c in n.children where c.bytes > 0 { walk(c, depth + 1) }
        }
        walk(root, 0)
        Output.stdout(Table.render(rows, header: ["", "bytes", "share"], rightAligned: [1, 2]))
    }

    func percent(_ a: UInt64, _ b: UInt64) -> String {
        guard b > 0 else { return "" }
        let p = (Double(a) * 1000 / Double(b)).rounded() / 10
        return "\(p)%"
    }
}

struct GCWork: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gcwork", abstract: "Which types cost the GC most: pointer words scanned per type.")
    @OptionGroup var options: CoreOptions
    @Option(help: "Show the first N types.") var top = 20

    func run() throws {
        let (_, heap) = try options.openHeap()
        // Per type index first (flat arrays), then merged by name: no string hashing per object.
        var perType = [(objects: Int, words: Int, bytes: UInt64)](repeating: (0, 0, 0), count: heap.types.count + 1)
        let work = heap.gcWorkCounts()
        for id in 0..<heap.objectCount where heap.isLive(id) {
            let t = heap.typeIndex(of: id) + 1
            perType[t].objects += 1
            perType[t].words += id < work.count ? Int(work[id]) : 0
            perType[t].bytes &+= heap.size(of: id)
        }
        var words: [String: (objects: Int, words: Int, bytes: UInt64)] = [:]
        for (t, e) in perType.enumerated() where e.objects > 0 {
            let name = t == 0 ? "<unknown>" : heap.types[t - 1].name
            let have = words[name] ?? (0, 0, 0)
            words[name] = (have.objects + e.objects, have.words + e.words, have.bytes &+ e.bytes)
        }
        let rows = words.sorted { $0.value.words != $1.value.words ? $0.value.words > $1.value.words : $0.key < $1.key }.prefix(max(0, top))
        if options.json {
            Output.stdout(JSON.object(["types": .array(rows.map {
                .object(["type": .string($0.key), "objects": .int($0.value.objects), "pointerWords": .int($0.value.words), "bytes": .int(Int($0.value.bytes))])
            })]).render())
            return
        }
        Output.stdout(Table.render(rows.map { ["\($0.value.words)", "\($0.value.objects)", formatBytes($0.value.bytes), $0.key] },
                                   header: ["pointer words", "objects", "bytes", "type"], rightAligned: [0, 1, 2]))
    }
}
