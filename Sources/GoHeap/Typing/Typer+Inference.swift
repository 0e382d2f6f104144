import GoCore
import GoDWARF

/// Last resort for objects no typed path reaches — held only by a compiler temporary on a stack
/// (DWARF describes no autotmp), by a global DWARF lacks, or behind `unsafe.Pointer` — typed by
/// what they hold, at the lowest confidence so that any real source wins:
///
/// - every word is a pointer (the GC's bitmap says so) and every non-nil one points to the
///   start of an object of one type `T`: the backing array of a `[]*T`, `[n]*T`;
/// - the words alternate pointer and length, and every pointer is string data of that length:
///   `[n]string`.
extension Typer {
    /// Returns how many objects it typed (now waiting in the work list).
    mutating func inferArrays(_ untyped: [Int32]) -> Int {
        var typed = 0
        for u in untyped where states.type(Int(u)) < 0 {
            let id = Int(u)
            let sp = index.spanIndex(ofObject: id)
            let s = spans[sp]
            guard !s.noscan else { continue }
            let start = dataStart(id), size = min(dataSize(id), 1 << 16)
            guard size >= 16, let mask = pointerBits.objectMask(s, address: index.address(of: id), size: s.isLarge ? min(s.elemSize, 1 << 16) : s.elemSize,
                                                                 mem: mem, types: runtimeTypes, greenTea: greenTea) else { continue }
            let headerWords = Int((start &- index.address(of: id)) / 8)
            let words = Int(size / 8)
            func isPointer(_ k: Int) -> Bool {
                let w = k &+ headerWords
                return w / 64 < mask.count && (mask[w / 64] >> UInt64(w % 64)) & 1 == 1
            }
            if (0 ..< words).allSatisfy(isPointer) {
                // [n]*T: one element type for every target.
                var elem: Int32 = -1, seen = 0, ok = true
                for k in 0 ..< words {
                    let v = word(start &+ UInt64(k) &* 8)
                    guard v != 0 else { continue }
                    guard let (t, slot, tsp) = index.locate(v), v == slot &+ spanDataOffset[tsp] else { ok = false; break }
                    let ti = states.type(t)
                    guard ti >= 0, states.countOf[Int(ti)] == 0, states.dwarfOf[Int(ti)] >= 0 else { ok = false; break }
                    if elem < 0 { elem = states.dwarfOf[Int(ti)] } else if elem != states.dwarfOf[Int(ti)] { ok = false; break }
                    seen += 1
                }
                guard ok, seen > 0, elem >= 0, let ptr = dwarf.type(named: "*" + dwarf.type(TypeID(rawValue: elem)).name) else { continue }
                assign(start, ptr, count: UInt64(words), confidence: 1, array: true, guessedCount: true)
                typed += 1
            } else if words % 2 == 0, (0 ..< words).allSatisfy({ isPointer($0) == ($0 % 2 == 0) }) {
                // [n]string: each pointer is string data at least as long as the next word says.
                var seen = 0, ok = true
                for k in stride(from: 0, to: words, by: 2) {
                    let v = word(start &+ UInt64(k) &* 8), len = word(start &+ UInt64(k &+ 1) &* 8)
                    guard v != 0 else { if len != 0 { ok = false; break } else { continue } }
                    guard len > 0, len < 1 << 32, let (t, slot, tsp) = index.locate(v), spans[tsp].noscan,
                          v &- slot &+ len <= spans[tsp].elemSize, states.type(t) == states.string() else { ok = false; break }
                    seen += 1
                }
                guard ok, seen > 0, let str = dwarf.type(named: "string") else { continue }
                assign(start, str, count: UInt64(words / 2), confidence: 1, array: true, guessedCount: true)
                typed += 1
            }
        }
        return typed
    }
}
