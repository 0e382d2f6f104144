import ArgumentParser
import GoHeap

/// `heapview`: look inside the memory of a Go program from its core file.
@main
struct HeapView: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heapview",
        abstract: "Look inside the memory of a Go program from a core file.",
        subcommands: [Overview.self, Mappings.self])
}

/// Options every command shares: the core, its executable, the output form.
struct CoreOptions: ParsableArguments {
    @Argument(help: "The core file.")
    var core: String
    @Option(help: "The executable (default: found from the core's file notes).")
    var exe: String?
    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func open() throws -> Process {
        do {
            return try Process(corePath: core, executablePath: exe)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Prints the warnings of an open to stderr.
func printWarnings(_ p: Process) {
    for w in p.warnings { Output.stderr("warning: \(w)") }
}
