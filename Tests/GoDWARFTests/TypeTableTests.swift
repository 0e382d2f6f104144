@testable import GoDWARF
import Testing

/// The type resolution rules, on hand-made DIEs (offsets are arbitrary).
@Suite("Type table resolution")
struct TypeTableTests {
    static let structTag = Tag.structureType, typedefTag = Tag.typedef, pointerTag = Tag.pointerType

    /// struct main.Node { next *main.Node }, a bare alias typedef of it, a map typedef over a
    /// pointer, and uintptr with an absolute runtime type address.
    static func sample() -> [RawType] {
        var node = RawType(offset: 0x10, tag: structTag)
        node.name = "main.Node"; node.size = 8; node.kind = .struct; node.runtimeType = 0x40
        node.fields = [RawField(name: "next", typeRef: 0x20, offset: 0, isEmbedded: false)]
        var pointer = RawType(offset: 0x20, tag: pointerTag)
        pointer.name = "*main.Node"; pointer.kind = .pointer; pointer.typeRef = 0x10
        var alias = RawType(offset: 0x30, tag: typedefTag)
        alias.name = "main.Node"; alias.typeRef = 0x10
        var hash = RawType(offset: 0x40, tag: pointerTag)
        hash.name = "*hash<int,int>"; hash.typeRef = nil
        var map = RawType(offset: 0x50, tag: typedefTag)
        map.name = "map[int]int"; map.kind = .map; map.typeRef = 0x40; map.keyRef = 0x60; map.elemRef = 0x60
        var int = RawType(offset: 0x60, tag: Tag.baseType)
        int.name = "int"; int.size = 8; int.kind = .int; int.encoding = 5
        var uintptr = RawType(offset: 0x70, tag: Tag.baseType)
        uintptr.name = "uintptr"; uintptr.size = 8; uintptr.kind = .uintptr; uintptr.runtimeType = 0x401000 + 0x80
        return [node, pointer, alias, hash, map, int, uintptr]
    }

    @Test func aliasesFoldIntoTheirTarget() throws {
        let table = TypeTable(raw: Self.sample(), runtimeTypes: PCRange(low: 0x401000, high: 0x402000), pointerSize: 8)
        #expect(table.types.count == 6)
        #expect(table.byOffset[0x30] == table.byOffset[0x10])
        let node = try #require(table.byName["main.Node"])
        #expect(table.types[node.index].tag == .structure)
        // The recursive field resolves to the pointer, whose element is the struct again.
        let next = try #require(table.types[node.index].fields.first?.type)
        #expect(table.types[next.index].elem == node)
    }

    @Test func sizesOfPointersAndTypedefs() throws {
        let table = TypeTable(raw: Self.sample(), runtimeTypes: nil, pointerSize: 8)
        let map = try #require(table.byName["map[int]int"].map { table.types[$0.index] })
        #expect(map.size == 8)
        #expect(map.key == table.byName["int"] && map.elem == table.byName["int"])
        #expect(map.underlying == table.byName["*hash<int,int>"])
        #expect(table.byName["*main.Node"].map { table.types[$0.index].size } == 8)
    }

    @Test func absoluteRuntimeTypeAddressesBecomeOffsets() throws {
        let table = TypeTable(raw: Self.sample(), runtimeTypes: PCRange(low: 0x401000, high: 0x402000), pointerSize: 8)
        let uintptr = try #require(table.byName["uintptr"])
        #expect(table.types[uintptr.index].runtimeTypeOffset == 0x80)
        #expect(table.byRuntimeOffset[0x80] == uintptr)
        #expect(table.byRuntimeOffset[0x40] == table.byName["main.Node"])
    }
}
