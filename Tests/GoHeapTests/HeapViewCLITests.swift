import Foundation
import Testing
import FixtureSupport

/// Runs the built `heapview` and parses its JSON: scripts depend on the CLI contract.
struct HeapViewRun {
    /// The heapview built with the tests: in the test runner's own build directory (debug or
    /// release, whichever `swift test` was asked for).
    static let binary: String = {
        let here = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let beside = here.appendingPathComponent("heapview").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : Fixtures.root + "/.build/debug/heapview"
    }()

    static func run(_ args: [String]) throws -> (json: Any, stderr: String) {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build heapview first (swift build)")
        let p = Foundation.Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = String(decoding: errData, as: UTF8.self)
        try #require(p.terminationStatus == 0, "heapview \(args.joined(separator: " ")) failed: \(stderr)")
        return (try JSONSerialization.jsonObject(with: data), stderr)
    }
}

@Suite("heapview CLI: JSON output against the truth")
struct HeapViewCLITests {
    func args(_ fixture: Fixture, _ command: String, _ extra: [String] = []) -> [String] {
        [command, fixture.corePath, "--exe", fixture.exePath, "--json"] + extra
    }

    @Test("overview: version, threads, goroutines, heap as of the last GC", arguments: Fixtures.withDWARF)
    func overview(_ fixture: Fixture) throws {
        let truth = try fixture.truth()
        let o = try #require(try HeapViewRun.run(args(fixture, "overview")).json as? [String: Any])
        #expect(o["goVersion"] as? String == truth.goVersion)
        #expect(o["arch"] as? String == "amd64")
        #expect(o["threads"] as? Int == truth.threads.count)
        let heap = try #require(o["heap"] as? [String: Any])
        #expect((heap["objectsAtLastGC"] as? Int).map(UInt64.init) == truth.memstats["HeapObjects"])
        #expect((heap["bytesAtLastGC"] as? Int).map(UInt64.init) == truth.memstats["HeapAlloc"])
        #expect((heap["objects"] as? Int ?? 0) > 0 && (heap["bytes"] as? Int ?? 0) > 0)
        #expect((o["goroutines"] as? Int ?? 0) >= 4)
    }

    @Test("histogram: counts per type equal the program's", arguments: Fixtures.withDWARF("heap"))
    func histogram(_ fixture: Fixture) throws {
        let truth = try fixture.truth()
        let o = try #require(try HeapViewRun.run(args(fixture, "histogram")).json as? [String: Any])
        let rows = try #require(o["types"] as? [[String: Any]])
        let counts = Dictionary(rows.map { ($0["type"] as? String ?? "", $0["count"] as? Int ?? 0) }, uniquingKeysWith: +)
        for (type, n) in try #require(truth.typeCounts) {
            #expect(counts[type] == n, "\(type): \(counts[type] ?? 0) vs \(n)")
        }
        let bytes = rows.map { $0["bytes"] as? Int ?? 0 }
        #expect(bytes == bytes.sorted(by: >), "rows are sorted by bytes")
    }

    @Test("goroutines: ids, wait reasons and top frames equal Go's traceback", arguments: Fixtures.withDWARF("basics"))
    func goroutines(_ fixture: Fixture) throws {
        let dumped = GoroutineTests.parse(try String(contentsOfFile: fixture.stderrPath, encoding: .utf8))
        let o = try #require(try HeapViewRun.run(args(fixture, "goroutines")).json as? [String: Any])
        let gs = try #require(o["goroutines"] as? [[String: Any]])
        #expect(Set(gs.compactMap { $0["id"] as? Int }) == Set(dumped.map { Int($0.id) }))
        for d in dumped {
            guard let g = gs.first(where: { $0["id"] as? Int == Int(d.id) }) else { continue }
            let reason = g["waitReason"] as? String ?? g["status"] as? String
            #expect(reason == d.state, "goroutine \(d.id)")
            let frames = g["frames"] as? [[String: Any]] ?? []
            #expect(frames.last?["function"] as? String == d.frames.last?.function, "goroutine \(d.id) outermost frame")
            #expect(frames.contains { $0["function"] as? String == d.frames.first?.function }, "goroutine \(d.id) innermost dumped frame")
        }
    }

    @Test("paths end at the root the program named; top retains at least the payload", arguments: Fixtures.withDWARF("heap"))
    func pathsAndTop(_ fixture: Fixture) throws {
        let truth = try fixture.truth()
        for r in try #require(truth.roots).filter({ $0.kind == "global" }).prefix(3) {
            let o = try #require(try HeapViewRun.run(args(fixture, "paths", [r.address, "-k", "5"])).json as? [String: Any])
            let paths = try #require(o["paths"] as? [[String: Any]])
            let names = paths.compactMap { ($0["root"] as? [String: Any])?["name"] as? String }
            let name = try #require(r.name)
            #expect(names.contains { $0 == name || $0.hasPrefix(name + ".") || $0.hasPrefix(name + "[") }, "\(name): \(names)")
            #expect(paths.allSatisfy { ($0["steps"] as? [[String: Any]])?.last?["address"] as? String != nil })
        }
        // The 100000-element pointer slice retains at least its own 800000 bytes.
        let top = try #require(try HeapViewRun.run(args(fixture, "top", ["--top", "50"])).json as? [String: Any])
        let objects = try #require(top["objects"] as? [[String: Any]])
        let big = objects.first { $0["type"] as? String == "[100000]*main.Node" }
        #expect((big?["retainedBytes"] as? Int ?? 0) >= 800_000)
        #expect((big?["retainedObjects"] as? Int ?? 0) >= 1)
    }

    @Test("breakdown: children sum to their parent, the root to the mapped bytes", arguments: Fixtures.withDWARF("heap"))
    func breakdown(_ fixture: Fixture) throws {
        let o = try #require(try HeapViewRun.run(args(fixture, "breakdown")).json as? [String: Any])
        let root = try #require(o["breakdown"] as? [String: Any])
        func check(_ n: [String: Any]) {
            let kids = n["children"] as? [[String: Any]] ?? []
            if !kids.isEmpty {
                #expect(kids.reduce(0) { $0 + ($1["bytes"] as? Int ?? 0) } == n["bytes"] as? Int, "\(n["name"] ?? "?")")
            }
            kids.forEach(check)
        }
        check(root)
        // Free pages kept by the runtime, from the page allocator's bitmaps, against MemStats
        // (HeapIdle − HeapReleased, read just before the crash). Since then the background scavenger
        // may have released pages and the runtime freed or took a few spans: allow 512 KiB.
        func find(_ n: [String: Any], _ prefix: String) -> [String: Any]? {
            if (n["name"] as? String ?? "").hasPrefix(prefix) { return n }
            for c in n["children"] as? [[String: Any]] ?? [] { if let r = find(c, prefix) { return r } }
            return nil
        }
        let truth = try fixture.truth()
        let retained = try #require(find(root, "retained")?["bytes"] as? Int)
        let idle = Int(truth.memstats["HeapIdle"] ?? 0) - Int(truth.memstats["HeapReleased"] ?? 0)
        #expect(abs(retained - idle) <= 512 << 10, "retained free pages \(retained) vs HeapIdle-HeapReleased \(idle)")
        let maps = try #require(try HeapViewRun.run(args(fixture, "mappings")).json as? [String: Any])
        let mapped = (maps["mappings"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["size"] as? Int ?? 0) }
        #expect(root["bytes"] as? Int == mapped)
    }

    @Test("objects and object: the Big object, its fields, who points to it", arguments: [Fixtures.named("go1.26.6", "heap"), Fixtures.named("go1.21.13", "heap")])
    func objectCommands(_ fixture: Fixture) throws {
        let truth = try fixture.truth()
        let big = try #require(truth.objects?.first { $0.type == "main.Big" })
        let list = try #require(try HeapViewRun.run(args(fixture, "objects", ["--type", "^main\\.Big$"])).json as? [String: Any])
        #expect((list["objects"] as? [[String: Any]])?.map { $0["address"] as? String } == [big.address])
        let o = try #require(try HeapViewRun.run(args(fixture, "object", [big.address])).json as? [String: Any])
        #expect(o["type"] as? String == "main.Big")
        #expect((o["fields"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Data", "Pad"])
        #expect((o["roots"] as? [[String: Any]])?.contains { $0["name"] as? String == "main.gBig" } == true)
    }

    @Test("errors name the problem and the fix")
    func errors() throws {
        let fixture = Fixtures.named("go1.26.6")
        let other = Fixtures.named("go1.25.5")
        let p = Foundation.Process()
        p.executableURL = URL(fileURLWithPath: HeapViewRun.binary)
        p.arguments = ["overview", fixture.corePath, "--exe", other.exePath]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(text.contains("build id") && text.contains("--exe"), "\(text)")
    }
}
