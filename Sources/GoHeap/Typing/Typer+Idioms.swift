import GoCore
import GoDWARF

/// Standard-library containers that keep typed values behind `unsafe.Pointer` or cast between
/// struct types by a tag: `sync.Pool`, `sync/atomic.Pointer[T]`, `sync.Map`'s entries and the
/// hash-trie of `internal/sync` (behind `sync.Map` and `unique` from Go 1.24).
extension Typer {
    /// `sync.Pool` (`local`/`victim` are `[size]sync.poolLocal`), `sync/atomic.Pointer[T]`
    /// (`v` is a `*T`) and `sync.entry` of `sync.Map` (`p` is a `*any`).
    mutating func unsafeIdioms(_ a: UInt64, _ r: GoType, _ c: UInt8) -> Bool {
        let child = c > 1 ? c - 1 : 1
        if r.name == "sync.Pool" {
            guard let local = dwarf.type(named: "sync.poolLocal") else { return false }
            for (p, n) in [("local", "localSize"), ("victim", "victimSize")] {
                guard let pf = r.field(named: p), let nf = r.field(named: n) else { continue }
                let count = word(a &+ nf.offset)
                if count > 0, count < 1 << 16 { assign(word(a &+ pf.offset), local, count: count, confidence: child, array: true) }
            }
            for f in r.fields where f.name != "local" && f.name != "victim" {
                if let ft = f.type, shapes.hasPointers(ft) { visit(a &+ f.offset, ft, c, depth: 1) }
            }
            return true
        }
        if r.name.hasPrefix("sync/atomic.Pointer["), r.name.hasSuffix("]"), let v = r.field(named: "v") {
            let inner = String(r.name.dropFirst("sync/atomic.Pointer[".count).dropLast())
            if let t = dwarf.type(named: inner) { offerPointer(word(a &+ v.offset), t, confidence: child) }
            return true
        }
        if r.name == "sync.entry", let p = r.field(named: "p"), let any = dwarf.type(named: "interface {}") {
            assign(word(a &+ p.offset), any, count: 1, confidence: child)
            return true
        }
        return false
    }

    /// The concrete type behind a pointer to a "base" struct the runtime casts by a tag field:
    /// `internal/sync.node[K,V]` (the hash-trie behind `sync.Map` and `unique`) is the first field
    /// of an `entry[K,V]` when `isEntry` is set, else of an `indirect[K,V]`.
    mutating func downcast(_ p: UInt64, _ t: TypeID) -> TypeID {
        let name = dwarf.type(t).name
        guard name.hasPrefix("internal/sync.node["), let f = dwarf.type(t).field(named: "isEntry"),
              let isEntry = try? mem.read(UInt8.self, at: Address(p &+ f.offset)) else { return t }
        let args = name.dropFirst("internal/sync.node".count)
        return type(named: (isEntry != 0 ? "internal/sync.entry" : "internal/sync.indirect") + args) ?? t
    }
}
