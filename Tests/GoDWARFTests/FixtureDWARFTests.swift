import FixtureSupport
import Foundation
import GoDWARF
import Testing

/// Opens the fixture's executable, failing (never skipping) when the fixture is missing.
func openDWARF(_ fixture: Fixture) throws -> DWARFFile {
    try #require(fixture.exists, "fixture \(fixture) is missing: run scripts/build-fixtures.sh")
    return try DWARFFile(path: fixture.exePath)
}

/// The load bias of a fixture: truth (runtime) address of `main.gInt` minus its DWARF
/// (link-time) address. Must be 0 for a non-PIE executable.
func loadBias(_ dwarf: DWARFFile, _ truth: Truth, _ fixture: Fixture) throws -> UInt64 {
    let anchor = try #require(truth.global("main.gInt") ?? truth.globals?.first, "\(fixture): truth has no globals")
    let global = try #require(dwarf.global(named: anchor.name), "\(fixture): \(anchor.name) not in DWARF")
    let bias = hex(anchor.address) &- global.address
    if !fixture.isPIE {
        #expect(bias == 0, "\(fixture): non-PIE executable with load bias 0x\(String(bias, radix: 16))")
    }
    return bias
}

@Suite("DWARF of every fixture executable")
struct FixtureDWARFTests {
    static let basics = Fixtures.withDWARF.filter { $0.program == "basics" }

    @Test("every truth global is in DWARF at its address, with its size", arguments: Fixtures.withDWARF("basics"))
    func globals(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let truth = try fixture.truth()
        let bias = try loadBias(dwarf, truth, fixture)
        for expected in truth.globals ?? [] {
            let global = try #require(dwarf.global(named: expected.name), "\(fixture): no global \(expected.name)")
            #expect(global.address &+ bias == hex(expected.address), "\(fixture): address of \(expected.name)")
            let typeID = try #require(global.type, "\(fixture): \(expected.name) has no type")
            let type = dwarf.type(typeID)
            #expect(type.size == expected.size, "\(fixture): size of \(expected.name) (\(type.name))")
            // The truth's kind is reflect.Kind.String(); Go's bare alias typedefs are folded,
            // so the global's type carries DW_AT_go_kind.
            #expect(type.kind?.description == expected.kind, "\(fixture): kind of \(expected.name) (\(type.name))")
        }
    }

    @Test("every truth function starts at its entry", arguments: Fixtures.withDWARF("basics"))
    func functions(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let truth = try fixture.truth()
        let bias = try loadBias(dwarf, truth, fixture)
        for expected in truth.functions ?? [] {
            let function = try #require(dwarf.function(named: expected.name), "\(fixture): no function \(expected.name)")
            #expect(function.lowPC &+ bias == hex(expected.entry), "\(fixture): entry of \(expected.name)")
            #expect(dwarf.function(containing: function.lowPC)?.name == expected.name)
            #expect(dwarf.function(containing: function.highPC - 1)?.name == expected.name)
        }
        // Sorted by entry, non-overlapping.
        for (a, b) in zip(dwarf.functions, dwarf.functions.dropFirst()) {
            #expect(a.lowPC <= b.lowPC && a.highPC <= b.lowPC, "\(fixture): \(a.name) overlaps \(b.name)")
        }
    }

    @Test("caller PCs map to the truth's function, file and line", arguments: Fixtures.withDWARF("basics"))
    func callers(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let truth = try fixture.truth()
        let bias = try loadBias(dwarf, truth, fixture)
        let callers = truth.callers ?? []
        #expect(!callers.isEmpty)
        for caller in callers {
            let pc = hex(caller.lookupPC) &- bias
            let function = try #require(dwarf.function(containing: pc), "\(fixture): no function at \(caller.lookupPC)")
            if function.name != caller.function {
                // An inlined frame (runtime.Callers inlined into main.level3): the truth names
                // the inlined function; DWARF has it as an inlined call covering the PC.
                let inlined = dwarf.inlinedCalls(of: function, at: pc)
                #expect(inlined.contains { $0.name == caller.function },
                        "\(fixture): \(caller.function) at \(caller.lookupPC) is neither \(function.name) nor inlined there")
            }
            #expect(function.lowPC &+ bias == hex(caller.entry), "\(fixture): entry of \(caller.function)")
            let unit = try #require(dwarf.unit(containing: pc), "\(fixture): no unit at \(caller.lookupPC)")
            #expect(unit == function.unit)
            guard caller.function.hasPrefix("main.") else { continue }
            let line = try #require(dwarf.lineInfo(pc: pc), "\(fixture): no line at \(caller.lookupPC)")
            #expect(line.file == caller.file && line.line == caller.line,
                    "\(fixture): \(caller.function) at \(caller.lookupPC): \(line.file):\(line.line)")
        }
    }

    @Test("main.Point has its four fields", arguments: basics)
    func point(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let id = try #require(dwarf.type(named: "main.Point"))
        let point = dwarf.type(id)
        #expect(point.tag == .structure)
        #expect(point.kind == .struct)
        #expect(point.size == 40)
        let expected: [(String, UInt64, String)] = [("X", 0, "int"), ("Y", 8, "int"), ("Name", 16, "string"), ("Next", 32, "*main.Point")]
        #expect(point.fields.count == expected.count)
        for (name, offset, typeName) in expected {
            let field = try #require(point.field(named: name), "\(fixture): main.Point.\(name)")
            #expect(field.offset == offset)
            #expect(field.type.map { dwarf.type($0).name } == typeName)
            #expect(!field.isEmbedded)
        }
        // The recursive pointer points back at the same type.
        let next = try #require(point.field(named: "Next")?.type)
        #expect(dwarf.type(next).tag == .pointer)
        #expect(dwarf.type(next).size == 8)
        #expect(dwarf.type(next).elem == id)
        #expect(dwarf.type(named: "*main.Point") == next)
    }

    @Test("runtime types and constants a heap reader needs exist", arguments: Fixtures.withDWARF("basics"))
    func runtimeTypes(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        for name in ["runtime.mspan", "runtime.g", "runtime.mheap", "runtime.m", "internal/abi.Type", "string", "uintptr"] {
            let id = try #require(dwarf.type(named: name), "\(fixture): no type \(name)")
            #expect(dwarf.type(id).size > 0, "\(fixture): \(name) has size 0")
        }
        let abiType = try #require(dwarf.type(named: "internal/abi.Type").map(dwarf.type))
        #expect(abiType.field(named: "Size_")?.offset == 0)
        #expect(abiType.field(named: "PtrBytes")?.offset == 8)
        let pageShift = dwarf.constant(named: "runtime._PageShift") ?? dwarf.constant(named: "internal/runtime/gc.PageShift")
        #expect(pageShift == 13, "\(fixture): page shift")
        #expect(dwarf.constant(named: "runtime.mSpanInUse") == 1)
        #expect(dwarf.constant(named: "runtime._PageSize") == 8192)
        let mheap = try #require(dwarf.global(named: "runtime.mheap_"))
        #expect(mheap.type == dwarf.type(named: "runtime.mheap"))
    }

    @Test("Go attributes: kinds, elements, keys, runtime type offsets", arguments: basics)
    func goAttributes(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let slice = try #require(dwarf.type(named: "[]int").map(dwarf.type))
        #expect(slice.kind == .slice)
        #expect(slice.size == 24)
        #expect(slice.elem.map { dwarf.type($0).name } == "int")
        let gMap = try #require(dwarf.global(named: "main.gMap")?.type.map(dwarf.type))
        #expect(gMap.kind == .map)
        #expect(gMap.key != nil && gMap.elem != nil)
        #expect(gMap.underlying.map { dwarf.type($0).tag } == .pointer)
        let iface = try #require(dwarf.global(named: "main.gIface")?.type.map(dwarf.type))
        #expect(iface.kind == .interface)
        #expect(iface.size == 16)
        let uintptr = try #require(dwarf.type(named: "uintptr").map(dwarf.type))
        #expect(uintptr.kind == .uintptr && uintptr.encoding == 7)  // DW_ATE_unsigned
        // Every runtime type offset leads back to a type of the same name, and is an offset
        // (Go 1.21/1.22 write uintptr's as an absolute address; it is normalized).
        let base = try #require(dwarf.runtimeTypesAddress)
        var seen = 0
        for type in dwarf.types {
            guard let offset = type.runtimeTypeOffset else { continue }
            seen += 1
            #expect(offset < base, "\(fixture): \(type.name) runtime type 0x\(String(offset, radix: 16))")
            let found = try #require(dwarf.type(runtimeTypeOffset: offset))
            #expect(dwarf.type(found).name == type.name)
        }
        #expect(seen > 100)
        #expect(uintptr.runtimeTypeOffset != nil)
    }

    @Test("functions' parameters and locals have names, types and locations", arguments: basics)
    func variables(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let level3 = try #require(dwarf.function(named: "main.level3"))
        let locals = dwarf.variables(of: level3)
        let pcs = try #require(locals.first { $0.name == "pcs" }, "\(fixture): level3 locals \(locals.map(\.name))")
        #expect(!pcs.isParameter)
        #expect(pcs.type.map { dwarf.type($0).name } == "[]uintptr")
        let n = try #require(locals.first { $0.name == "n" })
        #expect(n.type.map { dwarf.type($0).name } == "int")
        #expect(locals.contains { $0.isResult })

        let crash = try #require(dwarf.function(named: "main.crash"))
        let p = try #require(dwarf.variables(of: crash).first { $0.name == "p" })
        #expect(p.isParameter && !p.isResult)
        #expect(p.type == dwarf.type(named: "*main.Point"))
        #expect(p.location != .unavailable)

        // Over all main functions: every located variable decodes to a structured location.
        for function in dwarf.functions where function.name.hasPrefix("main.") {
            for variable in dwarf.variables(of: function) {
                #expect(variable.type != nil, "\(function.name).\(variable.name) has no type")
                if case .expression(let bytes) = variable.location {
                    Issue.record("\(fixture): \(function.name).\(variable.name): raw expression \(bytes)")
                }
                if case .list(let entries) = variable.location {
                    for entry in entries {
                        #expect(function.range.contains(entry.lowPC), "\(function.name).\(variable.name) \(entry.range)")
                    }
                }
            }
        }
    }

    @Test("units cover main's code and carry the Go producer", arguments: Fixtures.withDWARF("basics"))
    func units(fixture: Fixture) throws {
        let dwarf = try openDWARF(fixture)
        let main = try #require(dwarf.function(named: "main.main"))
        let unit = try #require(dwarf.unit(containing: main.lowPC))
        #expect(dwarf.units[unit].name == "main")
        #expect(dwarf.units[unit].language == 0x16)  // DW_LANG_Go
        #expect(dwarf.units[unit].producer?.contains(fixture.goVersion) == true)
        #expect(dwarf.units[unit].version == (fixture.goVersion < "go1.25" ? 4 : 5))
        #expect(dwarf.unit(containing: 0) == nil)
        #expect(dwarf.function(containing: 0) == nil)
        if let line = dwarf.lineInfo(pc: 0) { Issue.record("line at pc 0: \(line)") }
    }
}
