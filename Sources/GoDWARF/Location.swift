/// Where a variable lives, decoded from its `DW_AT_location`.
///
/// Go's frame base is always `DW_OP_call_frame_cfa`, so both `DW_OP_fbreg n` and
/// `DW_OP_call_frame_cfa; DW_OP_consts n; DW_OP_plus` become ``frameOffset(_:)``: an offset
/// from the canonical frame address (the caller's SP).
public enum Location: Sendable, Hashable {
    /// `DW_OP_addr`: a link-time (unrelocated) address.
    case address(UInt64)
    /// An offset from the CFA.
    case frameOffset(Int64)
    /// `DW_OP_regN` / `DW_OP_regx`: a DWARF register number.
    case register(Int)
    /// A composite made of `DW_OP_piece`s, in order.
    case pieces([Piece])
    /// A location list: where the value lives depends on the PC.
    case list([LocationListEntry])
    /// The value is not available (an empty expression, or an empty location list).
    case unavailable
    /// Any other expression, as raw DWARF expression bytes.
    case expression([UInt8])

    /// The location at `pc`: for a ``list(_:)`` the entry covering `pc` (nil if none),
    /// otherwise `self`.
    public func at(pc: UInt64) -> Location? {
        guard case .list(let entries) = self else { return self }
        return entries.first { $0.range.contains(pc) }?.location
    }
}

/// One `DW_OP_piece` of a composite location.
public struct Piece: Sendable, Hashable {
    /// The size of the piece in bytes.
    public let size: UInt64
    /// Where the piece lives; nil when the piece is optimized out (an empty piece).
    public let location: Location?
}

/// One entry of a location list.
public struct LocationListEntry: Sendable, Hashable {
    /// The PCs for which ``location`` holds.
    public let range: PCRange
    public let location: Location

    public var lowPC: UInt64 { range.low }
    public var highPC: UInt64 { range.high }
}
