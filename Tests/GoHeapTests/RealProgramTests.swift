import Foundation
import Testing
import GoHeap
import FixtureSupport

/// Heaps of programs nobody here wrote (scripts/build-corpus.sh): the Go compiler compiling
/// cmd/compile/internal/ssa, vet checking it, the go command listing std and cmd, each on
/// several Go versions, stopped mid-work by SIGQUIT and by gcore. There is no truth file: the
/// tests hold the reconstruction to what the runtime itself guarantees, to Go's own traceback,
/// and to the typing targets.
@Suite("Real programs: the compiler, vet and the go command", .serialized)
struct RealProgramTests {
    /// All the checks of one core, one heap build: typing coverage, the runtime's invariants
    /// (a live object's pointer words point at allocated objects or outside the heap; the
    /// in-use spans add up to `mheap_.pagesInUse`), typed values fit their slots, and for SIGQUIT
    /// cores the goroutines equal Go's own traceback.
    @Test("opens without a trap; typing, invariants and goroutines hold", .timeLimit(.minutes(5)), arguments: Corpus.all)
    func realProgram(_ core: CorpusCore) throws {
        try #require(core.exists, "corpus core \(core) is missing: run scripts/build-corpus.sh")
        let process = try Process(corePath: core.corePath, executablePath: core.exePath)
        let heap = try process.heap()
        let dwarf = try #require(process.dwarf)

        // An object still being allocated, held only by a slot of the allocator's own frames
        // (runtime.mallocgc and its helpers), has no type anywhere in the process when it is
        // pointer-free: the runtime records none (no header, no heap bits, no largeType). Such
        // objects (a gcore can catch one being zeroed) are left out of the typing shares.
        var inFlight = Set<Int>()
        let allocating = heap.roots.filter { $0.function?.hasPrefix("runtime.mallocgc") == true }
        for r in allocating {
            let o = Int(r.object)
            guard heap.span(of: o).noscan, heap.type(of: o) == nil,
                  heap.roots.allSatisfy({ $0.object != r.object || $0.function?.hasPrefix("runtime.mallocgc") == true }),
                  heap.referrers(of: o).isEmpty else { continue }
            inFlight.insert(o)
        }
        if !inFlight.isEmpty { print("\(core): left out, being allocated: \(inFlight.map { "\(heap.address(of: $0).hex) (\(heap.size(of: $0)) B)" })") }

        // Typing: ≥ 99.5% of live objects, ≥ 99.9% of live bytes; every typed value fits.
        var live = 0, typed = 0
        var liveBytes: UInt64 = 0, typedBytes: UInt64 = 0
        var misfits: [String] = []
        for id in 0..<heap.objectCount {
            let t = heap.type(of: id)
            if let t, let d = t.dwarf {
                let size = dwarf.type(dwarf.resolvingTypedefs(d)).size
                let room = heap.size(of: id) - (heap.dataAddress(of: id) - heap.address(of: id))
                if size * max(t.count, 1) > room { misfits.append("\(heap.address(of: id).hex) \(t.name) in \(room) B") }
            }
            guard heap.isLive(id), !inFlight.contains(id) else { continue }
            live += 1
            liveBytes += heap.size(of: id)
            if t != nil { typed += 1; typedBytes += heap.size(of: id) }
        }
        let byCount = Double(typed) / Double(max(live, 1)), byBytes = Double(typedBytes) / Double(max(liveBytes, 1))
        print("\(core): \(live) live objects, typed \(String(format: "%.3f", byCount * 100))% of them and \(String(format: "%.3f", byBytes * 100))% of \(liveBytes) bytes")
        #expect(live > 10_000, "\(core): only \(live) live objects: was it stopped mid-work?")
        #expect(byCount >= 0.995, "\(core): \(live - typed) of \(live) live objects untyped")
        #expect(byBytes >= 0.999, "\(core): \(liveBytes - typedBytes) of \(liveBytes) live bytes untyped")
        #expect(misfits.isEmpty, "\(core): \(misfits.prefix(10))")

        // The runtime's invariants.
        let bad = heap.invalidPointers.filter { heap.isLive(Int($0.from)) }
        #expect(bad.isEmpty, "\(core): \(bad.count) pointers of live objects at no object, e.g. \(bad.prefix(5).map { "\(heap.address(of: Int($0.from)).hex) -> \($0.value.hex)" })")
        // Equal unless the core caught a thread between a span's state and the count (gcore
        // stops threads anywhere; so does the SIGQUIT the crashing thread sends the others).
        let pages = heap.pagesInUse
        #expect(pages.runtime == pages.counted || pages.midUpdate != nil,
                "\(core): runtime \(pages.runtime.map(String.init) ?? "?") pages in use, spans \(pages.counted), \(pages.midUpdate ?? "no thread updating the count")")
        if let m = pages.midUpdate { print("\(core): pages in use \(pages.runtime.map(String.init) ?? "?") vs \(pages.counted) with \(m)") }
        #expect(heap.warnings.isEmpty, "\(core): \(heap.warnings)")

        // Goroutines against Go's traceback (SIGQUIT cores).
        guard core.mode == "quit" else { return }
        let text = try String(contentsOfFile: core.stderrPath, encoding: .utf8)
        // "goroutine 0" blocks are the system stacks (g0) of threads the signal found there, not
        // goroutines of allgs.
        let dumped = GoroutineTests.parse(text).filter { $0.id != 0 }
        #expect(dumped.count >= 2, "could not parse \(core.stderrPath)")
        let goroutines = heap.goroutines.filter { $0.status != .dead && $0.status != .deadExtra }
        #expect(Set(goroutines.map(\.id)) == Set(dumped.map(\.id)), "\(core): goroutine ids differ")
        var wrong: [String] = []
        for d in dumped {
            guard let g = goroutines.first(where: { $0.id == d.id }) else { continue }
            if d.state != g.state { wrong.append("goroutine \(d.id): \(d.state) vs \(g.state)") }
            let ours = process.stackFrames(of: g).map { ($0.printedFunction, $0.line) }
            let tail = Array(ours.suffix(d.frames.count))
            if !(tail.count == d.frames.count && zip(tail, d.frames).allSatisfy { $0.0 == $1.function && $0.1 == $1.line }) {
                wrong.append("goroutine \(d.id) frames: ours \(ours.map { "\($0.0):\($0.1)" }) theirs \(d.frames.map { "\($0.function):\($0.line)" })")
            }
        }
        #expect(wrong.isEmpty, "\(core): \(wrong.prefix(5))")
    }
}
