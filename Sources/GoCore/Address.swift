/// A virtual address in the target process.
///
/// Arithmetic on addresses that come from target memory must not trap: use the
/// checked helpers (`adding(_:)`) which return nil on overflow.
public struct Address: RawRepresentable, Comparable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }

    public static let zero = Address(0)
    public var isNull: Bool { rawValue == 0 }

    /// `self + delta`, or nil when it would leave the 64-bit space.
    public func adding(_ delta: UInt64) -> Address? {
        let (r, o) = rawValue.addingReportingOverflow(delta)
        return o ? nil : Address(r)
    }
    /// `self + delta` for a signed delta, or nil on overflow.
    public func adding(signed delta: Int64) -> Address? {
        if delta >= 0 { return adding(UInt64(delta)) }
        let (r, o) = rawValue.subtractingReportingOverflow(delta.magnitude)
        return o ? nil : Address(r)
    }
    /// Rounds down to a multiple of `alignment` (a power of two).
    public func alignedDown(_ alignment: UInt64) -> Address { Address(rawValue & ~(alignment &- 1)) }

    public static func < (a: Address, b: Address) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

extension UInt64 {
    /// "0x…" hexadecimal form used in messages and JSON.
    public var hex: String { "0x" + String(self, radix: 16) }
}
