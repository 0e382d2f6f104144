import GoDWARF

/// The Go type of a heap object: a DWARF type, or a runtime type the DWARF lacks, possibly an array of it.
public struct HeapType: Sendable, Hashable {
    /// The Go name: "main.Node", "[100]*main.Node", "map[string]int", "string".
    public let name: String
    /// The DWARF type of the object (of one element for arrays), when known.
    public let dwarf: TypeID?
    /// `[count]T` when > 0; 0 for a single value.
    public let count: UInt64
    /// The runtime type descriptor's address when the type came from the heap and DWARF lacks it, else 0.
    public var runtimeType: UInt64 = 0

    public init(name: String, dwarf: TypeID?, count: UInt64, runtimeType: UInt64 = 0) {
        self.name = name
        self.dwarf = dwarf
        self.count = count
        self.runtimeType = runtimeType
    }
}
