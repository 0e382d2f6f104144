import Testing
import GoCore
import GoDWARF
import FixtureSupport

/// Globals read through DWARF (their address and type) and the core's address space (their bytes)
/// must equal what the fixture program recorded about itself.
@Suite("Globals through DWARF and the address space")
struct GlobalsTests {
    @Test(.tags(.fixtures), arguments: Fixtures.withDWARF("basics"))
    func globalsEqualTruth(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let dwarf = try DWARFFile(path: fixture.exePath)
        let truth = try fixture.truth()
        let mem = core.memory
        #expect((truth.globals ?? []).count >= 10)
        for g in truth.globals ?? [] {
            let v = try #require(dwarf.global(named: g.name), "DWARF has no \(g.name)")
            let addr = Address(v.address &+ core.loadBias)
            #expect(addr.rawValue == hex(g.address), "\(g.name)")
            let type = try #require(v.type.map { dwarf.type($0) })
            #expect(type.size == g.size, "\(g.name)")
            switch g.kind {
            case "int", "int64":
                #expect(Int64(bitPattern: try mem.read(UInt64.self, at: addr)) == g.int)
            case "uint8":
                #expect(UInt64(try mem.read(UInt8.self, at: addr)) == g.uint)
            case "float64":
                #expect(Double(bitPattern: try mem.read(UInt64.self, at: addr)) == g.float)
            case "bool":
                #expect((try mem.read(UInt8.self, at: addr) != 0) == g.bool)
            case "string":
                let data = try mem.readPointer(at: addr)
                let len = try mem.read(UInt64.self, at: Address(addr.rawValue + 8))
                #expect(data.rawValue == hex(g.data ?? ""))
                #expect(Int(len) == g.len)
                #expect(try mem.readString(at: data, count: len) == g.string)
                #expect(type.field(named: "str") != nil && type.field(named: "len")?.offset == 8)
            case "slice":
                let data = try mem.readPointer(at: addr)
                let len = try mem.read(UInt64.self, at: Address(addr.rawValue + 8))
                let cap = try mem.read(UInt64.self, at: Address(addr.rawValue + 16))
                #expect(data.rawValue == hex(g.data ?? "") && Int(len) == g.len && Int(cap) == g.cap)
                var ints: [Int64] = []
                for i in 0..<len { ints.append(Int64(bitPattern: try mem.read(UInt64.self, at: Address(data.rawValue + 8 * i)))) }
                #expect(ints == g.ints)
                #expect(type.field(named: "array") != nil && type.field(named: "cap")?.offset == 16)
            case "array":
                #expect(try mem.readBytes(at: addr, count: g.size) == g.bytes)
                #expect(type.count == Int64(g.size))
            case "ptr":
                let target = try mem.readPointer(at: addr)
                #expect(target.rawValue == hex(g.target ?? ""))
                // Follow the pointer with the DWARF struct layout of the pointee.
                let pointee = dwarf.type(try #require(type.elem))
                #expect(pointee.name == "main.Point")
                let fields = try #require(g.fields)
                for (name, expected) in fields {
                    let f = try #require(pointee.field(named: name), "main.Point has no field \(name)")
                    let fa = Address(target.rawValue + f.offset)
                    switch expected {
                    case .int(let i):
                        #expect(Int64(bitPattern: try mem.read(UInt64.self, at: fa)) == i, "\(name)")
                    case .string(let s) where s.hasPrefix("0x"):
                        #expect(try mem.readPointer(at: fa).rawValue == hex(s), "\(name)")
                    case .string(let s):
                        let p = try mem.readPointer(at: fa)
                        let n = try mem.read(UInt64.self, at: Address(fa.rawValue + 8))
                        #expect(try mem.readString(at: p, count: n) == s, "\(name)")
                    }
                }
            case "interface":
                let data = try mem.readPointer(at: Address(addr.rawValue + 8))
                #expect(data.rawValue == hex(g.data ?? ""))
            case "map", "func":
                #expect(try mem.readPointer(at: addr).rawValue == hex(g.target ?? ""))
            default:
                Issue.record("truth global \(g.name) has a kind the test does not know: \(g.kind)")
            }
        }
    }

    @Test("DWARF and pclntab agree on function entry points", .tags(.fixtures), arguments: Fixtures.withDWARF("basics"))
    func entryPointsAgree(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let dwarf = try DWARFFile(path: fixture.exePath)
        let tab = try core.pclntab.get()
        var checked = 0, disagreements: [String] = []
        for f in dwarf.functions {
            guard let g = tab.function(containing: f.lowPC) else {
                disagreements.append("\(f.name) at \(f.lowPC.hex): not in pclntab")
                continue
            }
            if g.entry != f.lowPC || g.name != f.name { disagreements.append("\(f.name) \(f.lowPC.hex) vs \(g.name) \(g.entry.hex)") }
            checked += 1
        }
        #expect(checked > 1000)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }
}
