import Testing
import GoHeap
import FixtureSupport
import Synchronization

/// Processes opened once per fixture and shared by the tests (their heaps are built once too).
let openedProcesses = Mutex<[String: Process]>([:])

func openProcess(_ fixture: Fixture) throws -> Process {
    try #require(fixture.exists, "fixture \(fixture) is missing: run scripts/build-fixtures.sh")
    if let p = openedProcesses.withLock({ $0[fixture.directory] }) { return p }
    let p = try Process(corePath: fixture.corePath, executablePath: fixture.exePath)
    openedProcesses.withLock { $0[fixture.directory] = p }
    return p
}

@Suite("Heap reconstruction against the runtime's own accounting")
struct HeapFixtureTests {
    /// The truth's MemStats were read right after a final runtime.GC(): the objects allocated
    /// as of that GC (allocation bit set) must be exactly HeapObjects and HeapAlloc. Objects
    /// allocated afterwards (i < freeindex with a clear bit) are reported apart.
    @Test("objects as of the last GC equal MemStats exactly", arguments: Fixtures.withDWARF)
    func accounting(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let truth = try fixture.truth()
        var count: UInt64 = 0, bytes: UInt64 = 0
        for id in 0..<heap.objectCount where !heap.isAllocatedSinceSweep(id) {
            count += 1
            bytes += heap.size(of: id)
        }
        #expect(count == truth.memstats["HeapObjects"], "\(fixture)")
        #expect(bytes == truth.memstats["HeapAlloc"], "\(fixture)")
        #expect(heap.warnings.isEmpty, "\(heap.warnings)")
        // The size-class table read from the binary: 68 classes from 8 bytes to 32 KiB.
        #expect(heap.sizeClasses.count == 68 && heap.sizeClasses[1] == 8 && heap.sizeClasses.last == 32768)
        print("\(fixture): \(heap.objectCount) objects, \(heap.liveCount) live (\(heap.liveBytes) B), \(heap.edgeCount) edges, \(heap.roots.count) roots")
    }

    /// A type is only given to an object its value fits in: a stale pointer of a bigger type
    /// (a `*runtime.g` left in a dead slot, pointing at what is now a 16-byte object) must not
    /// type it.
    @Test("every typed object's value fits in its slot", arguments: Fixtures.withDWARF)
    func typesFit(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let dwarf = try #require(process.dwarf)
        var misfits: [String] = []
        for id in 0..<heap.objectCount {
            guard let t = heap.type(of: id), let d = t.dwarf else { continue }
            let size = dwarf.type(dwarf.resolvingTypedefs(d)).size
            let room = heap.size(of: id) - (heap.dataAddress(of: id) - heap.address(of: id))
            if size * max(t.count, 1) > room { misfits.append("\(heap.address(of: id).hex) \(t.name) in \(room) B") }
        }
        #expect(misfits.isEmpty, "\(fixture): \(misfits.prefix(10))")
    }

    /// The basics program's 16-byte [2]int64 that a global *wideView (64 bytes) also points to:
    /// typed by the pointer one level further down, the only type that fits.
    @Test("an unsafe wider view does not type a smaller object", arguments: Fixtures.withDWARF("basics"))
    func widerView(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let view = try #require(process.global("main.gWideView"))
        let id = try #require(heap.object(containing: try view.pointerValue().rawValue))
        #expect(heap.size(of: id) == 16)
        #expect(heap.type(of: id)?.name == "[2]int64", "\(fixture): \(heap.type(of: id)?.name ?? "untyped")")
    }

    /// Dominators and retained sizes computed beside typing (and the live set read from the
    /// dominator tree's search) equal those computed after the heap, from a separate process.
    @Test("precomputed dominators, retained sizes and live set equal the lazy ones", arguments: Fixtures.withDWARF("heap"))
    func precomputed(_ fixture: Fixture) throws {
        let lazy = try openProcess(fixture).heap()
        let eager = try Process(corePath: fixture.corePath, executablePath: fixture.exePath).heap(precomputing: .retainedSizes)
        #expect(eager.liveCount == lazy.liveCount && eager.liveBytes == lazy.liveBytes)
        #expect((0..<lazy.objectCount).allSatisfy { eager.isLive($0) == lazy.isLive($0) })
        #expect(eager.dominators().idom == lazy.dominators().idom)
        let a = eager.retainedSizes(), b = lazy.retainedSizes()
        #expect(a.counts == b.counts)
        #expect((0..<lazy.objectCount).allSatisfy { a.bytes(of: $0) == b.bytes(of: $0) })
    }

    /// Reachability from our roots must cover everything the last GC kept, except the runtime's
    /// previous tiny-allocation blocks, which the GC greys at mark termination and drops from
    /// the mcache right after (16-byte noscan blocks), and the odd small object the runtime
    /// allocated black during that GC's mark phase and dropped before the crash.
    @Test("reachability misses nothing the GC kept", arguments: Fixtures.withDWARF)
    func reachability(_ fixture: Fixture) throws {
        let heap = try openProcess(fixture).heap()
        let truth = try fixture.truth()
        var dropped: [String] = []
        for id in 0..<heap.objectCount where !heap.isLive(id) && !heap.isAllocatedSinceSweep(id) {
            let s = heap.span(of: id)
            if !(s.elemSize == 16 && s.noscan) { dropped.append("\(heap.address(of: id).hex) (\(heap.size(of: id)) B)") }
        }
        #expect(dropped.count <= 2, "objects the GC kept but no root reaches: \(dropped.prefix(20))")
        for id in 0..<heap.objectCount where !heap.isLive(id) && !heap.isAllocatedSinceSweep(id) {
            #expect(heap.size(of: id) <= 32, "a \(heap.size(of: id))-byte object the GC kept is unreachable")
        }
        let staleTiny = (0..<heap.objectCount).filter { !heap.isLive($0) && !heap.isAllocatedSinceSweep($0) }.count
        #expect(staleTiny <= truth.gomaxprocs)
    }

    @Test("globals' heap targets are live objects with a root named after the global", arguments: Fixtures.withDWARF("basics"))
    func globalRoots(_ fixture: Fixture) throws {
        let heap = try openProcess(fixture).heap()
        let truth = try fixture.truth()
        let heapGlobals = ["main.gDynString": \Truth.Global.data, "main.gSlice": \Truth.Global.data,
                           "main.gPoint": \Truth.Global.target, "main.gIface": \Truth.Global.data,
                           "main.gMap": \Truth.Global.target, "main.gFunc": \Truth.Global.target]
        for (name, path) in heapGlobals {
            let g = try #require(truth.global(name))
            let field = try #require(g[keyPath: path])
            let target = hex(field)
            let id = try #require(heap.object(containing: target), "\(name) target \(target.hex) is not a heap object")
            #expect(heap.isLive(id))
            let roots = heap.roots.filter { $0.object == Int32(id) && $0.kind == .global }
            #expect(roots.contains { $0.name == name || $0.name.hasPrefix(name + ".") }, "\(name): roots \(roots.map(\.name))")
        }
        // gPoint -> its Next: a pointer edge between the two Points.
        let p = try #require(truth.global("main.gPoint"))
        if case .string(let next)? = p.fields?["Next"] {
            let pointTarget = try #require(p.target)
            let from = try #require(heap.object(containing: hex(pointTarget)))
            let to = try #require(heap.object(containing: hex(next)))
            #expect(heap.pointers(from: from).contains(Int32(to)))
        }
    }

    @Test("stripped executables: the heap needs DWARF and says so", arguments: Fixtures.stripped)
    func strippedHeap(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        #expect(throws: HeapError.self) { try process.heap() }
    }
}
