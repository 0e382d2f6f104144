import Foundation
import Testing
import GoHeap
import FixtureSupport

/// Truth keys the shared `Truth` does not decode (see Tests/Fixtures/Programs/basics/main.go).
private struct ValueTruth: Decodable {
    struct Global: Decodable {
        let name: String
        let type: String?
        let entries: [String: Int64]?
        let dynamicType: String?
        let codeFunction: String?
        let nextFields: [String: Truth.FieldValue]?
    }
    let globals: [Global]?

    static func load(_ fixture: Fixture) throws -> ValueTruth {
        try JSONDecoder().decode(ValueTruth.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.truthPath)))
    }
    func global(_ name: String) -> Global? { globals?.first { $0.name == name } }
}

/// A value by the truth's path syntax: `main.gMaps[3]`, `main.gHolder.M` (pointers on the way
/// are followed, as Go's selector does).
private func resolve(_ process: GoHeap.Process, _ path: String) throws -> Value {
    func split(_ part: Substring) -> (name: String, index: Int?) {
        guard let open = part.firstIndex(of: "["), let close = part.firstIndex(of: "]") else { return (String(part), nil) }
        return (String(part[..<open]), Int(part[part.index(after: open)..<close]))
    }
    let parts = path.dropFirst("main.".count).split(separator: ".")
    let head = try #require(parts.first, "bad path \(path)")
    let (name, index) = split(head)
    var v = try #require(process.global("main." + name), "no global main.\(name)")
    if let index { v = try v.index(index) }
    for part in parts.dropFirst() {
        let (name, index) = split(part)
        if v.kind == .pointer { v = try #require(try v.dereferenced(), "nil pointer on the way to \(path)") }
        v = try v.field(name)
        if let index { v = try v.index(index) }
    }
    return v
}

private func version(_ fixture: Fixture) -> GoVersion? { GoVersion(fixture.goVersion) }

@Suite("Value API against the fixtures' truth")
struct ValueTests {
    // MARK: basics

    /// A `main.Point` value equals the truth's field map.
    func checkPoint(_ point: Value, _ fields: [String: Truth.FieldValue], _ context: String) throws {
        #expect(point.typeName == "main.Point", "\(context)")
        for (name, expected) in fields {
            let f = try point.field(name)
            switch (name, expected) {
            case ("Name", .string(let s)): #expect(try f.string() == s, "\(context).\(name)")
            case ("Next", .string(let p)): #expect(try f.pointerValue().rawValue == hex(p), "\(context).\(name)")
            case (_, .int(let i)): #expect(try f.int() == i, "\(context).\(name)")
            default: Issue.record("\(context): unexpected truth field \(name) = \(expected)")
            }
        }
        #expect(try point.fields().map(\.name) == ["X", "Y", "Name", "Next"])
    }

    @Test("every truth global read through process.global equals the truth", arguments: Fixtures.withDWARF("basics"))
    func basicsGlobals(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let truth = try fixture.truth()
        let extra = try ValueTruth.load(fixture)
        let globals = try #require(truth.globals)
        #expect(globals.count >= 13)
        for g in globals {
            let v = try #require(process.global(g.name), "\(fixture): no global \(g.name)")
            let x = extra.global(g.name)
            #expect(v.address.rawValue == hex(g.address), "\(g.name)")
            #expect(v.size == g.size, "\(g.name)")
            #expect(v.kind?.description == g.kind, "\(g.name): kind \(String(describing: v.kind))")
            switch g.kind {
            case "int", "int64":
                #expect(try v.int() == g.int, "\(g.name)")
                #expect(throws: ValueError.self) { try v.uint() }
            case "uint8": #expect(try v.uint() == g.uint, "\(g.name)")
            case "float64": #expect(try v.float() == g.float, "\(g.name)")
            case "bool": #expect(try v.bool() == g.bool, "\(g.name)")
            case "string":
                #expect(try v.string() == g.string, "\(g.name)")
                #expect(try v.len() == g.len, "\(g.name)")
                #expect(try v.string(limit: 4) == String((g.string ?? "").prefix(4)), "\(g.name)")
                #expect(try v.index(0).uint() == UInt64((g.string ?? "").utf8.first ?? 0), "\(g.name)")
                #expect(throws: ValueError.indexOutOfRange(g.len ?? 0, count: g.len ?? 0)) { try v.index(g.len ?? 0) }
            case "slice":
                #expect(try v.len() == g.len && v.cap() == g.cap, "\(g.name)")
                let ints = try (0..<v.len()).map { i throws(ValueError) in try v.index(i).int() }
                #expect(ints == g.ints, "\(g.name)")
                #expect(throws: ValueError.self) { try v.index(-1) }
            case "array":
                #expect(try v.bytes(limit: 1 << 10) == g.bytes, "\(g.name)")
                #expect(try v.len() == g.bytes?.count && v.cap() == g.bytes?.count, "\(g.name)")
                #expect(try v.index(3).uint() == 3, "\(g.name)")
            case "ptr":
                #expect(try v.pointerValue().rawValue == hex(g.target ?? ""), "\(g.name)")
                let point = try #require(try v.dereferenced())
                try checkPoint(point, try #require(g.fields), g.name)
                let next = try #require(try point.field("Next").dereferenced())
                try checkPoint(next, try #require(x?.nextFields), g.name + ".Next")
                #expect(try next.field("Next").dereferenced() == nil, "\(g.name).Next.Next is nil")
                #expect(throws: ValueError.noSuchField("Z", in: "main.Point")) { try point.field("Z") }
                #expect(throws: ValueError.self) { try v.field("X") }
            case "interface":
                #expect(try v.dynamicTypeName() == x?.dynamicType, "\(g.name)")
                let dynamic = try #require(try v.elem())
                #expect(dynamic.typeName == x?.dynamicType, "\(g.name)")
                #expect(try dynamic.pointerValue().rawValue == hex(g.data ?? ""), "\(g.name)")
                try checkPoint(try #require(try dynamic.dereferenced()), try #require(g.fields), g.name)
            case "map":
                #expect(try v.pointerValue().rawValue == hex(g.target ?? ""), "\(g.name)")
                #expect(try v.len() == g.len, "\(g.name)")
                var entries: [String: Int64] = [:]
                for (k, e) in try v.mapEntries() { entries[try k.string()] = try e.int() }
                #expect(entries == x?.entries, "\(g.name)")
                #expect(try v.mapEntries(limit: 2).count == 2, "\(g.name)")
            case "func":
                #expect(try v.pointerValue().rawValue == hex(g.target ?? ""), "\(g.name)")
                let fn = try v.function()
                #expect(fn.name == x?.codeFunction, "\(g.name)")
                if let ver = version(fixture), ver.atLeast(23) {
                    #expect(fn.captured.map(\.name) == ["k"], "\(g.name)")
                    #expect(try fn.captured.first?.value.int() == 42, "\(g.name)")
                } else {
                    #expect(fn.captured.isEmpty, "\(g.name)")
                }
            default:
                Issue.record("\(fixture): truth global \(g.name) of unexpected kind \(g.kind)")
            }
        }
        #expect(process.global("main.noSuchGlobal") == nil)
    }

    /// `os.File` embeds `*os.file`: its fields are promoted through the embedded pointer.
    @Test("promoted fields through an embedded pointer (os.Stdout)", arguments: Fixtures.withDWARF("basics"))
    func embedded(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let stdout = try #require(process.global("os.Stdout"))
        let file = try #require(try stdout.dereferenced())
        #expect(try file.fields().map { "\($0.name) \($0.isEmbedded)" } == ["file true"])
        #expect(try file.field("name").string() == "/dev/stdout")
        #expect(try file.field("file").dereferenced()?.field("name").string() == "/dev/stdout")
        #expect(throws: ValueError.noSuchField("nothing", in: "os.File")) { try file.field("nothing") }
    }

    // MARK: maps

    @Test("every truth map: entries, sums, both implementations, growth", arguments: Fixtures.withDWARF("heap"))
    func heapMaps(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let maps = try #require(try fixture.truth().maps)
        #expect(maps.count >= 13)
        let start = Date()
        var total = 0
        for m in maps {
            let v = try resolve(process, m.name)
            #expect(v.kind == .map, "\(m.name)")
            #expect(try v.pointerValue().rawValue == hex(m.address), "\(m.name)")
            #expect(try v.len() == m.len, "\(m.name)")
            let entries = try v.mapEntries()
            total += entries.count
            #expect(entries.count == m.len, "\(fixture) \(m.name)")
            let keyNames = Set(entries.map { $0.key.typeName }), elemNames = Set(entries.map { $0.value.typeName })
            #expect(entries.isEmpty || (keyNames == [m.keyType] && elemNames == [m.elemType]), "\(m.name): \(keyNames) \(elemNames)")
            var keys: [Int64] = [], values: [Int64] = []
            if m.sumKeys != nil || m.keyType == "int64" { for e in entries { keys.append(try e.key.int()) } }
            if m.sumValues != nil { for e in entries { values.append(try e.value.int()) } }
            if let sum = m.sumKeys {
                #expect(keys.reduce(0, &+) == sum, "\(m.name) keys")
                #expect(Set(keys).count == m.len, "\(m.name): keys not unique")
            }
            if let sum = m.sumValues { #expect(values.reduce(0, &+) == sum, "\(m.name) values") }
            if m.keyType == "int64" && m.elemType == "int64" {
                let wrong = zip(keys, values).filter { $0.1 != $0.0 &* 7 &+ 3 }
                #expect(wrong.isEmpty, "\(m.name): \(wrong.count) entries with v != 7k+3")
            }
            // The implementation and growth state, read through the header's own DWARF type.
            let headerType = try #require(v.goType.underlying.flatMap { process.dwarf?.type($0).elem })
            let header = Value(process: process, address: try v.pointerValue(), type: headerType)
            if m.impl == "classic" {
                #expect(try header.field("oldbuckets").pointerValue().isNull == !m.growing, "\(m.name) growing")
            } else {
                #expect(try header.field("used").uint() == UInt64(m.len), "\(m.name)")
            }
            #expect(try v.mapEntries(limit: 3).count == min(3, m.len), "\(m.name)")
        }
        print("\(fixture): \(maps.count) maps, \(total) entries in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
    }

    @Test("map keys and elements of every shape: strings, structs, slices, indirect arrays", arguments: Fixtures.withDWARF("heap"))
    func mapShapes(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let strMap = try #require(process.global("main.gStrMap")).mapEntries()
        #expect(Set(try strMap.map { e throws(ValueError) in try e.key.string() }) == Set((0..<50).map { "key-\($0)" }))
        for (k, v) in strMap {
            let node = try #require(try v.dereferenced())
            let index = Int64(String(try k.string().dropFirst("key-".count)))
            #expect(try node.field("Val").int() == 2000 + (index ?? -1))
        }
        let small = try #require(process.global("main.gSmallMap")).mapEntries()
        #expect(small.count == 20)
        for (k, v) in small {
            let a = try k.field("A").int(), b = try k.field("B").int()
            #expect(b == a * 3)
            #expect(try v.len() == Int(a % 4 + 1))
            #expect(try (0..<v.len()).map { i throws(ValueError) in try v.index(i).int() } == (0..<Int64(a % 4 + 1)).map { a * 10 + $0 })
        }
        let big = try #require(process.global("main.gBigValMap")).mapEntries()
        #expect(big.count == 10)
        for (k, v) in big {
            let key = try k.int()
            #expect(v.typeName == "[200]uint8" && v.size == 200)
            #expect(try v.bytes(limit: 200) == (0..<200).map { UInt8(truncatingIfNeeded: key / 11 + Int64($0)) })
        }
        let holder = try resolve(process, "main.gHolder.M").mapEntries()
        #expect(Set(try holder.map { e throws(ValueError) in try e.key.string() }) == ["hm-0", "hm-1", "hm-2"])
    }

    // MARK: channels, interfaces, closures

    @Test("every truth channel: elements in receive order, len, cap", arguments: Fixtures.withDWARF("heap"))
    func heapChannels(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let channels = try #require(try fixture.truth().channels)
        #expect(channels.count >= 2)
        for c in channels {
            let v = try resolve(process, c.name)
            #expect(try v.pointerValue().rawValue == hex(c.address), "\(c.name)")
            #expect(try v.len() == c.len && v.cap() == c.cap, "\(c.name)")
            let elems = try v.channelElements()
            #expect(try elems.map { e throws(ValueError) in try e.pointerValue().rawValue } == c.elems.map(hex), "\(c.name)")
            if let t = c.elemType { #expect(elems.allSatisfy { $0.typeName == t }, "\(c.name)") }
        }
        let ints = try #require(process.global("main.gIntChan"))
        #expect(try ints.channelElements().map { e throws(ValueError) in try e.int() } == [1111, 2222, 3333])
        #expect(try ints.cap() == 8)
    }

    @Test("interfaces: empty and not, direct and indirect dynamic values", arguments: Fixtures.withDWARF("heap"))
    func interfaces(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        for (path, w, h) in [("main.gIface", 3.0, 4.0), ("main.gShape", 5.0, 6.0), ("main.gHolder.I", 7.0, 8.0)] {
            let v = try resolve(process, path)
            #expect(try v.dynamicTypeName() == "*main.Rect", "\(path)")
            let rect = try #require(try v.elem()?.dereferenced(), "\(path)")
            #expect(try rect.field("W").float() == w && rect.field("H").float() == h, "\(path)")
            #expect(try rect.field("Owner").dereferenced() != nil, "\(path)")
        }
        let ifaces = try #require(process.global("main.gIfaces"))
        #expect(try ifaces.len() == 5)
        #expect(try ifaces.index(0).dynamicTypeName() == "*main.Node")
        #expect(try ifaces.index(0).elem()?.kind == .pointer)
        #expect(try ifaces.index(1).elem()?.int() == 123_456_789)
        #expect(try ifaces.index(2).elem()?.len() == 37)
        let small = try #require(try ifaces.index(3).elem())
        #expect(try small.field("A").int() == 7 && small.field("B").int() == -9)
        #expect(throws: ValueError.self) { try ifaces.int() }
    }

    @Test("closures: code and captured variables (Go 1.23+)", arguments: Fixtures.withDWARF("heap"))
    func closures(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let fn = try #require(process.global("main.gClosure")).function()
        #expect(fn.name == "main.makeClosure.func1")
        if let ver = version(fixture), ver.atLeast(23) {
            // k is folded away by the compiler in every version: DWARF lists only n.
            #expect(fn.captured.map(\.name).contains("n"))
            for (name, v) in fn.captured {
                if name == "k" { #expect(try v.int() == 42) }
                if name == "n" { #expect(try v.dereferenced()?.field("Name").string() != nil) }
            }
        } else {
            #expect(fn.captured.isEmpty)
        }
        let f = try resolve(process, "main.gHolder.F").function()
        #expect(f.name == "main.makeNodeFunc.func1")
    }
}

/// Maps and channels of a copy of a fixture core with some of their runtime structures
/// overwritten must end in a ``ValueError``: never a trap, never a hang.
@Suite("Value on damaged maps and channels")
struct DamagedValueTests {
    static let fixtures = ["go1.21.13", "go1.24.11-noswissmap", "go1.26.6", "go1.27.3"].map { Fixtures.named($0, "heap") }

    /// A copy of the fixture's core with `patches` (runtime address, bytes) applied.
    func patchedCore(_ fixture: Fixture, _ process: GoHeap.Process, _ patches: [(Address, [UInt8])], name: String) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: fixture.corePath))
        for (address, bytes) in patches {
            let off = try #require(process.core.coreFileOffset(of: address), "\(address) is not in the core file")
            for (i, b) in bytes.enumerated() { data[Int(off) + i] = b }
        }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("goheap-value-\(getpid())-\(fixture.variant)-\(name)").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func word(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    /// The runtime header (`hash<K,V>` or `map<K,V>`) of a map value.
    func header(_ map: Value) throws -> Value {
        let t = try #require(map.goType.underlying.flatMap { map.process.dwarf?.type($0).elem })
        return Value(process: map.process, address: try map.pointerValue(), type: t)
    }

    /// Element `i` of the array of `T` a `*T` field points to.
    func element(_ pointer: Value, _ i: UInt64) throws -> Value {
        let first = try #require(try pointer.dereferenced())
        return Value(process: first.process, address: Address(first.address.rawValue + i * first.size), type: first.type)
    }

    @Test("a 2^40 count, a directory entry pointing to the directory, overflow cycles, bad sizes", arguments: fixtures)
    func targetedDamage(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let maps = try #require(process.global("main.gMaps"))
        let classic = try header(maps.index(0)).fields().contains { $0.name == "buckets" }
        var patches: [(Address, [UInt8])] = []
        var damaged: [String] = []

        let h5 = try header(maps.index(5))
        patches.append((try h5.field(classic ? "count" : "used").address, word(1 << 40)))
        damaged.append("main.gMaps[5]")

        let h6 = try header(maps.index(6)), h7 = try header(maps.index(7))
        let growing = try header(#require(process.global("main.gGrowing")))
        if classic {
            // An overflow bucket of gMaps[7] whose overflow points to itself.
            let buckets = try h7.field("buckets")
            var loop: Value?
            for i in 0..<(UInt64(1) << (try h7.field("B").uint())) {
                if let o = try element(buckets, i).field("overflow").dereferenced() { loop = o; break }
            }
            let o = try #require(loop, "gMaps[7] has no overflow bucket")
            patches.append((try o.field("overflow").address, word(o.address.rawValue)))
            damaged.append("main.gMaps[7]")
            // gMaps[6]: B = 60.
            patches.append((try h6.field("B").address, [60]))
            damaged.append("main.gMaps[6]")
            // gGrowing: an old bucket not yet evacuated chains to a new bucket with entries,
            // which would then be seen twice.
            let old = try growing.field("oldbuckets"), new = try growing.field("buckets")
            let b = try growing.field("B").uint()
            var from: Value?, to: Value?
            for i in 0..<(UInt64(1) << (b - 1)) where from == nil {
                let bucket = try element(old, i)
                // Not evacuated, and without overflow buckets whose entries the patch would hide.
                if !(2...4).contains(try bucket.field("tophash").index(0).uint()),
                   try bucket.field("overflow").pointerValue().isNull { from = bucket }
            }
            for i in 0..<(UInt64(1) << b) where to == nil {
                let bucket = try element(new, i)
                if try bucket.field("tophash").index(0).uint() >= 5 { to = bucket }
            }
            let source = try #require(from, "gGrowing has no old bucket left"), target = try #require(to)
            patches.append((try source.field("overflow").address, word(target.address.rawValue)))
            damaged.append("main.gGrowing")
        } else {
            // gMaps[7]: its last directory entry repeats the first table, apart from its run.
            let dir = try h7.field("dirPtr"), n = try h7.field("dirLen").int()
            #expect(n > 2)
            let first = try element(dir, 0).pointerValue()
            patches.append((Address(try dir.pointerValue().rawValue + UInt64(n - 1) * 8), word(first.rawValue)))
            damaged.append("main.gMaps[7]")
            // gGrowing: its last directory entry points to the directory itself.
            let gdir = try growing.field("dirPtr"), gn = try growing.field("dirLen").int()
            #expect(gn >= 2)
            patches.append((Address(try gdir.pointerValue().rawValue + UInt64(gn - 1) * 8), word(try gdir.pointerValue().rawValue)))
            damaged.append("main.gGrowing")
            // gMaps[6]: its first table claims 2^40 groups.
            let table = try #require(try element(try h6.field("dirPtr"), 0).dereferenced())
            patches.append((try table.field("groups").field("lengthMask").address, word(1 << 40)))
            damaged.append("main.gMaps[6]")
        }
        // A channel whose queue claims more elements than its buffer holds.
        let chan = try #require(try process.global("main.gChan")?.pointerValue())
        let hchan = try #require(process.dwarf?.type(named: "runtime.hchan"))
        let qcount = try Value(process: process, address: chan, type: hchan).field("qcount").address
        patches.append((qcount, word(1 << 20)))

        let path = try patchedCore(fixture, process, patches, name: "targeted")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let damagedProcess = try GoHeap.Process(corePath: path, executablePath: fixture.exePath)
        for name in damaged {
            let start = Date()
            let error = #expect(throws: ValueError.self, "\(fixture) \(name)") { try resolve(damagedProcess, name).mapEntries() }
            print("\(fixture) \(name): \(error.map { "\($0)" } ?? "no error")")
            #expect(Date().timeIntervalSince(start) < 10, "\(name) took too long")
        }
        #expect(throws: ValueError.self) { try damagedProcess.global("main.gChan")?.channelElements() }
        // What was not damaged still reads.
        let truth = try #require(try fixture.truth().maps)
        for m in truth where !damaged.contains(m.name) {
            #expect(try resolve(damagedProcess, m.name).mapEntries().count == m.len, "\(fixture) \(m.name)")
        }
    }

    @Test("random bytes over map headers, buckets, directories, groups and channel headers", arguments: fixtures)
    func randomDamage(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let truth = try fixture.truth()
        // Each map's header and the first 512 bytes of what it points to.
        var targets: [(Address, Int)] = []
        for m in try #require(truth.maps) {
            let h = try header(resolve(process, m.name))
            targets.append((h.address, Int(h.size)))
            let names = try h.fields().map(\.name)
            for f in ["buckets", "oldbuckets", "dirPtr"] where names.contains(f) {
                let p = try h.field(f).pointerValue()
                if !p.isNull { targets.append((p, 512)) }
            }
        }
        for c in try #require(truth.channels) { targets.append((Address(hex(c.address)), 96)) }
        for seed in UInt64(1)...3 {
            var rng = DamagedHeapTests.SplitMix64(state: seed &* 0x9e37_79b9)
            var patches: [(Address, [UInt8])] = []
            for (a, n) in targets {
                // Damage a third of the targets, each over a random stretch.
                guard rng.next() % 3 == 0 else { continue }
                let start = Int(rng.next() % UInt64(n)), len = 1 + Int(rng.next() % 16)
                patches.append((Address(a.rawValue + UInt64(start)), (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
            }
            let path = try patchedCore(fixture, process, patches, name: "random-\(seed)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let p = try GoHeap.Process(corePath: path, executablePath: fixture.exePath)
            let start = Date()
            var outcomes: [String: Int] = [:]
            for m in try #require(truth.maps) {
                do {
                    let v = try resolve(p, m.name)
                    _ = try v.len()
                    let n = try v.mapEntries().count
                    outcomes[n == m.len ? "same" : "different", default: 0] += 1
                } catch let e as ValueError {
                    outcomes[String("\(e)".prefix(while: { $0 != ":" })), default: 0] += 1
                }
            }
            for c in try #require(truth.channels) {
                do { _ = try resolve(p, c.name).channelElements(); outcomes["channel read", default: 0] += 1 }
                catch is ValueError { outcomes["channel error", default: 0] += 1 }
            }
            print("\(fixture) random damage \(seed) (\(patches.count) patches): \(outcomes.sorted { $0.key < $1.key })")
            #expect(Date().timeIntervalSince(start) < 30)
        }
    }
}
