import Foundation
import Testing
import GoHeap
import FixtureSupport

/// A fixture core whose runtime structures were overwritten with random bytes must give errors
/// or warnings: never a trap, never a hang.
@Suite("Damaged heap structures")
struct DamagedHeapTests {
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    /// Writes a copy of the core with `count` random bytes at each address in `targets`.
    func patched(_ fixture: Fixture, _ core: Core, targets: [(UInt64, Int)], seed: UInt64, name: String) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: fixture.corePath))
        var rng = SplitMix64(state: seed)
        for (address, count) in targets {
            guard let off = core.coreFileOffset(of: Address(address)) else { continue }
            for i in 0..<count where Int(off) + i < data.count {
                data[Int(off) + i] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("heapview-damaged-\(getpid())-\(name)").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Opens a damaged core and builds its heap; either may fail with an error, nothing may trap.
    func survive(_ path: String, _ fixture: Fixture) -> String {
        do {
            let p = try Process(corePath: path, executablePath: fixture.exePath)
            let heap = try p.heap()
            var typed = 0
            for id in 0..<heap.objectCount where heap.type(of: id) != nil { typed += 1 }
            return "heap of \(heap.objectCount) objects (\(typed) typed), \(heap.warnings.count) warnings"
        } catch {
            return "error: \(error)"
        }
    }

    static let fixtures = ["go1.21.13", "go1.23.9", "go1.26.6", "go1.27.3"].map { Fixtures.named($0, "heap") }

    @Test("random bytes over the span records, the allspans array, type headers and heap pages", arguments: fixtures)
    func randomDamage(_ fixture: Fixture) throws {
        let process = try openProcess(fixture)
        let heap = try process.heap()
        let core = process.core
        let spanRecords = heap.spans.map { ($0.record.rawValue, 160) }
        let pages = heap.spans.filter { $0.state == .inUse }.prefix(200).map { ($0.base, 4096) }
        let headers = (0..<heap.objectCount).filter { heap.dataAddress(of: $0) != heap.address(of: $0) }.prefix(500).map { (heap.address(of: $0), 8) }
        let cases: [(String, [(UInt64, Int)])] = [
            ("spans", spanRecords),
            ("some-spans", Array(spanRecords.enumerated().filter { $0.offset % 7 == 0 }.map(\.element))),
            ("pages", pages),
            ("headers", headers),
            ("everything", spanRecords + pages + headers),
        ]
        for (i, (name, targets)) in cases.enumerated() {
            let path = try patched(fixture, core, targets: targets, seed: UInt64(i) &+ 42, name: "\(fixture.variant)-\(name)")
            let start = Date()
            let outcome = survive(path, fixture)
            print("\(fixture) damaged \(name): \(outcome) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
            #expect(Date().timeIntervalSince(start) < 60, "\(name): took too long")
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
