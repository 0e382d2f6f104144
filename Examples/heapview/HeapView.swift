import ArgumentParser
import Dispatch
import GoHeap

/// `heapview`: look inside the memory of a Go program from its core file.
@main
struct HeapView: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heapview",
        abstract: "Look inside the memory of a Go program from a core file.",
        subcommands: [Overview.self, Mappings.self, Goroutines.self, Histogram.self, Objects.self, ObjectCommand.self,
                      Paths.self, Top.self, Breakdown.self, GCWork.self])
}

/// Options every command shares: the core, its executable, the output form.
struct CoreOptions: ParsableArguments {
    @Argument(help: "The core file.")
    var core: String
    @Option(help: "The executable (default: the file the core names, or the same name beside the core).")
    var exe: String?
    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// Opens the process; prints warnings and, when it takes more than a second, progress to stderr.
    func open() throws -> Process {
        let progress = Progress("reading \(core)")
        defer { progress.finish() }
        do {
            let p = try Process(corePath: core, executablePath: exe)
            for w in p.warnings { Output.stderr("heapview: warning: \(w)") }
            return p
        } catch {
            Output.stderr("heapview: \(error)")
            throw ExitCode.failure
        }
    }

    /// Opens the process and reconstructs its heap.
    func openHeap(precomputing: HeapPrecomputation = []) throws -> (Process, Heap) {
        let p = try open()
        let progress = Progress("reconstructing the heap")
        defer { progress.finish() }
        do {
            let h = try p.heap(precomputing: precomputing)
            for w in h.warnings { Output.stderr("heapview: warning: \(w)") }
            return (p, h)
        } catch {
            Output.stderr("heapview: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Says on stderr what is being done when it takes more than a second.
final class Progress: @unchecked Sendable {
    private let done = Atomic(false)
    init(_ what: String) {
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [done] in
            if !done.load() { Output.stderr("heapview: \(what)…") }
        }
    }
    func finish() { done.store(true) }
}

/// A tiny lock-free flag.
final class Atomic: @unchecked Sendable {
    private var value: Bool
    private let lock = DispatchSemaphore(value: 1)
    init(_ v: Bool) { value = v }
    func load() -> Bool { lock.wait(); defer { lock.signal() }; return value }
    func store(_ v: Bool) { lock.wait(); value = v; lock.signal() }
}

/// The object containing an address the user gave, or a clear message and exit status 1.
func requireObject(_ heap: Heap, _ a: UInt64) throws -> Int {
    guard let id = heap.object(containing: a) else {
        Output.stderr("heapview: \(a.hex) is not inside an allocated heap object")
        throw ExitCode.failure
    }
    return id
}

/// Parses "0x…" or decimal addresses.
func parseAddress(_ s: String) throws -> UInt64 {
    let body = s.hasPrefix("0x") || s.hasPrefix("0X") ? String(s.dropFirst(2)) : s
    guard let v = UInt64(body, radix: s.hasPrefix("0x") || s.hasPrefix("0X") ? 16 : 10) ?? UInt64(body, radix: 16) else {
        throw ValidationError("not an address: \(s)")
    }
    return v
}
