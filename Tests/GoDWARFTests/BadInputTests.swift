import FixtureSupport
import Foundation
import GoDWARF
import Testing

@Suite("Inputs without usable DWARF throw, never crash")
struct BadInputTests {
    /// Writes `bytes` to a fresh file in the temporary directory and returns its path.
    private func temporaryFile(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "godwarf-\(name)-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func missingFile() {
        #expect {
            _ = try DWARFFile(path: "/nonexistent/godwarf/exe")
        } throws: { error in
            guard case .cannotOpen = error as? DWARFError else { return false }
            return true
        }
    }

    @Test func emptyFile() throws {
        let path = try temporaryFile([], "empty")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DWARFError.notELF(path: path)) { _ = try DWARFFile(path: path) }
    }

    @Test func randomBytes() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = try temporaryFile(bytes, "random")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DWARFError.self) { _ = try DWARFFile(path: path) }
    }

    @Test func truncatedELFHeader() throws {
        let path = try temporaryFile([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], "truncated")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DWARFError.self) { _ = try DWARFFile(path: path) }
    }

    @Test func directory() {
        #expect(throws: DWARFError.self) { _ = try DWARFFile(path: NSTemporaryDirectory()) }
    }

    @Test func truncatedExecutable() throws {
        let fixture = Fixtures.named("go1.26.6")
        try #require(fixture.exists, "fixture \(fixture) is missing: run scripts/build-fixtures.sh")
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture.exePath))
        // Cut inside the DWARF sections: the open must throw or succeed, never trap.
        for fraction in [0.1, 0.5, 0.9] {
            let path = try temporaryFile(Array(whole.prefix(Int(Double(whole.count) * fraction))), "cut")
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try? DWARFFile(path: path)
        }
    }

    @Test func systemBinaryWithoutDWARF() throws {
        // Debian's /bin/ls is stripped of DWARF.
        let path = "/bin/ls"
        try #require(FileManager.default.fileExists(atPath: path))
        #expect(throws: DWARFError.noDWARF(path: path)) { _ = try DWARFFile(path: path) }
        #expect(DWARFError.noDWARF(path: path).description.contains("stripped binary? built with -ldflags=-w"))
    }

    @Test("stripped fixture executables report no DWARF", arguments: Fixtures.stripped.filter { $0.program == "basics" })
    func strippedFixture(fixture: Fixture) throws {
        try #require(fixture.exists, "fixture \(fixture) is missing: run scripts/build-fixtures.sh")
        #expect(throws: DWARFError.noDWARF(path: fixture.exePath)) { _ = try DWARFFile(path: fixture.exePath) }
    }
}
