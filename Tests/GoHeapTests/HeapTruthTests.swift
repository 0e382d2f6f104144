import Testing
import GoHeap
import FixtureSupport

/// The heap fixture program recorded objects, edges, roots, maps and channels as the runtime
/// saw them; the reconstruction must find each one.
@Suite("Heap objects, edges, roots and types against the heap program's truth")
struct HeapTruthTests {
    /// A value the tiny allocator packed into a 16-byte block with others: the block is the heap object.
    func isTinySubAllocation(_ heap: Heap, _ id: Int, _ o: Truth.Object) -> Bool {
        let s = heap.span(of: id)
        return s.noscan && s.elemSize == 16 && o.size < 16
    }

    /// Whether `target` is reachable from `starts` over the heap's pointers.
    func reachable(_ heap: Heap, from starts: [Int32], to target: Int) -> Bool {
        var seen = Set<Int32>(), stack = starts
        while let n = stack.popLast(), seen.count < 1_000_000 {
            if Int(n) == target { return true }
            guard seen.insert(n).inserted else { continue }
            stack += heap.pointers(from: Int(n))
        }
        return false
    }

    @Test("every recorded object is found, live, at its address, with its Go type", arguments: Fixtures.withDWARF("heap"))
    func objects(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let truth = try fixture.truth()
        let objects = try #require(truth.objects)
        #expect(objects.count > 2000)
        var wrong: [String] = []
        var tiny = 0
        for o in objects {
            let a = hex(o.address)
            guard let id = heap.object(containing: a) else { wrong.append("\(o.type) at \(o.address): not found"); continue }
            #expect(heap.isLive(id), "\(o.type) at \(o.address) is not reachable")
            #expect(heap.size(of: id) &+ (heap.dataAddress(of: id) &- heap.address(of: id)) >= o.size || o.type == "string" && o.size < 16,
                    "\(o.type) at \(o.address): slot \(heap.size(of: id)) < \(o.size)")
            if isTinySubAllocation(heap, id, o) { tiny += 1; continue }
            let name = heap.type(of: id)?.name
            if heap.dataAddress(of: id) != a || name != o.type {
                wrong.append("\(o.type) at \(o.address) (root \(o.root ?? "?")): got \(name ?? "unknown") at \(heap.dataAddress(of: id).hex)")
            }
        }
        #expect(wrong.count == 0, "\(wrong.count) objects wrong: \(wrong.prefix(10))")
        print("\(fixture): \(objects.count - wrong.count)/\(objects.count) recorded objects exact (\(tiny) tiny sub-allocations checked for containment only)")
    }

    /// Values the tiny allocator packed into 16-byte blocks are found where they sit, with their
    /// types, by whatever points inside the block.
    @Test("values inside tiny blocks are typed where they sit", arguments: Fixtures.withDWARF("heap"))
    func tinyValues(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let tiny = try #require(try fixture.truth().tiny)
        #expect(tiny.count >= 100)
        var wrong: [String] = []
        var packed = 0
        for v in tiny {
            let a = hex(v.address)
            guard let id = heap.object(containing: a) else { wrong.append("\(v.type) at \(v.address): not found"); continue }
            let offset = a &- heap.address(of: id)
            if offset > 0 { packed += 1 }
            let values = heap.values(in: id, process: process)
            if !values.contains(where: { $0.offset == offset && $0.type.name == v.type }) {
                wrong.append("\(v.type) at \(v.address) (+\(offset) in \(heap.address(of: id).hex)): \(values.map { "+\($0.offset) \($0.type.name)" })")
            }
        }
        #expect(packed > 20, "the tiny allocator packed only \(packed) values behind others")
        #expect(wrong.isEmpty, "\(wrong.count) tiny values wrong: \(wrong.prefix(10))")
    }

    @Test("typed bytes are at least 99% of live bytes", arguments: Fixtures.withDWARF)
    func typedFraction(_ fixture: Fixture) throws {
        let heap = try openProcess(fixture).heap()
        var typed: UInt64 = 0, live: UInt64 = 0
        for id in 0..<heap.objectCount where heap.isLive(id) {
            live += heap.size(of: id)
            if heap.type(of: id) != nil { typed += heap.size(of: id) }
        }
        let share = Double(typed) / Double(max(live, 1))
        print("\(fixture): typed \(typed) of \(live) live bytes = \(String(format: "%.2f", share * 100))%")
        #expect(share >= 0.99, "\(fixture): only \(share * 100)% of live bytes typed")
    }

    @Test("every recorded pointer edge is present", arguments: Fixtures.withDWARF("heap"))
    func edges(_ fixture: Fixture) throws {
        let heap = try openProcess(fixture).heap()
        let edges = try #require(try fixture.truth().edges)
        #expect(edges.count > 1000)
        var missing: [String] = []
        for e in edges {
            guard let from = heap.object(containing: hex(e.from) &+ e.offset), let to = heap.object(containing: hex(e.to)) else {
                missing.append("\(e.from)+\(e.offset) -> \(e.to): endpoint not an object"); continue
            }
            if !heap.pointers(from: from).contains(Int32(to)) { missing.append("\(e.from)+\(e.offset) -> \(e.to)") }
        }
        #expect(missing.count == 0, "\(missing.count) edges missing: \(missing.prefix(10))")
    }

    @Test("every recorded root is there, named as the runtime says", arguments: Fixtures.withDWARF("heap"))
    func roots(_ fixture: Fixture) throws {
        let heap = try openProcess(fixture).heap()
        let roots = try #require(try fixture.truth().roots)
        for r in roots {
            let id = try #require(heap.object(containing: hex(r.address)), "root target \(r.address) is not an object")
            let found = heap.roots.filter { $0.object == Int32(id) }
            switch r.kind {
            case "global":
                // The root is named by the variable; where in it the pointer sits is its field path.
                let name = try #require(r.name)
                #expect(found.contains { $0.kind == .global && $0.name == name && $0.slot == hex(r.variable ?? "0") &+ (r.offset ?? 0) },
                        "\(name): roots are \(found.map { "\($0.kind) \($0.name) \($0.field) at \($0.slot.hex)" })")
            case "stack":
                #expect(found.contains { $0.kind == .stack && $0.function == r.function },
                        "stack root in \(r.function ?? "?"): roots are \(found.map { "\($0.kind) \($0.function ?? $0.name)" })")
            case "finalizer", "cleanup":
                // Held by the finalizer's closure, or by the cleanup's closure (1.24–1.25) or boxed
                // argument (1.26+): reachable from the roots of that kind.
                let kind: RootKind = r.kind == "finalizer" ? .finalizer : .cleanup
                #expect(reachable(heap, from: heap.roots.filter { $0.kind == kind }.map(\.object), to: id),
                        "\(r.kind)-only object \(r.address) is not reachable from \(r.kind) roots")
            default:
                Issue.record("unknown root kind \(r.kind)")
            }
        }
    }

    @Test("map and channel objects carry their Go types", arguments: Fixtures.withDWARF("heap"))
    func mapsAndChannels(_ fixture: Fixture) throws {
        let heap = try openProcess(fixture).heap()
        let truth = try fixture.truth()
        for m in try #require(truth.maps) {
            let id = try #require(heap.object(containing: hex(m.address)), "\(m.name) header is not an object")
            #expect(heap.type(of: id)?.name == "map[\(m.keyType)]\(m.elemType)", "\(m.name): \(heap.type(of: id)?.name ?? "unknown")")
        }
        for c in try #require(truth.channels) {
            let id = try #require(heap.object(containing: hex(c.address)))
            #expect(heap.type(of: id)?.name == "chan \(c.elemType ?? "?")", "\(c.name): \(heap.type(of: id)?.name ?? "unknown")")
            if let first = c.elems.first, let e = heap.object(containing: hex(first)) {
                #expect(heap.type(of: e)?.name == "main.Node")
            }
        }
    }
}

@Suite("Paths name map entries by their keys")
struct MapPathTests {
    @Test(arguments: Fixtures.withDWARF("heap"))
    func mapKeysInPaths(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let truth = try fixture.truth()
        let node = try #require(truth.objects?.first { $0.root == "main.gStrMap" && $0.type == "main.Node" })
        let id = try #require(heap.object(containing: hex(node.address)))
        let paths = heap.paths(to: id, k: 3, process: process)
        let viaMap = paths.first { $0.root.name == "main.gStrMap" }
        let fields = viaMap?.steps.map(\.field) ?? []
        #expect(fields.contains { $0.hasPrefix("[\"key-") && $0.hasSuffix("\"]") }, "\(fields)")
    }
}
