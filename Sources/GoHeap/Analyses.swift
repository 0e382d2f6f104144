import GoCore
import GoDWARF
import Synchronization

/// One step of a path from a root to an object.
public struct PathStep: Sendable {
    /// The object this step is in.
    public let object: Int
    /// Where the pointer to the next step sits in this object, from the start of its Go value.
    public let offset: UInt64
    /// That place as a Go field path (".Next", "[3]", ".Kids[2]"), when the object's type says.
    public let field: String
}

/// A path from a root to an object: root → steps[0] → … → the object (the last step).
public struct HeapPath: Sendable {
    public let root: Root
    public let steps: [PathStep]
}

/// Retained bytes and retained object counts of every object (see `Heap.retainedSizes()`).
///
/// Slot sizes are multiples of 8, so while the live heap is under 32 GiB every retained size
/// is kept as a 32-bit count of 8-byte units: 4 bytes per object instead of 8.
public struct RetainedSizes: Sendable {
    private let units: [UInt32]
    private let wide: [UInt64]
    /// Retained object count, by object id (0 for unreachable objects).
    public let counts: [UInt32]

    init(tree: DominatorTree, liveBytes: UInt64, size: (Int) -> UInt64) {
        if liveBytes / 8 < UInt64(UInt32.max) {
            (units, counts) = tree.retained(as: UInt32.self) { size($0) / 8 }
            wide = []
        } else {
            (wide, counts) = tree.retained(as: UInt64.self, sizes: size)
            units = []
        }
    }

    /// Retained bytes of object `id` (0 for unreachable objects).
    @inline(__always) public func bytes(of id: Int) -> UInt64 {
        wide.isEmpty ? UInt64(units[id]) &* 8 : wide[id]
    }

    /// The number of objects.
    public var count: Int { counts.count }
}

/// The analyses built lazily over a heap, once each.
final class AnalysisCache: @unchecked Sendable {
    let dominators = Mutex<DominatorTree?>(nil)
    let retained = Mutex<RetainedSizes?>(nil)
    let reverse = Mutex<(start: [UInt32], sources: [Int32])?>(nil)
}

extension Heap {
    /// The dominator tree of the object graph, with a virtual root above every root (built once).
    public func dominators() -> DominatorTree {
        analyses.dominators.withLock { cached in
            if let cached { return cached }
            let t = DominatorTree(nodeCount: objectCount, edgeStart: edgeStart, edgeTargets: edgeTargets,
                                  roots: roots.map(\.object))
            cached = t
            return t
        }
    }

    /// Retained bytes and retained object count of every object: what would be freed with it.
    public func retainedSizes() -> RetainedSizes {
        if let r = analyses.retained.withLock({ $0 }) { return r }
        let r = RetainedSizes(tree: dominators(), liveBytes: liveBytes) { self.size(of: $0) }
        analyses.retained.withLock { $0 = r }
        return r
    }

    /// Retained bytes per type: for each type, the objects of that type not dominated by another
    /// object of the same type, and the bytes they retain (so nested instances are not counted twice).
    public func retainedByType() -> [(type: String, objects: Int, retainedBytes: UInt64)] {
        let tree = dominators()
        let retained = retainedSizes()
        let kids = tree.children()
        var active = [Int32](repeating: 0, count: types.count + 1)
        var count = [Int](repeating: 0, count: types.count + 1)
        var total = [UInt64](repeating: 0, count: types.count + 1)
        // Iterative DFS over the dominator tree: (node, entered) pairs.
        var stack: [(Int32, Bool)] = kids.rootChildren.reversed().map { ($0, false) }
        while let (n, entered) = stack.popLast() {
            let t = Int(objectTypes[Int(n)]) + 1
            if entered { active[t] -= 1; continue }
            if active[t] == 0 { count[t] += 1; total[t] &+= retained.bytes(of: Int(n)) }
            active[t] += 1
            stack.append((n, true))
            for c in kids.nodes[Int(kids.start[Int(n)]) ..< Int(kids.start[Int(n) + 1])] { stack.append((c, false)) }
        }
        var merged: [String: (Int, UInt64)] = [:]
        for t in 0..<total.count where count[t] > 0 {
            let name = t == 0 ? "<unknown>" : types[t - 1].name
            let e = merged[name] ?? (0, 0)
            merged[name] = (e.0 + count[t], e.1 &+ total[t])
        }
        return merged.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.2 != $1.2 ? $0.2 > $1.2 : $0.0 < $1.0 }
    }

    /// The objects that point to an object (reverse edges, built once).
    public func referrers(of id: Int) -> [Int] {
        let rev = analyses.reverse.withLock { cached -> (start: [UInt32], sources: [Int32]) in
            if let cached { return cached }
            var start = [UInt32](repeating: 0, count: objectCount + 1)
            for t in edgeTargets { start[Int(t) + 1] &+= 1 }
            for i in 0..<objectCount { start[i + 1] &+= start[i] }
            var fill = start
            var sources = [Int32](repeating: 0, count: edgeTargets.count)
            for s in 0..<objectCount {
                for e in Int(edgeStart[s]) ..< Int(edgeStart[s + 1]) {
                    let t = Int(edgeTargets[e])
                    sources[Int(fill[t])] = Int32(s)
                    fill[t] += 1
                }
            }
            cached = (start, sources)
            return cached ?? (start, sources)
        }
        var out = rev.sources[Int(rev.start[id]) ..< Int(rev.start[id + 1])].map { Int($0) }
        out.sort()
        var unique: [Int] = []
        for x in out where unique.last != x { unique.append(x) }
        return unique
    }

    /// Up to `k` shortest paths from roots to an object, each from a different root slot,
    /// found by a breadth-first search backwards over the pointers.
    public func paths(to target: Int, k: Int = 3, process: Process) -> [HeapPath] {
        guard target >= 0, target < objectCount else { return [] }
        var rootsOf: [Int32: [Int]] = [:]
        for (i, r) in roots.enumerated() where r.object >= 0 { rootsOf[r.object, default: []].append(i) }
        var next = [Int32](repeating: -2, count: objectCount)   // -2 unseen; else the next object toward the target (-1 = is target)
        next[target] = -1
        var queue = [target]
        var head = 0
        var out: [HeapPath] = []
        var usedRoots = Set<Int>()
        while head < queue.count, out.count < k {
            let n = queue[head]; head += 1
            if let rs = rootsOf[Int32(n)] {
                for ri in rs where out.count < k && !usedRoots.contains(ri) {
                    usedRoots.insert(ri)
                    var steps: [PathStep] = []
                    var cur = n
                    while cur >= 0, steps.count < 10_000 {
                        let nxt = Int(next[cur])
                        let (off, field) = nxt >= 0 ? pointerField(from: cur, to: nxt, process: process) : (0, "")
                        steps.append(PathStep(object: cur, offset: off, field: field))
                        cur = nxt
                    }
                    out.append(HeapPath(root: roots[ri], steps: steps))
                }
            }
            for p in referrers(of: n) where next[p] == -2 {
                next[p] = Int32(n)
                queue.append(p)
            }
        }
        return out
    }

    /// The first word of `from` that points into `to`: its offset in the Go value and its field path.
    public func pointerField(from: Int, to: Int, process: Process) -> (offset: UInt64, field: String) {
        let start = dataAddress(of: from)
        let end = address(of: from) &+ size(of: from)
        let lo = address(of: to), hi = lo &+ size(of: to)
        guard end > start, let bytes = try? process.core.memory.readBytes(at: Address(start), count: min(end &- start, 1 << 24)) else { return (0, "") }
        var off = 0
        while off + 8 <= bytes.count {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off, as: UInt64.self) }
            if v >= lo && v < hi { return (UInt64(off), fieldPath(of: from, offset: UInt64(off), process: process)) }
            off += 8
        }
        return (0, "")
    }

    /// A Go field path for an offset inside an object, from its type: ".Next", "[12]", "[3].Name".
    /// Inside a map's bucket or group the path is the entry's key: `["key-7"]`, `[42]`.
    public func fieldPath(of id: Int, offset: UInt64, process: Process) -> String {
        guard let t = type(of: id), let d = t.dwarf, let dwarf = process.dwarf else { return "+\(offset)" }
        let es = dwarf.type(dwarf.resolvingTypedefs(d)).size
        let element = t.count > 0 && es > 0 ? offset / es : 0
        let within = t.count > 0 && es > 0 ? offset % es : offset
        if let key = mapKey(elementType: d, at: dataAddress(of: id) &+ element &* es, offset: within, process: process) {
            return "[\(key)]"
        }
        if t.count > 0, es > 0 {
            return "[\(element)]" + FieldNamer(dwarf: dwarf).path(in: d, offset: within, depth: 0)
        }
        let p = FieldNamer(dwarf: dwarf).path(in: d, offset: offset, depth: 0)
        return p.isEmpty ? "+\(offset)" : p
    }

    /// The key of the map entry whose key or value holds `offset` of a classic bucket
    /// (`bucket<K,V>`: keys and values arrays) or a Swiss group (`group[K]V`: slots of {key, elem}).
    func mapKey(elementType d: TypeID, at base: UInt64, offset: UInt64, process: Process) -> String? {
        guard let dwarf = process.dwarf else { return nil }
        let r = dwarf.type(dwarf.resolvingTypedefs(d))
        var keyAddress: UInt64?
        var keyType: TypeID?
        if r.name.hasPrefix("bucket<"), let keys = r.field(named: "keys"), let kt = keys.type,
           let vals = r.field(named: "values") ?? r.field(named: "elems"), let vt = vals.type {
            let ka = dwarf.type(dwarf.resolvingTypedefs(kt)), va = dwarf.type(dwarf.resolvingTypedefs(vt))
            guard let ke = ka.elem, let ve = va.elem, let n = ka.count, n > 0 else { return nil }
            let ks = dwarf.type(dwarf.resolvingTypedefs(ke)).size, vs = dwarf.type(dwarf.resolvingTypedefs(ve)).size
            var i: UInt64?
            if offset >= keys.offset, ks > 0, offset < keys.offset &+ ka.size { i = (offset &- keys.offset) / ks }
            if offset >= vals.offset, vs > 0, offset < vals.offset &+ va.size { i = (offset &- vals.offset) / vs }
            if let i, i < UInt64(n) { keyAddress = base &+ keys.offset &+ i &* ks; keyType = ke }
        } else if r.name.contains("map.group["), let slots = r.field(named: "slots"), let st = slots.type {
            let sa = dwarf.type(dwarf.resolvingTypedefs(st))
            guard let se = sa.elem, let n = sa.count, n > 0 else { return nil }
            let slot = dwarf.type(dwarf.resolvingTypedefs(se))
            guard slot.size > 0, let key = slot.field(named: "key"), offset >= slots.offset, offset < slots.offset &+ sa.size else { return nil }
            let i = (offset &- slots.offset) / slot.size
            keyAddress = base &+ slots.offset &+ i &* slot.size &+ key.offset
            keyType = key.type
        }
        guard let a = keyAddress, let kt = keyType else { return nil }
        let v = Value(process: process, address: Address(a), type: kt)
        switch v.kind {
        case .string: return (try? v.string(limit: 200)).map { "\"" + $0 + "\"" }
        case .int, .int8, .int16, .int32, .int64: return (try? v.int()).map { "\($0)" }
        case .uint, .uint8, .uint16, .uint32, .uint64, .uintptr: return (try? v.uint()).map { "\($0)" }
        case .bool: return (try? v.bool()).map { "\($0)" }
        default: return "key of type \(v.typeName)"
        }
    }
}

/// Names the word at an offset inside a value of a DWARF type.
struct FieldNamer {
    let dwarf: DWARFFile

    func path(in type: TypeID, offset: UInt64, depth: Int) -> String {
        guard depth < 16 else { return "" }
        let t = dwarf.type(dwarf.resolvingTypedefs(type))
        // Go's own structs for strings, slices and interfaces: name the header, not its words.
        // (An interface's DWARF type is a typedef of runtime.eface or iface, which has no kind.)
        if let k = dwarf.type(type).kind, k == .string || k == .slice || k == .interface { return "" }
        switch t.tag {
        case .structure:
            if t.kind == .string || t.kind == .slice || t.kind == .interface { return "" }
            guard let f = t.fields.last(where: { $0.offset <= offset }) else { return "" }
            let rest = f.type.map { path(in: $0, offset: offset &- f.offset, depth: depth + 1) } ?? ""
            return "." + f.name + rest
        case .array:
            guard let e = t.elem else { return "" }
            let es = dwarf.type(dwarf.resolvingTypedefs(e)).size
            guard es > 0 else { return "" }
            return "[\(offset / es)]" + path(in: e, offset: offset % es, depth: depth + 1)
        default:
            return ""
        }
    }
}
