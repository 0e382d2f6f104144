import ArgumentParser
import GoHeap

struct Overview: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Go version, threads, goroutines, mappings and functions.")
    @OptionGroup var options: CoreOptions

    func run() throws {
        let p = try options.open()
        let core = p.core
        let heap = try? p.heap()
        if let heap { for w in heap.warnings { Output.stderr("heapview: warning: \(w)") } }
        let functions = (try? core.pclntab.get().functionCount) ?? 0
        let goroutines = heap.map { h in h.goroutines.filter { $0.status != .dead && $0.status != .deadExtra }.count }
        let mapped = core.mappings.reduce(UInt64(0)) { $0 + $1.size }
        let dumped = core.mappings.reduce(UInt64(0)) { $0 + $1.dumpedBytes }
        if options.json {
            var o = JSON.object()
            o["goVersion"] = .string(p.goVersion ?? "")
            o["arch"] = .string("amd64")
            o["goroutines"] = goroutines.map { .int($0) } ?? .null
            o["threads"] = .int(core.threads.count)
            o["heap"] = heap.map { h in
                let atGC = h.statsAtLastGC
                return .object(["objects": .int(h.liveCount), "bytes": .int(Int(h.liveBytes)),
                                "allocatedObjects": .int(h.objectCount), "allocatedBytes": .int(Int(h.allocatedBytes)),
                                "objectsAtLastGC": .int(atGC.objects), "bytesAtLastGC": .int(Int(atGC.bytes))])
            } ?? .null
            o["mappings"] = .int(core.mappings.count)
            o["mappedBytes"] = .int(Int(mapped))
            o["functions"] = .int(functions)
            o["executable"] = .string(core.executable.path)
            o["pid"] = core.process.map { .int(Int($0.pid)) } ?? .null
            Output.stdout(JSON.object(o).render())
            return
        }
        var rows: [[String]] = []
        rows.append(["Go version", p.goVersion ?? "unknown"])
        rows.append(["executable", core.executable.path + (core.executable.isPIE ? " (PIE, bias \(core.loadBias.hex))" : "")])
        if let info = core.process { rows.append(["process", "\(info.name) pid \(info.pid): \(info.arguments)"]) }
        rows.append(["threads", "\(core.threads.count)"])
        rows.append(["goroutines", goroutines.map { "\($0)" } ?? "unknown (the heap could not be read)"])
        if let heap {
            rows.append(["heap", "\(heap.liveCount) live objects, \(formatBytes(heap.liveBytes)); \(heap.objectCount) allocated, \(formatBytes(heap.allocatedBytes))"])
        }
        rows.append(["mappings", "\(core.mappings.count), \(formatBytes(mapped)) mapped, \(formatBytes(dumped)) in the core"])
        rows.append(["functions", "\(functions)"])
        rows.append(["DWARF", p.dwarf == nil ? "absent" : "\(p.dwarf?.types.count ?? 0) types, \(p.dwarf?.globals.count ?? 0) globals"])
        Output.stdout(Table.render(rows, header: nil))
        let crashed = core.threads.first
        if let t = crashed, let f = core.function(at: t.registers.pc) {
            Output.stdout("\nthread \(t.tid) (signal \(t.signal)) was in \(f.name)")
        }
    }
}

struct Mappings: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The memory mappings of the process.")
    @OptionGroup var options: CoreOptions

    func run() throws {
        let p = try options.open()
        let maps = p.core.mappings
        if options.json {
            let list: [JSON] = maps.map { m in
                var o = JSON.object()
                o["start"] = .string(m.start.description)
                o["end"] = .string(m.end.description)
                o["perm"] = .string(m.permissions)
                o["file"] = m.file.map { .string($0) } ?? .null
                o["size"] = .int(Int(m.size))
                o["dumped"] = .int(Int(m.dumpedBytes))
                return .object(o)
            }
            Output.stdout(JSON.object(["mappings": .array(list)]).render())
            return
        }
        let rows = maps.map { m in
            [m.start.description, m.end.description, m.permissions, formatBytes(m.size), formatBytes(m.dumpedBytes), m.file ?? ""]
        }
        Output.stdout(Table.render(rows, header: ["start", "end", "perm", "size", "in core", "file"]))
    }
}
