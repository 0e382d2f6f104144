import ArgumentParser
import GoHeap

struct Goroutines: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Goroutines, grouped by identical stacks (--all: one by one).")
    @OptionGroup var options: CoreOptions
    @Flag(help: "List every goroutine instead of grouping identical stacks.") var all = false
    @Flag(help: "With --json, group identical stacks.") var group = false
    @Flag(help: "Include dead goroutines.") var dead = false

    func run() throws {
        let (process, heap) = try options.openHeap()
        let gs = heap.goroutines.filter { dead || ($0.status != .dead && $0.status != .deadExtra) }.sorted { $0.id < $1.id }
        let stacks = gs.map { process.stackFrames(of: $0) }
        func frameJSON(_ f: StackFrame) -> JSON {
            .object(["function": .string(f.function), "file": .string(f.file ?? ""), "line": .int(f.line)])
        }
        // Groups: same status, wait reason and functions/lines.
        var keys: [String] = []
        var members: [String: [Int]] = [:]
        for (i, g) in gs.enumerated() {
            let key = "\(g.status)|\(g.waitReason ?? "")|" + stacks[i].map { "\($0.function):\($0.line)" }.joined(separator: ";")
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(i)
        }
        if options.json {
            if group {
                Output.stdout(JSON.object(["groups": .array(keys.map { k in
                    let m = members[k] ?? []
                    let g = gs[m[0]]
                    return .object(["count": .int(m.count), "ids": .array(m.map { .int(Int(gs[$0].id)) }),
                                    "status": .string(g.status.description), "waitReason": g.waitReason.map { .string($0) } ?? .null,
                                    "frames": .array(stacks[m[0]].map(frameJSON))])
                })]).render())
            } else {
                Output.stdout(JSON.object(["goroutines": .array(gs.enumerated().map { (i, g) in
                    var o = JSON.object()
                    o["id"] = .int(Int(g.id))
                    o["status"] = .string(g.status.description)
                    o["waitReason"] = g.waitReason.map { .string($0) } ?? .null
                    o["frames"] = .array(stacks[i].map(frameJSON))
                    if g.id != 1, g.creatorPC != 0, let c = process.core.function(at: g.creatorPC) { o["createdBy"] = .string(c.name) }
                    if let t = process.thread(of: g) { o["thread"] = .int(Int(t.tid)) }
                    if let d = process.waitDuration(of: g) { o["waitingNanoseconds"] = .int(Int(d)) }
                    if g.lockedM != 0 { o["lockedToThread"] = .bool(true) }
                    if let parent = g.parentID, parent != 0 { o["parentId"] = .int(Int(parent)) }
                    let labels = process.labels(of: g)
                    if !labels.isEmpty {
                        var l = JSON.object()
                        for (k, v) in labels { l[k] = .string(v) }
                        o["labels"] = .object(l)
                    }
                    return .object(o)
                })]).render())
            }
            return
        }
        let order = all ? gs.indices.map { ["\($0)"] } : keys.map { [$0] }
        for item in order {
            let idxs = all ? [Int(item[0]) ?? 0] : (members[item[0]] ?? [])
            let g = gs[idxs[0]]
            let head = all ? "goroutine \(g.id) [\(g.state)]"
                : "\(idxs.count) goroutine\(idxs.count == 1 ? "" : "s") [\(g.state)]: \(idxs.prefix(8).map { String(gs[$0].id) }.joined(separator: " "))\(idxs.count > 8 ? " …" : "")"
            Output.stdout(head)
            for f in stacks[idxs[0]] {
                Output.stdout("  \(f.function)\(f.inlined ? " (inlined)" : "")\n      \(f.file ?? "?"):\(f.line)")
            }
            // As Go's tracebacks: no creator for the main goroutine.
            if g.id != 1, g.creatorPC != 0, let c = process.core.function(at: g.creatorPC) { Output.stdout("  created by \(c.name)") }
            Output.stdout("")
        }
    }
}
