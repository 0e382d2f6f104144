import Testing
import GoCore
import GoDWARF
import FixtureSupport

/// Opens a fixture's core, failing (not skipping) when the fixture was not generated.
func openCore(_ fixture: Fixture) throws -> Core {
    try #require(fixture.exists, "fixture \(fixture) is missing: run scripts/build-fixtures.sh")
    return try Core(path: fixture.corePath, executablePath: fixture.exePath)
}

@Suite("Core files of every fixture")
struct CoreFixtureTests {
    @Test("the fixture matrix is complete", .tags(.fixtures))
    func matrixIsComplete() throws {
        #expect(Fixtures.goVersions.count == 7)
        #expect(!Fixtures.programs.isEmpty)
        let missing = Fixtures.all.filter { !$0.exists }
        #expect(missing.isEmpty, "missing fixtures: \(missing)")
    }

    @Test("Go version equals the toolchain's", .tags(.fixtures), arguments: Fixtures.of("basics"))
    func goVersion(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let truth = try fixture.truth()
        #expect(core.goVersion == truth.goVersion)
        #expect(core.goVersion?.hasPrefix(fixture.goVersion) == true)
        #expect(core.executable.goVersion?.hasPrefix(fixture.goVersion) == true)
        #expect(core.executable.isPIE == fixture.isPIE)
        #expect(core.process?.pid == Int32(truth.pid))
    }

    @Test("threads: the truth's threads are there, registers point into known code", .tags(.fixtures), arguments: Fixtures.of("basics"))
    func threads(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let truth = try fixture.truth()
        let tids = Set(core.threads.map { Int($0.tid) })
        #expect(Set(truth.threads) == tids, "core threads \(tids.sorted()), truth \(truth.threads)")
        #expect(core.threads.count >= 4)
        #expect(core.threads.allSatisfy { $0.signal == 6 })
        for thread in core.threads {
            let f = core.function(at: thread.registers.pc)
            #expect(f != nil, "thread \(thread.tid) pc \(thread.registers.pc.hex) is in no Go function")
            #expect(core.memory.isReadable(Address(thread.registers.sp), count: 8),
                    "thread \(thread.tid) sp \(thread.registers.sp.hex) is not readable")
        }
        // GOTRACEBACK=crash ends in raise(SIGABRT) on the crashing thread, which the kernel writes first.
        let first = try #require(core.threads.first)
        #expect(core.function(at: first.registers.pc)?.name == "runtime.raise")
    }

    @Test("pclntab: names and file:line equal runtime.FuncForPC", .tags(.fixtures), arguments: Fixtures.of("basics"))
    func pclntab(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let truth = try fixture.truth()
        let tab = try core.pclntab.get()
        let callers = try #require(truth.callers)
        #expect(!callers.isEmpty)
        for c in callers {
            // The truth is runtime.FuncForPC(pc-1), as tracebacks look up return addresses.
            let lookup = hex(c.lookupPC)
            let f = try #require(core.function(at: lookup), "no function for \(c.lookupPC)")
            let linkPC = lookup &- core.loadBias
            #expect(tab.funcForPCName(f, pc: linkPC) == c.function)
            #expect(f.entry &+ core.loadBias == hex(c.entry), "\(c.function)")
            let pos = tab.fileLine(f, pc: linkPC)
            #expect(pos?.file == c.file && pos?.line == c.line, "\(c.function) at \(c.lookupPC): \(String(describing: pos))")
        }
        for fn in truth.functions ?? [] {
            let f = try #require(core.function(at: hex(fn.entry)), "no function at \(fn.entry) (\(fn.name))")
            #expect(f.name == fn.name)
            #expect(f.entry &+ core.loadBias == hex(fn.entry))
        }
    }

    @Test("mappings cover the executable and the heap", .tags(.fixtures), arguments: Fixtures.of("basics"))
    func mappings(_ fixture: Fixture) throws {
        let core = try openCore(fixture)
        let truth = try fixture.truth()
        #expect(core.mappings.contains { $0.file?.hasSuffix("/exe") == true })
        for g in truth.globals ?? [] {
            #expect(core.mappings.contains { $0.start.rawValue <= hex(g.address) && hex(g.address) < $0.end.rawValue })
        }
        #expect(core.warnings.isEmpty == !fixture.isStripped, "\(core.warnings)")
    }
}

extension Tag {
    @Tag static var fixtures: Self
}
