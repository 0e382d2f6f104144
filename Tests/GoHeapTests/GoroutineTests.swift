import Foundation
import Testing
import GoHeap
import FixtureSupport

/// Go's own crash output (GOTRACEBACK=crash, in stderr.txt) lists every goroutine with all its
/// frames at the moment of the crash: the reconstruction must show the same.
@Suite("Goroutines and their stacks against Go's crash traceback")
struct GoroutineTests {
    struct Dumped {
        let id: Int64
        let state: String
        var frames: [(function: String, line: Int)]
    }

    /// Parses "goroutine N gp=… m=… [state, 2 minutes]:" blocks and their frame lines.
    static func parse(_ text: String) -> [Dumped] {
        var out: [Dumped] = []
        var current: Dumped?
        var pendingFunction: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("goroutine "), line.hasSuffix(":"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") {
                if let c = current { out.append(c) }
                let id = Int64(line.dropFirst("goroutine ".count).prefix { $0.isNumber }) ?? -1
                let state = String(line[line.index(after: open)..<close]).split(separator: ",").first.map(String.init) ?? ""
                current = Dumped(id: id, state: state, frames: [])
                pendingFunction = nil
                continue
            }
            guard current != nil else { continue }
            if line.isEmpty { if let c = current { out.append(c) }; current = nil; continue }
            if line.hasPrefix("\t") {
                guard let f = pendingFunction else { continue }
                let loc = line.dropFirst().split(separator: " ").first ?? ""
                let n = Int(loc.split(separator: ":").last ?? "") ?? 0
                current?.frames.append((f, n))
                pendingFunction = nil
            } else if line.hasPrefix("created by ") {
                pendingFunction = nil
            } else if let paren = line.lastIndex(of: "(") {
                var f = String(line[..<paren])
                if f == "panic" { f = "runtime.gopanic" }
                pendingFunction = f
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    @Test("ids, states, wait reasons and every frame equal Go's traceback", arguments: Fixtures.withDWARF)
    func stacksEqualTraceback(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let text = try String(contentsOfFile: fixture.stderrPath, encoding: .utf8)
        let dumped = Self.parse(text)
        #expect(dumped.count >= 4, "could not parse \(fixture.stderrPath)")
        let live = heap.goroutines.filter { $0.status != .dead && $0.status != .deadExtra }
        #expect(Set(live.map(\.id)) == Set(dumped.map(\.id)), "goroutine ids differ")
        for d in dumped {
            guard let g = live.first(where: { $0.id == d.id }) else { continue }
            // The dump's state is the wait reason for waiting goroutines, else the status.
            #expect(d.state == g.state, "goroutine \(d.id): \(d.state) vs \(g.state)")
            let ours = process.stackFrames(of: g).map { ($0.printedFunction, $0.line) }
            let theirs = d.frames
            // The crashing goroutine was printed from the panic onwards, before the runtime
            // went on to raise SIGABRT: its dump is a suffix of our frames.
            let tail = Array(ours.suffix(theirs.count))
            let same = tail.count == theirs.count && zip(tail, theirs).allSatisfy { $0.0 == $1.function && $0.1 == $1.line }
            #expect(same, "goroutine \(d.id) frames:\n ours   \(ours.map { "\($0.0):\($0.1)" })\n theirs \(theirs.map { "\($0.function):\($0.line)" })")
            if g.status != .running { #expect(ours.count == theirs.count, "goroutine \(d.id): extra frames") }
        }
    }

    @Test("goroutines with identical stacks group together", arguments: [Fixtures.named("go1.26.6")])
    func grouping(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let keys = heap.goroutines.filter { $0.status == .waiting }.map { g in
            process.stackFrames(of: g).map { "\($0.function):\($0.line)" }.joined(separator: ";")
        }
        // The fixture parks three goroutines in the same locked-thread function.
        let counts = Dictionary(grouping: keys, by: { $0 }).mapValues(\.count)
        #expect(counts.values.contains { $0 >= 3 })
    }
}

@Suite("Frame variables and goroutine details")
struct FrameVariableTests {
    @Test("locals of a parked frame read back equal, with types and liveness", arguments: Fixtures.withDWARF("basics"))
    func locals(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let truth = try fixture.truth()
        let expected = try #require(truth.locals)
        let g = try #require(heap.goroutines.first { process.stackFrames(of: $0).contains { $0.function == "main.parkLocals" } })
        let frame = try #require(process.frameVariables(of: g).first { $0.function == "main.parkLocals" })
        for e in expected {
            let v = try #require(frame.variables.first { $0.name == e.name && $0.value != nil } ?? frame.variables.first { $0.name == e.name },
                                 "no variable \(e.name) in \(frame.variables.map(\.name))")
            let value = try #require(v.value, "\(e.name) is not in the frame: \(frame.variables.map { "\($0.name)=\($0.value?.address.description ?? "-")" })")
            switch e.kind {
            case "string":
                #expect(try value.string() == e.string)
                #expect(v.live == true, "\(e.name) is used after the receive, so its pointer is live")
            case "int64":
                #expect(try value.int() == e.int)
            case "ptr":
                let p = try #require(try value.dereferenced())
                for (name, want) in e.fields ?? [:] {
                    switch want {
                    case .int(let i): #expect(try p.field(name).int() == i)
                    case .string(let s): #expect(try p.field(name).string() == s)
                    }
                }
            case "slice":
                let n = try value.len()
                #expect(try (0..<n).map { try value.index($0).int() } == e.ints)
            case "interface":
                #expect(try value.dynamicTypeName() == e.dynamicType)
                if let i = e.int { #expect(try value.elem()?.int() == i) }
            case "struct":
                #expect(value.typeName == e.type)
                for (name, want) in e.fields ?? [:] {
                    switch want {
                    case .int(let i): #expect(try value.field(name).int() == i)
                    case .string(let s): #expect(try value.field(name).string() == s)
                    }
                }
            default:
                Issue.record("unknown local kind \(e.kind)")
            }
        }
    }

    @Test("profiler labels, locked threads, creators", arguments: Fixtures.withDWARF("basics"))
    func details(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let truth = try fixture.truth()
        for l in try #require(truth.labels) {
            let g = try #require(heap.goroutines.first { process.stackFrames(of: $0).contains { $0.function == l.function } })
            let got = Dictionary(process.labels(of: g).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(got == l.labels, "labels of goroutine \(g.id)")
        }
        let locked = heap.goroutines.filter { process.stackFrames(of: $0).contains { $0.function == "main.parkLocked" } }
        #expect(locked.count == 3 && locked.allSatisfy { $0.lockedM != 0 })
        for g in locked { #expect(process.core.function(at: g.creatorPC)?.name == "main.startParkers") }
    }
}

@Suite("Wait durations")
struct WaitDurationTests {
    /// The fixture runs several GCs after its goroutines park, so the runtime records when they
    /// blocked; the truth was written within seconds, so each wait is short but known.
    @Test(arguments: Fixtures.withDWARF("basics"))
    func waitDurations(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let parked = heap.goroutines.filter { g in process.stackFrames(of: g).contains { $0.function == "main.parkChanRecv" } }
        let g = try #require(parked.first)
        let d = try #require(process.waitDuration(of: g), "no wait time recorded for goroutine \(g.id)")
        #expect(d >= 0 && d < 120_000_000_000, "\(d) ns")
    }
}
