/// A Go version string as `runtime.buildVersion` spells it, with the experiments the
/// linker appends: "go1.26.6", "go1.25.5 X:greenteagc", "go1.26.6-X:nogreenteagc".
public struct GoVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int
    /// Experiments that differ from the toolchain's baseline, lowercased ("greenteagc", "noswissmap").
    public let experiments: [String]
    public let raw: String

    public init?(_ s: String) {
        raw = s
        guard s.hasPrefix("go") else { return nil }
        var body = Array(s.dropFirst(2))
        var exps: [String] = []
        if let i = body.indices.first(where: { body[$0] == "X" && $0 + 1 < body.count && body[$0 + 1] == ":" }) {
            exps = String(body[(i + 2)...]).split(separator: ",").map { Substring($0).trimmingCharacters(in: " ").lowercased() }
            body = Array(body[..<i])
        }
        let nums = String(body).split(whereSeparator: { $0 == "." || $0 == " " || $0 == "-" }).prefix(3).map { Int($0) }
        guard nums.count >= 2, let ma = nums[0], let mi = nums[1] else { return nil }
        major = ma
        minor = mi
        patch = nums.count > 2 ? (nums[2] ?? 0) : 0
        experiments = exps
    }

    public func has(experiment: String) -> Bool { experiments.contains(experiment) }
    public func atLeast(_ minor: Int) -> Bool { major > 1 || (major == 1 && self.minor >= minor) }

    /// Allocation headers (1.22+, unless built with noallocheaders in 1.22).
    public var allocationHeaders: Bool { atLeast(22) && !has(experiment: "noallocheaders") }
    /// Green Tea GC with inline mark bits: opt-in in 1.25, default from 1.26.
    public var greenTea: Bool {
        (minor == 25 && major == 1 && has(experiment: "greenteagc")) || (atLeast(26) && !has(experiment: "nogreenteagc"))
    }
    /// Swiss-table maps: default in 1.24 and later unless noswissmap.
    public var swissMaps: Bool { atLeast(24) && !has(experiment: "noswissmap") }

    public static func < (a: GoVersion, b: GoVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }
    public var description: String { raw }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
