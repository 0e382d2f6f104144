import GoCore
import GoDWARF

/// Standard-library containers that keep typed values behind `unsafe.Pointer` or cast between
/// struct types by a tag: `sync.Pool`, `sync/atomic.Pointer[T]`, `sync.Map`'s entries and the
/// hash-trie of `internal/sync` (behind `sync.Map` and `unique` from Go 1.24).
extension Typer {
    /// What an idiom type is, resolved once per type (names and fields are looked up in DWARF
    /// the first time only: a program can hold millions of `atomic.Pointer`s).
    enum Idiom {
        case unresolved
        /// Not one of the idioms: its fields are visited.
        case none
        /// `sync.Pool`: the offsets of `local`/`localSize` and `victim`/`victimSize` (-1: absent),
        /// the element type, and the other fields holding pointers.
        case pool(local: TypeID, arrays: [(pointer: UInt64, count: UInt64)], others: [(offset: UInt64, type: TypeID)])
        /// `sync/atomic.Pointer[T]`: the offset of `v` and `T` (nil when DWARF lacks it).
        case atomicPointer(v: UInt64, target: TypeID?)
        /// `sync.entry`: the offset of `p`, a `*any`.
        case syncEntry(p: UInt64, any: TypeID)
    }

    mutating func idiom(_ i: Int, _ r: GoType) -> Idiom {
        if i < idioms.count, case .unresolved = idioms[i] {} else if i < idioms.count { return idioms[i] }
        if i >= idioms.count { idioms.append(contentsOf: repeatElement(.unresolved, count: i + 1 - idioms.count)) }
        var found = Idiom.none
        if r.name == "sync.Pool", let local = dwarf.type(named: "sync.poolLocal") {
            var arrays: [(UInt64, UInt64)] = []
            for (p, n) in [("local", "localSize"), ("victim", "victimSize")] {
                if let pf = r.field(named: p), let nf = r.field(named: n) { arrays.append((pf.offset, nf.offset)) }
            }
            var others: [(UInt64, TypeID)] = []
            for f in r.fields where f.name != "local" && f.name != "victim" {
                if let ft = f.type, shapes.hasPointers(ft) { others.append((f.offset, ft)) }
            }
            found = .pool(local: local, arrays: arrays, others: others)
        } else if r.name.hasPrefix("sync/atomic.Pointer["), r.name.hasSuffix("]"), let v = r.field(named: "v") {
            let inner = String(r.name.dropFirst("sync/atomic.Pointer[".count).dropLast())
            found = .atomicPointer(v: v.offset, target: dwarf.type(named: inner))
        } else if r.name == "sync.entry", let p = r.field(named: "p"), let any = dwarf.type(named: "interface {}") {
            found = .syncEntry(p: p.offset, any: any)
        }
        idioms[i] = found
        return found
    }

    /// `sync.Pool` (`local`/`victim` are `[size]sync.poolLocal`), `sync/atomic.Pointer[T]`
    /// (`v` is a `*T`) and `sync.entry` of `sync.Map` (`p` is a `*any`), for the value at `a` of
    /// shape index `i`; false when the type is none of them.
    mutating func unsafeIdioms(_ a: UInt64, _ i: Int, _ t: TypeID, _ c: UInt8) -> Bool {
        let child = c > 1 ? c - 1 : 1
        switch idiom(i, dwarf.type(dwarf.resolvingTypedefs(t))) {
        case .unresolved, .none:
            return false
        case .pool(let local, let arrays, let others):
            for (p, n) in arrays {
                let count = word(a &+ n)
                if count > 0, count < 1 << 16 { assign(word(a &+ p), local, count: count, confidence: child, array: true) }
            }
            for (offset, ft) in others { visit(a &+ offset, ft, c, depth: 1) }
            return true
        case .atomicPointer(let v, let target):
            if let target { offerPointer(word(a &+ v), target, confidence: child) }
            return true
        case .syncEntry(let p, let any):
            assign(word(a &+ p), any, count: 1, confidence: child)
            return true
        }
    }

    /// The concrete type behind a pointer to a "base" struct the runtime casts by a tag field:
    /// `internal/sync.node[K,V]` (the hash-trie behind `sync.Map` and `unique`) is the first field
    /// of an `entry[K,V]` when `isEntry` is set, else of an `indirect[K,V]`.
    mutating func downcast(_ p: UInt64, _ t: TypeID) -> TypeID {
        let i = shapes.ensure(t)
        if i >= nodeViews.count { nodeViews.append(contentsOf: repeatElement(nil, count: i + 1 - nodeViews.count)) }
        if nodeViews[i] == nil {
            // Resolved once per node type: the offset of `isEntry` and the two concrete types.
            let name = dwarf.type(t).name
            if name.hasPrefix("internal/sync.node["), let f = dwarf.type(t).field(named: "isEntry") {
                let args = name.dropFirst("internal/sync.node".count)
                nodeViews[i] = NodeView(isEntry: f.offset, entry: type(named: "internal/sync.entry" + args),
                                        indirect: type(named: "internal/sync.indirect" + args))
            } else {
                nodeViews[i] = NodeView(isEntry: nil, entry: nil, indirect: nil)
            }
        }
        guard let v = nodeViews[i], let off = v.isEntry, let isEntry = try? mem.read(UInt8.self, at: Address(p &+ off)) else { return t }
        return (isEntry != 0 ? v.entry : v.indirect) ?? t
    }

    /// A hash-trie node type's tag and the types it stands for (`downcast`).
    struct NodeView {
        var isEntry: UInt64?
        var entry: TypeID?
        var indirect: TypeID?
    }
}
