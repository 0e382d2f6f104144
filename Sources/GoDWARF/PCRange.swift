/// A half-open range of program counters, `[low, high)`, as link-time (unrelocated) addresses.
public struct PCRange: Sendable, Hashable, CustomStringConvertible {
    public let low: UInt64
    public let high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// Whether `pc` lies in `[low, high)`.
    public func contains(_ pc: UInt64) -> Bool { pc >= low && pc < high }

    public var description: String {
        "[0x" + String(low, radix: 16) + ", 0x" + String(high, radix: 16) + ")"
    }
}
