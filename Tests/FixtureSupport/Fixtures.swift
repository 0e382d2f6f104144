import Foundation

/// One generated fixture: a Go program built with one toolchain variant, run into a core.
///
/// Fixtures live in `.build/fixtures/<variant>/<program>/{exe,core,truth.json,stderr.txt,meta.json}`
/// and are made by `scripts/build-fixtures.sh`. The expected set is computed here from the
/// version matrix and the program folders, so a fixture that failed to build is a test failure,
/// never a silent skip.
public struct Fixture: CoreDirectory, Sendable, CustomStringConvertible, Hashable {
    public let variant: String
    public let program: String
    public let directory: String

    public var truthPath: String { directory + "/truth.json" }
    public var description: String { "\(variant)/\(program)" }

    /// "go1.26.6" for every variant of that toolchain.
    public var goVersion: String {
        String(variant.split(separator: "-").first ?? Substring(variant))
    }
    public var isStripped: Bool { variant.hasSuffix("-stripped") }
    public var isPIE: Bool { variant.hasSuffix("-pie") }

    /// Whether all the files a test needs are present.
    public var exists: Bool {
        [exePath, corePath, truthPath].allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }

    public func truth() throws -> Truth {
        let data = try Data(contentsOf: URL(fileURLWithPath: truthPath))
        return try JSONDecoder().decode(Truth.self, from: data)
    }
}

public enum Fixtures {
    /// The repository root (found from this source file's location).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The toolchain matrix, read from `scripts/versions.sh` so there is one list only.
    public static let goVersions: [String] = {
        guard let text = try? String(contentsOfFile: root + "/scripts/versions.sh", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("GO_VERSIONS=(") })
        else { return [] }
        let inner = line.dropFirst("GO_VERSIONS=(".count).prefix { $0 != ")" }
        return inner.split(separator: " ").map(String.init)
    }()

    /// Every variant the build script makes, by name.
    public static let variants: [String] = {
        var out: [String] = []
        for v in goVersions {
            out += ["go\(v)", "go\(v)-pie", "go\(v)-stripped"]
            if v.hasPrefix("1.24.") { out.append("go\(v)-noswissmap") }
            if v.hasPrefix("1.25.") { out.append("go\(v)-greenteagc") }
            if v.hasPrefix("1.26.") { out += ["go\(v)-nogreenteagc", "go\(v)-goroutineleakprofile"] }
        }
        return out
    }()

    public static let programs: [String] = {
        let dir = root + "/Tests/Fixtures/Programs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: dir + "/" + $0 + "/main.go") }.sorted()
    }()

    /// Every fixture that must exist, stripped ones included.
    public static let all: [Fixture] = variants.flatMap { variant in
        programs.map { program in
            Fixture(variant: variant, program: program,
                    directory: root + "/.build/fixtures/\(variant)/\(program)")
        }
    }

    /// Fixtures whose executables carry DWARF and symbols.
    public static let withDWARF: [Fixture] = all.filter { !$0.isStripped }
    public static let stripped: [Fixture] = all.filter { $0.isStripped }

    /// The fixtures of one program (`basics`, `heap`), all variants.
    public static func of(_ program: String) -> [Fixture] { all.filter { $0.program == program } }
    /// The fixtures of one program whose executables carry DWARF.
    public static func withDWARF(_ program: String) -> [Fixture] { withDWARF.filter { $0.program == program } }

    /// The fixture of one program for one variant.
    public static func named(_ variant: String, _ program: String = "basics") -> Fixture {
        Fixture(variant: variant, program: program, directory: root + "/.build/fixtures/\(variant)/\(program)")
    }
}

/// What the fixture program wrote about itself before it crashed (see Tests/Fixtures/Programs).
public struct Truth: Decodable, Sendable {
    public struct Global: Decodable, Sendable {
        public let name: String
        public let address: String
        public let size: UInt64
        public let kind: String
        public let int: Int64?
        public let uint: UInt64?
        public let float: Double?
        public let bool: Bool?
        public let string: String?
        public let data: String?
        public let len: Int?
        public let cap: Int?
        public let ints: [Int64]?
        public let bytes: [UInt8]?
        public let target: String?
        public let fields: [String: FieldValue]?
    }
    public enum FieldValue: Decodable, Sendable, Equatable {
        case int(Int64), string(String)
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int64.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
    }
    public struct Caller: Decodable, Sendable {
        public let pc: String
        public let lookupPC: String
        public let function: String
        public let entry: String
        public let file: String
        public let line: Int
    }
    public struct Function: Decodable, Sendable {
        public let name: String
        public let entry: String
    }
    public struct Goroutines: Decodable, Sendable {
        public let count: Int
        public let stacks: String
    }
    /// An object the heap program allocated (`address` is the Go data address).
    public struct Object: Decodable, Sendable {
        public let address: String
        public let type: String
        public let size: UInt64
        public let root: String?
    }
    public struct Edge: Decodable, Sendable {
        public let from: String
        public let offset: UInt64
        public let to: String
    }
    public struct RootRecord: Decodable, Sendable {
        public let address: String
        public let kind: String
        public let name: String?
        public let function: String?
        public let variable: String?
        public let offset: UInt64?
    }
    public struct MapRecord: Decodable, Sendable {
        public let name: String
        public let address: String
        public let len: Int
        public let keyType: String
        public let elemType: String
        public let impl: String
        public let growing: Bool
        public let sumKeys: Int64?
        public let sumValues: Int64?
    }
    public struct ChannelRecord: Decodable, Sendable {
        public let name: String
        public let address: String
        public let len: Int
        public let cap: Int
        public let elems: [String]
        public let elemType: String?
    }

    public let goVersion: String
    public let goarch: String
    public let pid: Int
    public let gomaxprocs: Int
    public let threads: [Int]
    public let memstats: [String: UInt64]
    // basics
    public let globals: [Global]?
    public let callers: [Caller]?
    public let functions: [Function]?
    public let goroutines: Goroutines?
    // heap
    public let objects: [Object]?
    public let edges: [Edge]?
    public let roots: [RootRecord]?
    public let maps: [MapRecord]?
    public let channels: [ChannelRecord]?
    public let typeCounts: [String: Int]?
    // basics: locals of main.parkLocals and the labels of main.parkLabeled's goroutine
    public struct Local: Decodable, Sendable {
        public let function: String
        public let name: String
        public let kind: String
        public let string: String?
        public let int: Int64?
        public let ints: [Int64]?
        public let dynamicType: String?
        public let type: String?
        public let fields: [String: FieldValue]?
    }
    public struct Labels: Decodable, Sendable {
        public let function: String
        public let labels: [String: String]
    }
    public let locals: [Local]?
    /// heap: values the tiny allocator packed into blocks (address, Go type, size).
    public struct TinyValue: Decodable, Sendable {
        public let address: String
        public let type: String
        public let size: UInt64
    }
    public let tiny: [TinyValue]?
    public let labels: [Labels]?

    public func global(_ name: String) -> Global? { globals?.first { $0.name == name } }
}

/// Parses "0x1234" (the truth file's address form).
public func hex(_ s: String) -> UInt64 {
    let body = s.hasPrefix("0x") ? s.dropFirst(2) : Substring(s)
    return UInt64(body, radix: 16) ?? 0
}

/// One core of the real-program corpus: a program of the Go distribution (the compiler, vet, the
/// go command), rebuilt with DWARF from its toolchain's GOROOT and stopped mid-work by SIGQUIT
/// or by gcore (see scripts/build-corpus.sh).
/// A directory holding a core with its executable and what the program printed.
public protocol CoreDirectory {
    var directory: String { get }
}

extension CoreDirectory {
    public var exePath: String { directory + "/exe" }
    public var corePath: String { directory + "/core" }
    public var stderrPath: String { directory + "/stderr.txt" }
}

public struct CorpusCore: CoreDirectory, Sendable, CustomStringConvertible, Hashable {
    public let goVersion: String
    public let program: String
    /// "quit" (SIGQUIT under GOTRACEBACK=crash: a kernel core and Go's traceback in stderr.txt)
    /// or "gcore" (gdb's core of the live process).
    public let mode: String
    public let directory: String

    public var description: String { "\(goVersion)/\(program)-\(mode)" }
    public var exists: Bool { [exePath, corePath].allSatisfy { FileManager.default.fileExists(atPath: $0) } }
}

public enum Corpus {
    /// The versions the corpus is built with, from `CORPUS_VERSIONS` in scripts/versions.sh.
    public static let goVersions: [String] = {
        guard let text = try? String(contentsOfFile: Fixtures.root + "/scripts/versions.sh", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("CORPUS_VERSIONS=(") })
        else { return [] }
        return line.dropFirst("CORPUS_VERSIONS=(".count).prefix { $0 != ")" }.split(separator: " ").map(String.init)
    }()

    /// Every core that must exist.
    public static let all: [CorpusCore] = goVersions.flatMap { v in
        ["compile", "vet", "go"].flatMap { p in
            ["quit", "gcore"].map { m in
                CorpusCore(goVersion: "go" + v, program: p, mode: m,
                           directory: Fixtures.root + "/.build/corpus/go\(v)/\(p)-\(m)")
            }
        }
    }
}
