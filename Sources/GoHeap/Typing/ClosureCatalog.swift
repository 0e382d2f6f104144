import GoCore
import GoDWARF

/// The layouts of closure records in a Go 1.21 or 1.22 binary, whose DWARF does not say where a
/// closure keeps what it captured.
///
/// The compiler gives each closure's record a struct type, `struct { F uintptr; X0 T0; X1 *T1 }`
/// (`F` the code pointer, `Xi` the captured variables in capture order, a pointer for a variable
/// captured by reference), and the runtime needs its descriptor to allocate it: its name is in
/// the binary's type data. The catalog reads every such name once, resolves the field types to
/// DWARF types by their runtime spelling (`ssa.ID` for `cmd/compile/internal/ssa.ID`), and lays
/// the fields out as the compiler does (each at its alignment). A closure object then matches
/// the entries whose size fits its slot, whose pointer words are exactly the object's (from the
/// GC's bitmap) and whose fields include every variable the function's DWARF says it captured.
/// When all the matching entries agree on where the pointers are and what they point to, that is
/// the layout; otherwise the closure's captured variables stay undescribed (never guessed).
struct ClosureCatalog {
    struct Entry {
        var fieldNames: [String]
        var fieldTypes: [TypeID]
        var runtimeNames: [String]
        var offsets: [UInt64]
        var size: UInt64
        var mask: [UInt64]
    }
    private(set) var entries: [Entry] = []
    let dwarf: DWARFFile

    /// The runtime's spelling of a type name: package paths cut to their last element.
    static func runtimeSpelling(_ dwarfName: String) -> String {
        var out = ""
        var token = ""
        func flush() {
            if let slash = token.lastIndex(of: "/") { token = String(token[token.index(after: slash)...]) }
            out += token
            token = ""
        }
        for ch in dwarfName {
            if ch.isLetter || ch.isNumber || ch == "_" || ch == "/" || ch == "." || ch == "-" { token.append(ch) } else { flush(); out.append(ch) }
        }
        flush()
        return TypeShapes.displayName(out)
    }

    init(dwarf: DWARFFile, mem: AddressSpace, runtimeTypes: RuntimeTypeReader, typesBase: UInt64) {
        self.dwarf = dwarf
        // DWARF types by their runtime spelling.
        var byName: [String: [TypeID]] = [:]
        for i in 0 ..< dwarf.types.count {
            let g = dwarf.types[i]
            guard !g.name.isEmpty, g.tag != .other(0) else { continue }
            byName[ClosureCatalog.runtimeSpelling(g.name), default: []].append(TypeID(rawValue: Int32(i)))
        }
        // The names of closure struct types in the type data of each module.
        let pattern = Array("struct { F uintptr; ".utf8)
        var seen = Set<String>()
        var found: [Entry] = []
        for m in runtimeTypes.modules {
            guard m.etypes > m.types, m.etypes &- m.types <= 1 << 30 else { continue }
            _ = try? mem.withBytes(at: Address(m.types), count: m.etypes &- m.types) { raw in
                var i = 0
                let n = raw.count
                while i &+ pattern.count <= n {
                    if raw[i] == pattern[0], (0 ..< pattern.count).allSatisfy({ raw[i &+ $0] == pattern[$0] }) {
                        if let name = ClosureCatalog.structName(raw, from: i), seen.insert(name).inserted,
                           let e = ClosureCatalog.entry(name, byName: byName, dwarf: dwarf) {
                            found.append(e)
                        }
                        i &+= pattern.count
                    } else {
                        i &+= 1
                    }
                }
            }
        }
        entries = found
    }

    /// The struct type name starting at `start` ("struct { … }", braces balanced), or nil.
    static func structName(_ raw: UnsafeRawBufferPointer, from start: Int) -> String? {
        var depth = 0
        var i = start
        while i < raw.count, i &- start < 4096 {
            let b = raw[i]
            if b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 { return String(decoding: UnsafeRawBufferPointer(rebasing: raw[start ... i]), as: UTF8.self) }
            }
            if b == 0 { return nil }
            i += 1
        }
        return nil
    }

    /// Parses "struct { F uintptr; X0 T0; … }" and lays it out.
    static func entry(_ name: String, byName: [String: [TypeID]], dwarf: DWARFFile) -> Entry? {
        guard name.hasPrefix("struct { "), name.hasSuffix(" }") else { return nil }
        let body = name.dropFirst("struct { ".count).dropLast(2)
        // Split at "; " outside brackets.
        var parts: [Substring] = []
        var depth = 0
        var from = body.startIndex
        var i = body.startIndex
        while i < body.endIndex {
            let ch = body[i]
            if "([{".contains(ch) { depth += 1 } else if ")]}".contains(ch) { depth -= 1 }
            if ch == ";", depth == 0 {
                parts.append(body[from ..< i])
                from = body.index(after: i)
                if from < body.endIndex, body[from] == " " { from = body.index(after: from) }
            }
            i = body.index(after: i)
        }
        parts.append(body[from...])
        guard parts.count >= 2, parts.count <= 64, parts[0] == "F uintptr" else { return nil }
        var e = Entry(fieldNames: [], fieldTypes: [], runtimeNames: [], offsets: [], size: 8, mask: [])
        var offset: UInt64 = 8
        var align: UInt64 = 8
        var pointerWords: [Int] = []
        for p in parts.dropFirst() {
            guard let space = p.firstIndex(of: " ") else { return nil }
            let fieldName = String(p[..<space]), typeName = String(p[p.index(after: space)...])
            // Same-spelled types of different packages must agree on layout to be usable.
            guard let ids = byName[typeName], let t = ids.first else { return nil }
            let size = dwarf.type(dwarf.resolvingTypedefs(t)).size
            let a = ClosureCatalog.alignment(t, dwarf, depth: 0)
            var words: [Int] = []
            ClosureCatalog.pointerWords(t, at: 0, dwarf, into: &words, depth: 0)
            for other in ids.dropFirst() {
                var w: [Int] = []
                ClosureCatalog.pointerWords(other, at: 0, dwarf, into: &w, depth: 0)
                if dwarf.type(dwarf.resolvingTypedefs(other)).size != size || w != words { return nil }
            }
            offset = (offset &+ a &- 1) / a &* a
            e.fieldNames.append(fieldName)
            e.fieldTypes.append(t)
            e.runtimeNames.append(typeName)
            e.offsets.append(offset)
            pointerWords += words.map { $0 &+ Int(offset / 8) }
            offset &+= size
            align = max(align, a)
        }
        e.size = (offset &+ align &- 1) / align &* align
        var mask = [UInt64](repeating: 0, count: Int((e.size / 8 + 63) / 64))
        for w in pointerWords where w >= 0 && w / 64 < mask.count { mask[w / 64] |= 1 << UInt64(w % 64) }
        e.mask = mask
        return e
    }

    /// Go's alignment of a type, from its DWARF (at most 8 on 64-bit targets).
    static func alignment(_ t: TypeID, _ dwarf: DWARFFile, depth: Int) -> UInt64 {
        guard depth < 16 else { return 8 }
        let r = dwarf.type(dwarf.resolvingTypedefs(t))
        switch r.tag {
        case .pointer: return 8
        case .structure: return max(1, r.fields.compactMap { $0.type.map { alignment($0, dwarf, depth: depth + 1) } }.max() ?? 1)
        case .array: return r.elem.map { alignment($0, dwarf, depth: depth + 1) } ?? 1
        case .base:
            if r.encoding == 0x03 { return r.size >= 16 ? 8 : 4 }   // complex
            return min(8, max(1, r.size))
        default: return min(8, max(1, r.size))
        }
    }

    /// The pointer words of a value of type `t` placed at word `at`.
    static func pointerWords(_ t: TypeID, at: Int, _ dwarf: DWARFFile, into words: inout [Int], depth: Int) {
        guard depth < 16, words.count < 4096 else { return }
        let g = dwarf.type(t)
        switch g.kind {
        case .pointer, .unsafePointer, .map, .chan, .func: words.append(at); return
        case .string, .slice: words.append(at); return
        case .interface: words.append(at); words.append(at + 1); return
        default: break
        }
        let r = dwarf.type(dwarf.resolvingTypedefs(t))
        switch r.tag {
        case .pointer: words.append(at)
        case .structure:
            for f in r.fields { if let ft = f.type { pointerWords(ft, at: at + Int(f.offset / 8), dwarf, into: &words, depth: depth + 1) } }
        case .array:
            guard let e = r.elem, let n = r.count, n > 0, n <= 4096 else { return }
            let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
            guard es >= 8 || n == 1 else {
                // Elements smaller than a word hold no pointers.
                return
            }
            for k in 0 ..< Int(n) { pointerWords(e, at: at + k * Int(es / 8), dwarf, into: &words, depth: depth + 1) }
        default: break
        }
    }

    /// The captured variables of a closure object, laid out: the fields of the one layout that
    /// fits (see the type's doc), named after the variables where their types say which is which.
    func layout(captured: [Variable], slotSize: UInt64, mask: [UInt64],
                sizeClasses: [UInt64]) -> [(name: String, type: TypeID, offset: UInt64)]? {
        // The record's size class is the slot's: its size lies above the next smaller class.
        let smaller = sizeClasses.filter { $0 < slotSize }.max() ?? 0
        let wanted = captured.compactMap { $0.type.map { ClosureCatalog.runtimeSpelling(dwarf.type($0).name) } }
        var matches: [Entry] = []
        for e in entries where e.size <= slotSize && e.size > smaller {
            // Pointer words: the entry's, exactly the object's.
            var same = true
            for k in 0 ..< mask.count {
                let mine = k < e.mask.count ? e.mask[k] : 0
                if mine != mask[k] { same = false; break }
            }
            guard same else { continue }
            // Every variable DWARF lists is one of the fields.
            var pool = e.runtimeNames
            var all = true
            for w in wanted {
                if let j = pool.firstIndex(of: w) { pool.remove(at: j) } else { all = false; break }
            }
            if all { matches.append(e) }
        }
        guard let first = matches.first else { return nil }
        // The matches must agree on every field that holds pointers (where it is, what it is).
        func pointerFields(_ e: Entry) -> [String] {
            zip(zip(e.offsets, e.runtimeNames), e.fieldTypes).compactMap { pair, t in
                var w: [Int] = []
                ClosureCatalog.pointerWords(t, at: 0, dwarf, into: &w, depth: 0)
                return w.isEmpty ? nil : "\(pair.0) \(pair.1)"
            }
        }
        let key = pointerFields(first)
        guard matches.allSatisfy({ pointerFields($0) == key }) else { return nil }
        let exact = matches.allSatisfy { $0.offsets == first.offsets && $0.runtimeNames == first.runtimeNames }
        // Name each field after the captured variable of its type when only one has that type.
        var out: [(name: String, type: TypeID, offset: UInt64)] = []
        for k in first.fieldNames.indices {
            var w: [Int] = []
            ClosureCatalog.pointerWords(first.fieldTypes[k], at: 0, dwarf, into: &w, depth: 0)
            if !exact && w.isEmpty { continue }   // the matches disagree on scalars: leave them out
            let same = captured.filter { v in v.type.map { ClosureCatalog.runtimeSpelling(dwarf.type($0).name) } == first.runtimeNames[k] }
            let sameFields = first.runtimeNames.filter { $0 == first.runtimeNames[k] }.count
            let name = same.count == 1 && sameFields == 1 ? same[0].name : first.fieldNames[k]
            out.append((name, first.fieldTypes[k], first.offsets[k]))
        }
        return out
    }
}
