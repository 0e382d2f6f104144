/// The objects the typer has given a type and has still to walk.
///
/// Last in, first out: the walk stays near the memory it just read, and the item on top was
/// usually pushed a moment ago. An item remembers the confidence its object had when it was
/// pushed; one whose object has since been raised (and pushed again) is stale and is dropped when
/// its turn comes, so an object is walked once per raise, not once per offer.
///
/// (Popping the most trusted level first was tried: it avoids no walks on the shapes measured,
/// and jumping between levels loses the locality of the stack.)
struct WorkQueue {
    struct Item {
        /// Where the object's Go value starts (bits 0–55; user addresses are below 2⁵⁶) and the
        /// confidence it was pushed with (bits 56–63).
        private var bits: UInt64
        var id: Int32
        /// The object's span index.
        var span: Int32
        var p: UInt64 { bits & 0x00ff_ffff_ffff_ffff }
        var confidence: UInt8 { UInt8(truncatingIfNeeded: bits >> 56) }
        /// - Precondition: `p` < 2⁵⁶ (callers check it: no heap object lies above).
        init(p: UInt64, id: Int32, span: Int32, confidence: UInt8) {
            bits = p & 0x00ff_ffff_ffff_ffff | UInt64(confidence) << 56
            self.id = id
            self.span = span
        }
    }

    private var items: [Item] = []

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    @inline(__always) mutating func push(_ item: Item) { items.append(item) }
    @inline(__always) mutating func pop() -> Item? { items.popLast() }
}
