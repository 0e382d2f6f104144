import Foundation
import Testing
import GoCore
import GoDWARF
import FixtureSupport

/// Damaged and mismatched input must end in a typed error or a partial result with warnings:
/// never a trap, never a hang.
@Suite("Bad input")
struct BadInputTests {
    static let fixture = Fixtures.named("go1.26.6")
    static let other = Fixtures.named("go1.25.5")

    /// Writes `bytes` to a fresh temporary file and returns its path.
    func temp(_ bytes: Data, _ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("heapview-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    func coreBytes() throws -> Data {
        try #require(Self.fixture.exists, "fixture \(Self.fixture) is missing")
        return try Data(contentsOf: URL(fileURLWithPath: Self.fixture.corePath))
    }

    @Test func emptyFile() throws {
        let path = try temp(Data(), "empty")
        #expect(throws: CoreError.emptyFile(path: path)) { try Core(path: path, executablePath: Self.fixture.exePath) }
        #expect(throws: DWARFError.self) { try DWARFFile(path: path) }
    }

    @Test func missingFile() throws {
        #expect(throws: CoreError.self) { try Core(path: "/nonexistent/core") }
    }

    @Test func notELF() throws {
        let path = try temp(Data("this is not an ELF file, just text\n".utf8), "text")
        #expect(throws: CoreError.notELF(path: path)) { try Core(path: path, executablePath: Self.fixture.exePath) }
        #expect(throws: DWARFError.self) { try DWARFFile(path: path) }
        let random = try temp(Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }), "random")
        #expect(throws: CoreError.notELF(path: random)) { try Core(path: random) }
    }

    @Test func executableGivenAsCore() throws {
        try #require(Self.fixture.exists)
        let error = #expect(throws: CoreError.self) { try Core(path: Self.fixture.exePath) }
        guard case .notACore = error else { Issue.record("expected notACore, got \(String(describing: error))"); return }
        #expect(error?.description.contains("not a core") == true)
    }

    @Test func coreGivenAsExecutable() throws {
        try #require(Self.fixture.exists)
        let error = #expect(throws: CoreError.self) { try Core(path: Self.fixture.corePath, executablePath: Self.fixture.corePath) }
        guard case .notAnExecutable = error else { Issue.record("expected notAnExecutable, got \(String(describing: error))"); return }
    }

    @Test("wrong executable: the message names both build ids")
    func wrongExecutable() throws {
        try #require(Self.fixture.exists && Self.other.exists)
        let error = #expect(throws: CoreError.self) { try Core(path: Self.fixture.corePath, executablePath: Self.other.exePath) }
        guard case .buildIDMismatch(let coreID, let exeID, _)? = error else {
            Issue.record("expected buildIDMismatch, got \(String(describing: error))"); return
        }
        let right = try Executable(path: Self.fixture.exePath)
        let wrong = try Executable(path: Self.other.exePath)
        #expect(coreID == right.buildID.description)
        #expect(exeID == wrong.buildID.description)
        #expect(error?.description.contains(coreID) == true && error?.description.contains(exeID) == true)
    }

    @Test("the executable is found from NT_FILE when not given")
    func discovery() throws {
        try #require(Self.fixture.exists)
        let core = try Core(path: Self.fixture.corePath)
        #expect(core.executable.path.hasSuffix("/exe"))
        #expect(core.goVersion == (try Self.fixture.truth()).goVersion)
    }

    @Test("truncated in the ELF header and in the program headers")
    func truncatedHeaders() throws {
        let data = try coreBytes()
        for cut in [10, 40, 64 + 56 * 3] {
            let path = try temp(data.prefix(cut), "cut-\(cut)")
            let error = #expect(throws: CoreError.self) { try Core(path: path, executablePath: Self.fixture.exePath) }
            if case .truncated = error {} else if case .notELF = error {} else {
                Issue.record("cut at \(cut): expected truncated, got \(String(describing: error))")
            }
        }
    }

    @Test("truncated inside the notes")
    func truncatedNotes() throws {
        let data = try coreBytes()
        // The note segment starts right after the program headers.
        let phnum = Int(data[56]) | Int(data[57]) << 8
        let notesStart = 64 + 56 * phnum
        for cut in [notesStart + 8, notesStart + 200, notesStart + 2000] {
            let path = try temp(data.prefix(cut), "notes-\(cut)")
            do {
                let core = try Core(path: path, executablePath: Self.fixture.exePath)
                #expect(!core.warnings.isEmpty, "cut at \(cut) gave no warning")
            } catch {
                #expect(error.description.contains("truncated") || error.description.contains("no NT_PRSTATUS"), "\(error)")
            }
        }
    }

    @Test("truncated at half and inside a memory segment: partial result, reads of the lost part throw")
    func truncatedSegments() throws {
        let data = try coreBytes()
        let full = try openCore(Self.fixture)
        let truth = try Self.fixture.truth()
        for cut in [data.count / 2, data.count - 4096 * 3 - 100] {
            let path = try temp(data.prefix(cut), "half-\(cut)")
            let core = try Core(path: path, executablePath: Self.fixture.exePath)
            #expect(core.warnings.contains { $0.message.contains("truncated") })
            #expect(core.threads.count == full.threads.count)
            // Every mapping still reads, or throws a typed error for the lost part.
            var lost = 0
            for m in core.mappings where m.dumpedBytes > 0 {
                do { _ = try core.memory.readBytes(at: m.start, count: min(m.size, 1 << 16)) } catch {
                    switch error { case .truncatedRead: lost += 1; case .notDumped: break; default: Issue.record("unexpected \(error) in \(m)") }
                }
                do { _ = try core.memory.read(UInt64.self, at: Address(m.end.rawValue - 8)) } catch {
                    switch error { case .truncatedRead: lost += 1; case .notDumped: break; default: Issue.record("unexpected \(error) in \(m)") }
                }
            }
            #expect(lost > 0)
            // Globals live in the executable's data segment near the start of the core: still readable at half.
            if cut == data.count / 2, let g = truth.global("main.gInt") {
                #expect(try core.memory.read(UInt64.self, at: Address(hex(g.address))) == 42)
            }
        }
    }

    @Test("a stripped executable: clear DWARF message, pclntab still works", arguments: Fixtures.stripped.filter { $0.program == "basics" })
    func stripped(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let error = #expect(throws: DWARFError.self) { try DWARFFile(path: fixture.exePath) }
        #expect(error.map { "\($0)".contains("DWARF") } == true)
        #expect(core.warnings.contains { $0.message.contains("no DWARF") })
        let tab = try core.pclntab.get()
        #expect(tab.functionCount > 1000)
        // Every thread's pc resolves to a function and a source line without DWARF.
        for t in core.threads {
            let f = try #require(core.function(at: t.registers.pc))
            #expect(tab.fileLine(f, pc: t.registers.pc &- core.loadBias) != nil)
        }
        let truth = try fixture.truth()
        for fn in truth.functions ?? [] { #expect(core.function(at: hex(fn.entry))?.name == fn.name) }
    }

    @Test("reads outside every mapping and absurd lengths throw")
    func badReads() throws {
        let core = try openCore(Self.fixture)
        #expect(throws: CoreError.unmapped(Address(8))) { try core.memory.read(UInt64.self, at: Address(8)) }
        #expect(throws: CoreError.self) { try core.memory.readBytes(at: Address(UInt64.max - 4), count: 16) }
        #expect(throws: CoreError.self) { try core.memory.readBytes(at: core.mappings[0].start, count: 1 << 40) }
    }
}
