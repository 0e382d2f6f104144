@testable import GoDWARF
import Testing

@Suite("DWARF location expressions")
struct LocationDecoderTests {
    struct Case: Sendable, CustomStringConvertible {
        let bytes: [UInt8]
        let location: Location
        var description: String { bytes.map { String($0, radix: 16) }.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(bytes: [], location: .unavailable),
        Case(bytes: [0x03, 0xe0, 0xa5, 0x56, 0, 0, 0, 0, 0], location: .address(0x56a5e0)),
        Case(bytes: [0x9c], location: .frameOffset(0)),
        Case(bytes: [0x91, 0x68], location: .frameOffset(-24)),                  // DW_OP_fbreg -24
        Case(bytes: [0x91, 0x08], location: .frameOffset(8)),
        Case(bytes: [0x9c, 0x11, 0x10, 0x22], location: .frameOffset(16)),       // cfa; consts 16; plus
        Case(bytes: [0x9c, 0x23, 0x20], location: .frameOffset(32)),             // cfa; plus_uconst 32
        Case(bytes: [0x50], location: .register(0)),
        Case(bytes: [0x53], location: .register(3)),
        Case(bytes: [0x90, 0x11], location: .register(17)),                      // DW_OP_regx 17
        Case(bytes: [0x50, 0x93, 0x08, 0x53, 0x93, 0x08],
             location: .pieces([Piece(size: 8, location: .register(0)), Piece(size: 8, location: .register(3))])),
        Case(bytes: [0x93, 0x08, 0x91, 0x68, 0x93, 0x08],
             location: .pieces([Piece(size: 8, location: nil), Piece(size: 8, location: .frameOffset(-24))])),
        Case(bytes: [0x70, 0x08], location: .expression([0x70, 0x08])),          // breg0 8: kept raw
        Case(bytes: [0xe0, 0x01], location: .expression([0xe0, 0x01])),          // vendor op
        Case(bytes: [0x03, 0x01], location: .expression([0x03, 0x01])),          // truncated address
        Case(bytes: [0x50, 0x93], location: .expression([0x50, 0x93])),          // truncated piece
    ]

    @Test(arguments: cases)
    func decode(_ c: Case) {
        #expect(ExpressionDecoder.location(of: c.bytes) == c.location)
    }

    @Test(arguments: cases)
    func encodeRoundTrip(_ c: Case) {
        guard let ops = ExpressionDecoder.operations(of: c.bytes) else { return }
        #expect(ExpressionDecoder.encode(ops) == c.bytes)
    }

    @Test func signedLEB() {
        var reader = ByteReader(bytes: [0x80, 0x7f, 0xff, 0x00, 0x7f])
        #expect(reader.sleb() == -128)
        #expect(reader.sleb() == 127)
        #expect(reader.sleb() == -1)
        #expect(reader.sleb() == nil)
    }

    @Test func listLookup() {
        let list = Location.list([
            LocationListEntry(range: PCRange(low: 0x10, high: 0x20), location: .register(0)),
            LocationListEntry(range: PCRange(low: 0x20, high: 0x30), location: .frameOffset(-8)),
        ])
        #expect(list.at(pc: 0x10) == .register(0))
        #expect(list.at(pc: 0x2f) == .frameOffset(-8))
        #expect(list.at(pc: 0x30) == nil)
        #expect(Location.register(1).at(pc: 0) == .register(1))
    }
}
