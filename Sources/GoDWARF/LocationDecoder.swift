/// One DWARF expression operation: the atom and up to two operands.
///
/// Mirrors libdw's `Dwarf_Op` without its pointer-bearing context, so expressions decoded
/// from a `DW_FORM_block1` (by ``ExpressionDecoder``) and from a location list (by libdw's
/// `dwarf_getlocations`) share one interpretation, ``ExpressionDecoder/location(of:)``.
struct ExpressionOp: Equatable {
    var atom: UInt8
    var number: UInt64 = 0
    var number2: UInt64 = 0

    var signed: Int64 { Int64(bitPattern: number) }
}

/// Decodes DWARF location expressions into ``Location`` values.
///
/// Only the operations Go emits get a structured case (`DW_OP_addr`, `DW_OP_regN`,
/// `DW_OP_regx`, `DW_OP_fbreg`, `DW_OP_call_frame_cfa` with an optional constant offset,
/// `DW_OP_piece`); anything else is kept as raw bytes in ``Location/expression(_:)``.
enum ExpressionDecoder {
    // DW_OP_* values (dwarf.h imports them as Int; these are the bytes on disk).
    static let opAddr: UInt8 = 0x03
    static let opConst1u: UInt8 = 0x08, opConst1s: UInt8 = 0x09
    static let opConst2u: UInt8 = 0x0a, opConst2s: UInt8 = 0x0b
    static let opConst4u: UInt8 = 0x0c, opConst4s: UInt8 = 0x0d
    static let opConst8u: UInt8 = 0x0e, opConst8s: UInt8 = 0x0f
    static let opConstu: UInt8 = 0x10, opConsts: UInt8 = 0x11
    static let opPick: UInt8 = 0x15
    static let opMinus: UInt8 = 0x1c, opPlus: UInt8 = 0x22, opPlusUconst: UInt8 = 0x23
    static let opBra: UInt8 = 0x28, opSkip: UInt8 = 0x2f
    static let opReg0: UInt8 = 0x50, opReg31: UInt8 = 0x6f
    static let opBreg0: UInt8 = 0x70, opBreg31: UInt8 = 0x8f
    static let opRegx: UInt8 = 0x90, opFbreg: UInt8 = 0x91, opBregx: UInt8 = 0x92
    static let opPiece: UInt8 = 0x93, opDerefSize: UInt8 = 0x94, opXderefSize: UInt8 = 0x95
    static let opCall2: UInt8 = 0x98, opCall4: UInt8 = 0x99, opCallRef: UInt8 = 0x9a
    static let opCallFrameCFA: UInt8 = 0x9c, opBitPiece: UInt8 = 0x9d
    static let opAddrx: UInt8 = 0xa1, opConstx: UInt8 = 0xa2
    static let opConvert: UInt8 = 0xa8, opReinterpret: UInt8 = 0xa9

    /// The shape of an operation's operands on disk.
    private enum Operands {
        case none, u8, s8, u16, s16, u32, s32, u64, s64, address, uleb, sleb, ulebUleb, ulebSleb
        /// An operand shape this decoder does not model (blocks, typed ops): stop decoding.
        case unsupported
    }

    private static func operands(of atom: UInt8) -> Operands {
        switch atom {
        case opAddr: .address
        case opConst1u, opPick, opDerefSize, opXderefSize: .u8
        case opConst1s: .s8
        case opConst2u, opCall2: .u16
        case opConst2s, opBra, opSkip: .s16
        case opConst4u, opCall4, opCallRef: .u32
        case opConst4s: .s32
        case opConst8u: .u64
        case opConst8s: .s64
        case opConstu, opPlusUconst, opRegx, opPiece, opAddrx, opConstx, opConvert, opReinterpret: .uleb
        case opConsts, opFbreg: .sleb
        case opBreg0...opBreg31: .sleb
        case opBregx: .ulebSleb
        case opBitPiece: .ulebUleb
        case 0x9e, 0xa0, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xe0...0xff: .unsupported
        default: .none
        }
    }

    // MARK: Bytes to operations

    /// Decodes expression bytes into operations; nil if an operation is truncated or of a
    /// shape this decoder does not model.
    static func operations(of bytes: [UInt8]) -> [ExpressionOp]? {
        var ops: [ExpressionOp] = []
        var reader = ByteReader(bytes: bytes)
        while !reader.atEnd {
            guard let atom = reader.u8() else { return nil }
            var op = ExpressionOp(atom: atom)
            switch operands(of: atom) {
            case .none: break
            case .u8: guard let v = reader.u8() else { return nil }; op.number = UInt64(v)
            case .s8: guard let v = reader.u8() else { return nil }; op.number = UInt64(bitPattern: Int64(Int8(bitPattern: v)))
            case .u16: guard let v = reader.fixed(2) else { return nil }; op.number = v
            case .s16: guard let v = reader.fixed(2) else { return nil }; op.number = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
            case .u32: guard let v = reader.fixed(4) else { return nil }; op.number = v
            case .s32: guard let v = reader.fixed(4) else { return nil }; op.number = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
            case .u64, .s64, .address: guard let v = reader.fixed(8) else { return nil }; op.number = v
            case .uleb: guard let v = reader.uleb() else { return nil }; op.number = v
            case .sleb: guard let v = reader.sleb() else { return nil }; op.number = UInt64(bitPattern: v)
            case .ulebUleb:
                guard let a = reader.uleb(), let b = reader.uleb() else { return nil }
                op.number = a; op.number2 = b
            case .ulebSleb:
                guard let a = reader.uleb(), let b = reader.sleb() else { return nil }
                op.number = a; op.number2 = UInt64(bitPattern: b)
            case .unsupported: return nil
            }
            ops.append(op)
        }
        return ops
    }

    /// Encodes operations back into expression bytes (for ``Location/expression(_:)`` when
    /// the operations came from a location list). Operations with block operands encode as
    /// their atom only.
    static func encode(_ ops: [ExpressionOp]) -> [UInt8] {
        var out: [UInt8] = []
        for op in ops {
            out.append(op.atom)
            switch operands(of: op.atom) {
            case .none, .unsupported: break
            case .u8, .s8: out.append(UInt8(truncatingIfNeeded: op.number))
            case .u16, .s16: appendFixed(op.number, 2, to: &out)
            case .u32, .s32: appendFixed(op.number, 4, to: &out)
            case .u64, .s64, .address: appendFixed(op.number, 8, to: &out)
            case .uleb: appendULEB(op.number, to: &out)
            case .sleb: appendSLEB(op.signed, to: &out)
            case .ulebUleb: appendULEB(op.number, to: &out); appendULEB(op.number2, to: &out)
            case .ulebSleb: appendULEB(op.number, to: &out); appendSLEB(Int64(bitPattern: op.number2), to: &out)
            }
        }
        return out
    }

    // MARK: Operations to a location

    /// Interprets raw expression bytes (from a `DW_FORM_block*`/`exprloc` attribute).
    static func location(of bytes: [UInt8]) -> Location {
        if bytes.isEmpty { return .unavailable }
        guard let ops = operations(of: bytes) else { return .expression(bytes) }
        return location(of: ops, raw: bytes)
    }

    /// Interprets a decoded expression. `raw` is the original bytes, if known, used for the
    /// ``Location/expression(_:)`` fallback.
    static func location(of ops: [ExpressionOp], raw: [UInt8]? = nil) -> Location {
        if ops.isEmpty { return .unavailable }
        guard ops.contains(where: { $0.atom == opPiece || $0.atom == opBitPiece }) else {
            return simple(ops) ?? .expression(raw ?? encode(ops))
        }
        var pieces: [Piece] = []
        var current: [ExpressionOp] = []
        for op in ops {
            if op.atom == opPiece || op.atom == opBitPiece {
                let size = op.atom == opPiece ? op.number : op.number / 8
                let part: Location? = current.isEmpty ? nil : (simple(current) ?? .expression(encode(current)))
                pieces.append(Piece(size: size, location: part))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(op)
            }
        }
        guard current.isEmpty else { return .expression(raw ?? encode(ops)) }
        return .pieces(pieces)
    }

    /// A location made of one simple expression (no pieces), or nil if it is not one of the
    /// shapes Go emits.
    private static func simple(_ ops: [ExpressionOp]) -> Location? {
        guard let first = ops.first else { return nil }
        switch ops.count {
        case 1:
            switch first.atom {
            case opAddr: return .address(first.number)
            case opReg0...opReg31: return .register(Int(first.atom - opReg0))
            case opRegx: return .register(Int(truncatingIfNeeded: first.number))
            case opFbreg: return .frameOffset(first.signed)
            case opCallFrameCFA: return .frameOffset(0)
            default: return nil
            }
        case 2 where first.atom == opCallFrameCFA && ops[1].atom == opPlusUconst:
            return .frameOffset(Int64(bitPattern: ops[1].number))
        case 3 where first.atom == opCallFrameCFA:
            let constant = ops[1], arithmetic = ops[2]
            let value: Int64
            switch constant.atom {
            case opConsts, opConst1s, opConst2s, opConst4s, opConst8s: value = constant.signed
            case opConstu, opConst1u, opConst2u, opConst4u, opConst8u: value = Int64(bitPattern: constant.number)
            default: return nil
            }
            switch arithmetic.atom {
            case opPlus: return .frameOffset(value)
            case opMinus: return .frameOffset(-value)
            default: return nil
            }
        default:
            return nil
        }
    }

    // MARK: Encoding helpers

    private static func appendFixed(_ value: UInt64, _ count: Int, to out: inout [UInt8]) {
        for i in 0..<count { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    private static func appendULEB(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7f)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
    }

    private static func appendSLEB(_ value: Int64, to out: inout [UInt8]) {
        var v = value
        while true {
            let byte = UInt8(v & 0x7f)
            v >>= 7
            let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0)
            out.append(done ? byte : byte | 0x80)
            if done { return }
        }
    }
}

/// A little-endian cursor over expression bytes; every read returns nil when short.
struct ByteReader {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    mutating func u8() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func fixed(_ count: Int) -> UInt64? {
        guard count <= 8, bytes.count - index >= count else { return nil }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += count
        return value
    }

    mutating func uleb() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = u8() {
            if shift < 64 { result |= UInt64(byte & 0x7f) << shift }
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    mutating func sleb() -> Int64? {
        var result: Int64 = 0
        var shift: Int64 = 0
        while let byte = u8() {
            if shift < 64 { result |= Int64(byte & 0x7f) << shift }
            shift += 7
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 { result |= -(Int64(1) << shift) }
                return result
            }
        }
        return nil
    }
}
