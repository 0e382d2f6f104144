import ArgumentParser
import GoHeap

struct Histogram: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Live objects and bytes per Go type, largest first.")
    @OptionGroup var options: CoreOptions
    @Option(help: "Show only the first N types.") var top: Int?
    @Flag(help: "Count every allocated object, unreachable ones included.") var all = false
    @Flag(name: .customLong("size-classes"), help: "Group by size class instead of type.") var sizeClasses = false

    func run() throws {
        let (_, heap) = try options.openHeap()
        if sizeClasses {
            let rows = heap.sizeClassHistogram(liveOnly: !all)
            if options.json {
                Output.stdout(JSON.object(["sizeClasses": .array(rows.map {
                    .object(["class": .int($0.sizeClass), "elemSize": .int(Int($0.elemSize)), "count": .int($0.count), "bytes": .int(Int($0.bytes))])
                })]).render())
            } else {
                Output.stdout(Table.render(rows.map { [$0.sizeClass == 0 ? "large" : "\($0.sizeClass)", $0.sizeClass == 0 ? "-" : "\($0.elemSize)", "\($0.count)", formatBytes($0.bytes)] },
                                           header: ["class", "slot", "count", "bytes"], rightAligned: [0, 1, 2, 3]))
            }
            return
        }
        var rows = heap.histogram(liveOnly: !all)
        if let top { rows = Array(rows.prefix(max(0, top))) }
        if options.json {
            Output.stdout(JSON.object(["types": .array(rows.map {
                .object(["type": .string($0.type), "count": .int($0.count), "bytes": .int(Int($0.bytes))])
            })]).render())
            return
        }
        Output.stdout(Table.render(rows.map { ["\($0.count)", formatBytes($0.bytes), $0.type] }, header: ["count", "bytes", "type"], rightAligned: [0, 1]))
        let total = rows.reduce(UInt64(0)) { $0 + $1.bytes }
        Output.stdout("\n\(heap.liveCount) live objects, \(formatBytes(heap.liveBytes)); shown \(formatBytes(total))")
    }
}

struct Objects: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Live objects, optionally of types matching a regular expression.")
    @OptionGroup var options: CoreOptions
    @Option(help: "A regular expression the type name must contain a match of.") var type: String?
    @Option(help: "Print at most N objects (default: 100 in tables, all in JSON).") var limit: Int?

    func run() throws {
        let regex: Regex<AnyRegexOutput>?
        do { regex = try type.map { try Regex($0) } } catch { throw ValidationError("bad --type regular expression: \(error)") }
        let (_, heap) = try options.openHeap()
        let max = limit ?? (options.json ? Int.max : 100)
        var matched: [Int] = []
        var total = 0
        // The regular expression is tried once per type, not once per object.
        let wanted: [Bool] = ([nil] + heap.types.map(\.name)).map { name in
            guard let regex else { return true }
            return (try? regex.firstMatch(in: name ?? "<unknown>")) != nil
        }
        for id in 0..<heap.objectCount where heap.isLive(id) {
            if !wanted[heap.typeIndex(of: id) + 1] { continue }
            total += 1
            if matched.count < max { matched.append(id) }
        }
        if options.json {
            Output.stdout(JSON.object(["objects": .array(matched.map {
                .object(["address": .string(heap.dataAddress(of: $0).hex), "type": .string(heap.type(of: $0)?.name ?? "<unknown>"),
                         "size": .int(Int(heap.size(of: $0)))])
            })]).render())
            return
        }
        Output.stdout(Table.render(matched.map { [heap.dataAddress(of: $0).hex, formatBytes(heap.size(of: $0)), heap.type(of: $0)?.name ?? "<unknown>"] },
                                   header: ["address", "size", "type"], rightAligned: [1]))
        if total > matched.count { Output.stdout("… \(total - matched.count) more (use --limit)") }
    }
}

struct Paths: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The shortest paths from roots to an object.")
    @OptionGroup var options: CoreOptions
    @Argument(help: "An address inside the object.") var address: String
    @Option(name: .short, help: "How many paths, each from a different root.") var k = 3

    func run() throws {
        let a = try parseAddress(address)
        let (process, heap) = try options.openHeap()
        let id = try requireObject(heap, a)
        let paths = heap.paths(to: id, k: max(1, k), process: process)
        if options.json {
            Output.stdout(JSON.object(["paths": .array(paths.map { path in
                var root = JSON.object()
                // The contract's kinds: global, stack, finalizer (cleanups included), other.
                root["kind"] = .string(path.root.kind == .cleanup ? "finalizer" : path.root.kind.rawValue)
                root["name"] = .string(path.root.name)
                root["field"] = .string(path.root.field)
                root["function"] = path.root.function.map { .string($0) } ?? .null
                return .object(["root": .object(root), "steps": .array(path.steps.map { s in
                    .object(["address": .string(heap.dataAddress(of: s.object).hex), "type": .string(heap.type(of: s.object)?.name ?? "<unknown>"),
                             "field": .string(s.field)])
                })])
            })]).render())
            return
        }
        if paths.isEmpty { Output.stdout("no path from a root: the object is unreachable (garbage since the last GC)") }
        for (i, p) in paths.enumerated() {
            let r = p.root
            Output.stdout("path \(i + 1): \(r.kind.rawValue) \(r.name)\(r.field.isEmpty ? "" : " via \(r.field)")\(r.function.map { " in \($0)" } ?? "")")
            for s in p.steps {
                Output.stdout("  \(heap.dataAddress(of: s.object).hex)  \(heap.type(of: s.object)?.name ?? "<unknown>")\(s.field.isEmpty ? "" : "  via \(s.field)")")
            }
        }
    }
}

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The objects (or types) that retain the most memory (dominator tree).")
    @OptionGroup var options: CoreOptions
    @Option(help: "Show the first N.") var top = 20
    @Option(help: "Rank objects or types.") var by: By = .object

    enum By: String, ExpressibleByArgument { case object, type }

    func run() throws {
        let (_, heap) = try options.openHeap(precomputing: .retainedSizes)
        let progress = Progress("building the dominator tree")
        let retained = heap.retainedSizes()
        let counts = retained.counts
        progress.finish()
        if by == .type {
            let rows = heap.retainedByType().prefix(max(0, top))
            if options.json {
                Output.stdout(JSON.object(["types": .array(rows.map {
                    .object(["type": .string($0.type), "objects": .int($0.objects), "retainedBytes": .int(Int($0.retainedBytes))])
                })]).render())
            } else {
                Output.stdout(Table.render(rows.map { [formatBytes($0.retainedBytes), "\($0.objects)", $0.type] }, header: ["retained", "objects", "type"], rightAligned: [0, 1]))
            }
            return
        }
        // Partial selection of the largest retained sizes. (`top` is read once: each read of an
        // ArgumentParser property costs a generic metadata lookup.)
        let top = max(0, self.top)
        var best: [(Int, UInt64)] = []
        for id in 0..<heap.objectCount where retained.bytes(of: id) > 0 {
            if best.count < top { best.append((id, retained.bytes(of: id))); if best.count == top { best.sort { $0.1 > $1.1 } }; continue }
            guard let last = best.last, retained.bytes(of: id) > last.1 else { continue }
            best[best.count - 1] = (id, retained.bytes(of: id))
            var i = best.count - 1
            while i > 0, best[i - 1].1 < best[i].1 { best.swapAt(i, i - 1); i -= 1 }
        }
        best.sort { $0.1 > $1.1 }
        if options.json {
            Output.stdout(JSON.object(["objects": .array(best.map { (id, r) in
                .object(["address": .string(heap.dataAddress(of: id).hex), "type": .string(heap.type(of: id)?.name ?? "<unknown>"),
                         "size": .int(Int(heap.size(of: id))), "retainedBytes": .int(Int(r)), "retainedObjects": .int(Int(counts[id]))])
            })]).render())
            return
        }
        Output.stdout(Table.render(best.map { (id, r) in [formatBytes(r), "\(counts[id])", formatBytes(heap.size(of: id)), heap.dataAddress(of: id).hex, heap.type(of: id)?.name ?? "<unknown>"] },
                                   header: ["retained", "objects", "size", "address", "type"], rightAligned: [0, 1, 2]))
    }
}

extension UInt64 {
    var hex: String { "0x" + String(self, radix: 16) }
}
