/// Dominator tree of a graph with a virtual root above all `roots`.
///
/// Node `d` dominates node `v` when every path from the virtual root to `v` passes through `d`.
/// The immediate dominator of `v` is its closest strict dominator; those links form a tree whose
/// root is the virtual root. In a heap, the subtree under an object is everything that would be
/// freed if that object were, so its *retained size* is the sum over the subtree.
///
/// ```swift
/// let tree = DominatorTree(nodeCount: 4, edgeStart: [0, 2, 3, 4, 4], edgeTargets: [1, 2, 3, 3], roots: [0])
/// tree.idom                                  // [-1, 0, 0, 0]: 3 is reached through 1 and through 2
/// let (bytes, counts) = tree.retained { _ in 16 }
/// bytes[0]                                   // 64
/// ```
///
/// **Complexity:** O((n + m) log n) worst case and near-linear in practice, for n nodes and m edges;
/// every loop is iterative, so depth is bounded only by memory, not by the call stack.
///
/// **Memory:** the tree keeps `idom` (4 bytes per node) and `preorder` (4 bytes per reachable node).
/// Building it needs, at its peak, 16 bytes per node plus 4 bytes per edge leaving a reachable
/// node (and per root) beyond the input CSR: see the implementation notes.
///
/// ## Implementation Notes
///
/// The algorithm is Semi-NCA (Georgiadis, *Linear-Time Algorithms for Dominators and Related
/// Problems*, 2005; also LLVM's `SemiNCAInfo`): Lengauer–Tarjan's semidominators computed with
/// the "simple" path-compressing `eval`, then each immediate dominator found as the nearest
/// common ancestor of the semidominator and the DFS parent by walking up the partly built tree.
/// All state is flat `Int32`/`UInt32` arrays, mostly indexed by preorder number (0 is the
/// virtual root):
///
/// 0. Pendant leaves — nodes without out-edges, with exactly one in-edge, that are not roots —
///    are immediately dominated by that one predecessor, so steps 1–4 leave them out (in a heap,
///    most strings and byte slices: about 40% of the nodes and 20% of the edges). Two bit sets
///    count in-edges (n/4 bytes). At the end each reachable one gets its predecessor as `idom`
///    and follows it in `preorder`, as if the search had taken the leaf edges first.
/// 1. Depth-first search: `pre` (node → number), `vertex` (number → node), `parent`, 12 bytes
///    per node, and a stack of 8-byte (node, parent number) pairs: at most one per edge and per
///    root, in practice a few thousand entries for millions of nodes (the largest fan-out).
/// 2. Predecessor lists in preorder numbers, grouped by target (`preds`, 4 bytes per edge from a
///    reachable node and per root) by a counting sort keyed by preorder number (`offsets`, 4
///    bytes per vertex, 8 beyond 2³² edges), so that edges are read in order. Instead of a start array, the
///    first entry of each group carries the high bit; every group is non-empty since it holds
///    the edge from the DFS parent. `pre` and `offsets` are dropped after this step.
/// 3. Semidominators in reverse preorder with `ancestor` (the compressed forest, initially the
///    parents) and `best` (the least semidominator on the compressed path, which is all that
///    Semi-NCA needs from `eval`, instead of LT's label vertices). Path compression reverses the
///    pointers on the way up and restores them on the way down, so it needs no stack. A vertex's
///    semidominator is stored in the head of its own predecessor group, consumed by then.
/// 4. Immediate dominators in preorder, in place over `parent`, then mapped back to node ids.
///
/// Peak: four node arrays (`pre`, `vertex`, `parent`, `offsets` in step 2; `vertex`, `parent`,
/// `ancestor`, `best` in steps 3 and 4) and `preds`: 16 + 4·m/n bytes per node, 20.4 at 1.1
/// edges per node, less when part of the graph is unreachable and `vertex`, `parent`,
/// `ancestor`, `best` and `preds` smaller by the pendant leaves and their edges. The result
/// keeps 8 bytes per node.
///
/// Out-of-range node ids in `edgeTargets` or `roots` are ignored, as are edge ranges that run
/// backwards or past the end of `edgeTargets`: malformed input gives a tree of what is left,
/// never a trap.
public struct DominatorTree: Sendable {
    /// The `idom` of a node that only the virtual root dominates.
    public static let virtualRoot: Int32 = -1
    /// The `idom` of a node that no root reaches.
    public static let unreachable: Int32 = -2

    /// Immediate dominator of each node: another node id, `DominatorTree.virtualRoot` (-1) when only the
    /// virtual root dominates it, or `DominatorTree.unreachable` (-2) when no root reaches it.
    public let idom: [Int32]

    /// The reachable nodes in depth-first preorder from the virtual root (which is left out).
    ///
    /// A node's dominators all come before it, so walking this backwards visits every dominator
    /// subtree bottom-up.
    public let preorder: [Int32]

    /// The number of nodes, reachable or not.
    public var nodeCount: Int { idom.count }

    /// The number of nodes some root reaches.
    public var reachableCount: Int { preorder.count }

    /// Builds the tree.
    ///
    /// Nodes are 0..<nodeCount; the out-edges of node i are
    /// `edgeTargets[Int(edgeStart[i]) ..< Int(edgeStart[i+1])]` (edgeStart.count == nodeCount+1).
    /// Multiple edges between the same nodes and self-loops are allowed.
    ///
    /// - Parameters:
    ///   - nodeCount: The number of nodes. Node ids are `Int32`, so ids from `Int32.max` up are
    ///     never reached.
    ///   - edgeStart: Start of each node's out-edges in `edgeTargets`, plus one final end.
    ///     Nodes past `edgeStart.count - 1` have no out-edges.
    ///   - edgeTargets: The targets of all edges, grouped by source.
    ///   - roots: The nodes the virtual root points to (duplicates allowed).
    public init(nodeCount: Int, edgeStart: [UInt32], edgeTargets: [Int32], roots: [Int32]) {
        self.init(nodeCount: nodeCount, edgeStart: edgeStart, edgeTargets: edgeTargets, roots: roots,
                  wideOffsets: false)
    }

    /// Builds the tree, optionally sorting predecessors with 64-bit offsets, the path taken by
    /// graphs with 2³² edges or more; `wideOffsets` exists so tests can exercise that path.
    package init(nodeCount: Int, edgeStart: [UInt32], edgeTargets: [Int32], roots: [Int32], wideOffsets: Bool) {
        let n = max(nodeCount, 0)
        let limit = min(n, Int(Int32.max))
        var result: (idom: [Int32], preorder: [Int32]) = ([], [])
        edgeStart.withUnsafeBufferPointer { starts in
            edgeTargets.withUnsafeBufferPointer { targets in
                roots.withUnsafeBufferPointer { roots in
                    let graph = CSRView(edgeStart: starts, edgeTargets: targets, nodeLimit: limit)
                    result = SemiNCA.run(graph, roots: roots, nodeCount: n, wideOffsets: wideOffsets)
                }
            }
        }
        self.idom = result.idom
        self.preorder = result.preorder
    }

    /// Retained size of every node (sum of `sizes` over the subtree it dominates, itself included), and
    /// retained node counts; unreachable nodes retain 0. Iterative, O(n).
    ///
    /// - Parameter sizes: The size of a node, asked once per reachable node, in increasing node
    ///   order. Sums wrap on overflow.
    /// - Returns: Retained bytes and retained node counts, indexed by node.
    public func retained(sizes: (Int) -> UInt64) -> (bytes: [UInt64], counts: [UInt32]) {
        retained(as: UInt64.self, sizes: sizes)
    }

    /// `retained(sizes:)` summed in `Sum` (wrapping), for callers that know the sums fit a
    /// narrower type; `sizes` are truncated to it.
    func retained<Sum: FixedWidthInteger & UnsignedInteger & BitwiseCopyable>(as: Sum.Type, sizes: (Int) -> UInt64) -> (bytes: [Sum], counts: [UInt32]) {
        var bytes: [Sum] = hugePageArray(repeating: 0, count: idom.count)
        var counts: [UInt32] = hugePageArray(repeating: 0, count: idom.count)
        bytes.withUnsafeMutableBufferPointer { bytes in
            counts.withUnsafeMutableBufferPointer { counts in
                idom.withUnsafeBufferPointer { idom in
                    for node in 0 ..< idom.count where idom[node] != Self.unreachable {
                        bytes[node] = Sum(truncatingIfNeeded: sizes(node))
                        counts[node] = 1
                    }
                    // Dominators precede what they dominate in preorder, so a reverse walk
                    // finishes each subtree before adding it to its parent.
                    for node in preorder.reversed() {
                        let i = Int(node), d = idom[i]
                        if d >= 0 {
                            bytes[Int(d)] &+= bytes[i]
                            counts[Int(d)] &+= counts[i]
                        }
                    }
                }
            }
        }
        return (bytes, counts)
    }

    /// Children lists of the dominator tree as CSR, for browsing.
    ///
    /// - Returns: The children of node i are `nodes[Int(start[i]) ..< Int(start[i+1])]`
    ///   (`start.count == nodeCount + 1`); the children of the virtual root are `rootChildren`.
    ///   Each list is in ascending node order; unreachable nodes appear in none.
    public func children() -> (start: [UInt32], nodes: [Int32], rootChildren: [Int32]) {
        let n = idom.count
        var start = [UInt32](repeating: 0, count: n + 1)
        var rootChildren: [Int32] = []
        var total = 0
        for d in idom {
            if d >= 0 {
                start[Int(d)] += 1
                total += 1
            } else if d == Self.virtualRoot {
                rootChildren.append(0)
            }
        }
        // Counts become group ends; filling backwards from the last node turns each end into
        // its group's start and leaves every group in ascending order.
        var end: UInt32 = 0
        for i in 0..<n {
            end += start[i]
            start[i] = end
        }
        start[n] = end
        var rootIndex = rootChildren.count
        let nodes = [Int32](unsafeUninitializedCapacity: total) { nodes, initialized in
            start.withUnsafeMutableBufferPointer { start in
                idom.withUnsafeBufferPointer { idom in
                    var v = n - 1
                    while v >= 0 {
                        let d = idom[v]
                        if d >= 0 {
                            start[Int(d)] -= 1
                            nodes[Int(start[Int(d)])] = Int32(truncatingIfNeeded: v)
                        } else if d == Self.virtualRoot {
                            rootIndex -= 1
                            rootChildren[rootIndex] = Int32(truncatingIfNeeded: v)
                        }
                        v -= 1
                    }
                }
            }
            initialized = total
        }
        return (start, nodes, rootChildren)
    }
}

extension DominatorTree {
    /// A bounds-safe view of the input CSR: edge ranges are clamped and invalid targets skipped.
    struct CSRView {
        let edgeStart: UnsafeBufferPointer<UInt32>
        let edgeTargets: UnsafeBufferPointer<Int32>
        /// Node ids below this are valid; it is at most `Int32.max`.
        let nodeLimit: Int
        /// Nodes below this have an edge range in `edgeStart`.
        let edgeNodes: Int

        init(edgeStart: UnsafeBufferPointer<UInt32>, edgeTargets: UnsafeBufferPointer<Int32>, nodeLimit: Int) {
            self.edgeStart = edgeStart
            self.edgeTargets = edgeTargets
            self.nodeLimit = nodeLimit
            self.edgeNodes = min(nodeLimit, max(edgeStart.count - 1, 0))
        }

        /// First edge index of `node`; loops run while below `end(of:)`, so a reversed range is empty.
        @inline(__always) func begin(of node: Int) -> Int {
            node < edgeNodes ? Int(edgeStart[node]) : 0
        }

        /// One past the last edge index of `node`, clamped to `edgeTargets`.
        @inline(__always) func end(of node: Int) -> Int {
            node < edgeNodes ? min(Int(edgeStart[node + 1]), edgeTargets.count) : 0
        }

        /// Whether `id` names a node.
        @inline(__always) func isNode(_ id: Int32) -> Bool {
            UInt32(bitPattern: id) < UInt32(truncatingIfNeeded: nodeLimit)
        }
    }

    /// The Semi-NCA steps, over raw buffers (see `DominatorTree`'s implementation notes).
    enum SemiNCA {
        /// Marks the first entry of each predecessor group.
        static let groupHead: UInt32 = 0x8000_0000

        static func run(_ graph: CSRView, roots: UnsafeBufferPointer<Int32>, nodeCount n: Int,
                        wideOffsets: Bool) -> (idom: [Int32], preorder: [Int32]) {
            // 0. Pendant leaves — no out-edges, exactly one in-edge, not a root — are immediately
            // dominated by their one predecessor: they are left out of steps 1–4 and added after.
            let (pendant, pendantCount) = pendantLeaves(graph, roots: roots)
            let size = graph.nodeLimit - pendantCount + 1
            var pre: [Int32] = hugePageArray(repeating: 0, count: graph.nodeLimit)
            var vertex: [Int32] = hugePageArray(repeating: 0, count: size)
            var parent: [Int32] = hugePageArray(repeating: 0, count: size)

            // 1. Depth-first search: preorder numbers 1...r.
            let r = pre.withUnsafeMutableBufferPointer { pre in
                vertex.withUnsafeMutableBufferPointer { vertex in
                    parent.withUnsafeMutableBufferPointer { parent in
                        pendant.withUnsafeBufferPointer { pendant in
                            depthFirst(graph, roots: roots, pendant: pendant, pre: pre, vertex: vertex, parent: parent)
                        }
                    }
                }
            }

            // 2. Predecessor groups in preorder numbers. `total` bounds the entries: one per root and
            // per edge leaving a reachable node.
            var total = 0
            for root in roots where graph.isNode(root) { total += 1 }
            for node in 0 ..< graph.edgeNodes where pre[node] != 0 {
                total += max(graph.end(of: node) - graph.begin(of: node), 0)
            }
            var preds = pre.withUnsafeBufferPointer { pre in
                pendant.withUnsafeBufferPointer { pendant in
                    if wideOffsets || total > Int(UInt32.max) {
                        predecessorGroups(graph, roots: roots, r: r, pre: pre, pendant: pendant, offset: UInt64.self)
                    } else {
                        predecessorGroups(graph, roots: roots, r: r, pre: pre, pendant: pendant, offset: UInt32.self)
                    }
                }
            }
            pre = []

            // 3. Semidominators, 4. immediate dominators (in `parent`).
            var ancestor = Array(parent[0 ..< r + 1])
            var best: [Int32] = hugePageArray(repeating: 0, count: r + 1)
            preds.withUnsafeMutableBufferPointer { preds in
                parent.withUnsafeMutableBufferPointer { parent in
                    ancestor.withUnsafeMutableBufferPointer { ancestor in
                        best.withUnsafeMutableBufferPointer { best in
                            semidominators(r: r, parent: parent, preds: preds, ancestor: ancestor, best: best)
                        }
                    }
                    immediateDominators(r: r, preds: preds, idom: parent)
                }
            }
            ancestor = []
            best = []
            preds = []

            // Back to node ids; each reachable pendant leaf follows its predecessor in preorder
            // (as if the search had taken the node's leaf edges first).
            var idom: [Int32] = hugePageArray(repeating: DominatorTree.unreachable, count: n)
            var order: [Int32] = []
            idom.withUnsafeMutableBufferPointer { idom in
                vertex.withUnsafeBufferPointer { vertex in
                    parent.withUnsafeBufferPointer { dfsIdom in
                        pendant.withUnsafeBufferPointer { pendant in
                            var leaves = 0
                            for i in stride(from: 1, through: r, by: 1) {
                                let d = Int(dfsIdom[i])
                                let node = Int(vertex[i])
                                idom[node] = d == 0 ? DominatorTree.virtualRoot : vertex[d]
                                var e = graph.begin(of: node)
                                let end = graph.end(of: node)
                                while e < end {
                                    let t = graph.edgeTargets[e]
                                    if graph.isNode(t), isSet(pendant, Int(t)) {
                                        idom[Int(t)] = Int32(truncatingIfNeeded: node)
                                        leaves += 1
                                    }
                                    e += 1
                                }
                            }
                            order = [Int32](unsafeUninitializedCapacity: r + leaves) { out, initialized in
                                var k = 0
                                for i in stride(from: 1, through: r, by: 1) {
                                    let node = Int(vertex[i])
                                    out[k] = vertex[i]
                                    k += 1
                                    var e = graph.begin(of: node)
                                    let end = graph.end(of: node)
                                    while e < end, k < r + leaves {
                                        let t = graph.edgeTargets[e]
                                        if graph.isNode(t), isSet(pendant, Int(t)) { out[k] = t; k += 1 }
                                        e += 1
                                    }
                                }
                                initialized = k
                            }
                        }
                    }
                }
            }
            return (idom, order)
        }

        @inline(__always) static func isSet(_ bits: UnsafeBufferPointer<UInt64>, _ i: Int) -> Bool {
            (bits[i >> 6] >> UInt64(i & 63)) & 1 != 0
        }

        /// A bit per node: no out-edges, exactly one in-edge, and not a root. Counts in-edges with
        /// two bit sets (seen once, seen again), so it needs n/4 bytes.
        static func pendantLeaves(_ graph: CSRView, roots: UnsafeBufferPointer<Int32>) -> ([UInt64], Int) {
            let words = (graph.nodeLimit + 63) / 64
            var once = [UInt64](repeating: 0, count: words)
            var twice = [UInt64](repeating: 0, count: words)
            once.withUnsafeMutableBufferPointer { once in
                twice.withUnsafeMutableBufferPointer { twice in
                    for root in roots where graph.isNode(root) {
                        let i = Int(root)
                        twice[i >> 6] |= 1 << UInt64(i & 63)
                    }
                    for t in graph.edgeTargets where graph.isNode(t) {
                        let i = Int(t), b = UInt64(1) << UInt64(i & 63)
                        if once[i >> 6] & b != 0 { twice[i >> 6] |= b } else { once[i >> 6] |= b }
                    }
                }
            }
            var count = 0
            for w in 0 ..< words {
                var bits = once[w] & ~twice[w]
                // Only nodes without out-edges.
                var m = bits
                while m != 0 {
                    let j = m.trailingZeroBitCount
                    m &= m &- 1
                    let node = w &* 64 &+ j
                    if graph.end(of: node) > graph.begin(of: node) { bits &= ~(UInt64(1) << UInt64(j)) }
                }
                once[w] = bits
                count &+= bits.nonzeroBitCount
            }
            return (once, count)
        }

        /// Numbers the reachable nodes 1...r in preorder, filling `pre`, `vertex` and `parent`
        /// (number 0 is the virtual root), and returns r.
        ///
        /// A node, once numbered, pushes all its unnumbered successors (last edge first) with its
        /// own number; a popped node still unnumbered becomes a child of the number it was pushed
        /// with. Everything pushed after a node's edges is popped before them, so this is the
        /// recursive search exactly, and a node's edges are read once instead of being resumed
        /// after every child.
        static func depthFirst(_ graph: CSRView, roots: UnsafeBufferPointer<Int32>, pendant: UnsafeBufferPointer<UInt64>,
                               pre: UnsafeMutableBufferPointer<Int32>, vertex: UnsafeMutableBufferPointer<Int32>,
                               parent: UnsafeMutableBufferPointer<Int32>) -> Int {
            let targets = graph.edgeTargets
            // (node, pusher's number) pairs; at most one per root and per edge, usually far fewer.
            var stack: [UInt64] = []
            stack.reserveCapacity(roots.count + targets.count)
            @inline(__always) func entry(_ node: Int32, _ pusher: Int) -> UInt64 {
                UInt64(UInt32(bitPattern: node)) | UInt64(truncatingIfNeeded: pusher) << 32
            }
            var k = roots.count
            while k > 0 {
                k -= 1
                if graph.isNode(roots[k]) { stack.append(entry(roots[k], 0)) }
            }
            var r = 0
            while let top = stack.popLast() {
                let node = Int(UInt32(truncatingIfNeeded: top))
                if pre[node] != 0 { continue }
                r += 1
                pre[node] = Int32(truncatingIfNeeded: r)
                vertex[r] = Int32(truncatingIfNeeded: node)
                parent[r] = Int32(truncatingIfNeeded: top >> 32)
                let begin = graph.begin(of: node)
                var e = graph.end(of: node)
                while e > begin {
                    e -= 1
                    let t = targets[e]
                    if graph.isNode(t) && pre[Int(t)] == 0 && !isSet(pendant, Int(t)) { stack.append(entry(t, r)) }
                }
            }
            return r
        }

        /// The predecessors (preorder numbers, 0 for the virtual root) of vertices 1...r, grouped by
        /// vertex in increasing order, with `groupHead` set on the first entry of each group.
        /// `Offset` must hold the number of edges leaving reachable nodes plus the number of roots.
        ///
        /// A counting sort keyed by node id, so that sources are read in id order (edges
        /// sequentially) and targets need no preorder-number lookup; only the group order
        /// follows preorder.
        static func predecessorGroups<Offset: FixedWidthInteger & UnsignedInteger>(
            _ graph: CSRView, roots: UnsafeBufferPointer<Int32>, r: Int,
            pre: UnsafeBufferPointer<Int32>, pendant: UnsafeBufferPointer<UInt64>,
            offset: Offset.Type
        ) -> [UInt32] {
            let targets = graph.edgeTargets
            // By preorder number: the in-degree of each vertex, then the end of its group, then
            // its group's start.
            var offsets = [Offset](repeating: 0, count: r + 1)
            return offsets.withUnsafeMutableBufferPointer { offsets in
                // Every valid target of a reachable node is reachable, so has a number.
                @inline(__always) func number(_ node: Int32) -> Int { Int(pre[Int(node)]) }
                for root in roots where graph.isNode(root) { offsets[number(root)] &+= 1 }
                for node in 0 ..< graph.edgeNodes where pre[node] != 0 {
                    var e = graph.begin(of: node)
                    let end = graph.end(of: node)
                    while e < end {
                        let t = targets[e]
                        if graph.isNode(t), !isSet(pendant, Int(t)) { offsets[number(t)] &+= 1 }
                        e += 1
                    }
                }
                var total: Offset = 0
                for w in stride(from: 1, through: r, by: 1) {
                    total &+= offsets[w]
                    offsets[w] = total
                }
                // Fill backwards from each end, which leaves each offset at its group's start.
                return [UInt32](unsafeUninitializedCapacity: Int(total)) { preds, initialized in
                    for root in roots where graph.isNode(root) {
                        let w = number(root)
                        offsets[w] &-= 1
                        preds[Int(offsets[w])] = 0
                    }
                    for node in 0 ..< graph.edgeNodes {
                        let v = pre[node]
                        if v == 0 { continue }
                        var e = graph.begin(of: node)
                        let end = graph.end(of: node)
                        while e < end {
                            let t = targets[e]
                            if graph.isNode(t), !isSet(pendant, Int(t)) {
                                let w = number(t)
                                offsets[w] &-= 1
                                preds[Int(offsets[w])] = UInt32(bitPattern: v)
                            }
                            e += 1
                        }
                    }
                    for w in stride(from: 1, through: r, by: 1) {
                        preds[Int(offsets[w])] |= groupHead
                    }
                    initialized = Int(total)
                }
            }
        }

        /// Computes the semidominator of each vertex r...1 and stores it, with `groupHead`, in the
        /// head of the vertex's predecessor group.
        static func semidominators(r: Int, parent: UnsafeMutableBufferPointer<Int32>,
                                   preds: UnsafeMutableBufferPointer<UInt32>,
                                   ancestor: UnsafeMutableBufferPointer<Int32>,
                                   best: UnsafeMutableBufferPointer<Int32>) {
            var p = preds.count
            var w = r
            while w >= 1 {
                // Vertices above w are linked into the forest (ancestor = parent, compressed since);
                // those at or below w are not, and their semidominator is still their own number.
                let current = Int32(truncatingIfNeeded: w)
                var semi = parent[w]
                var entry: UInt32
                // Every group holds at least the edge from the DFS parent and has its head marked,
                // so this stops inside the array.
                repeat {
                    p -= 1
                    entry = preds[p]
                    let v = Int32(bitPattern: entry & ~groupHead)
                    let candidate: Int32
                    if v <= current {
                        candidate = v
                    } else if ancestor[Int(v)] <= current {
                        candidate = best[Int(v)]
                    } else {
                        candidate = compress(Int(v), linkedAbove: current, ancestor: ancestor, best: best)
                    }
                    if candidate < semi { semi = candidate }
                } while entry & groupHead == 0
                preds[p] = UInt32(bitPattern: semi) | groupHead
                best[w] = semi
                w -= 1
            }
        }

        /// Lengauer–Tarjan's `eval` with path compression, for a linked `v` whose ancestor is linked:
        /// points every vertex on the path from `v` up to its tree root at the root, makes each one's
        /// `best` the least on the path above it, and returns `v`'s. The upward walk reverses the
        /// `ancestor` pointers (0 ends the chain) so the downward walk needs no stack.
        @inline(__always)
        static func compress(_ v: Int, linkedAbove current: Int32,
                             ancestor: UnsafeMutableBufferPointer<Int32>,
                             best: UnsafeMutableBufferPointer<Int32>) -> Int32 {
            var below: Int32 = 0
            var x = v
            while true {
                let up = ancestor[x]
                if up <= current { break }
                ancestor[x] = below
                below = Int32(truncatingIfNeeded: x)
                x = Int(up)
            }
            // x is the topmost linked vertex; its ancestor is the root and stays so.
            let root = ancestor[x]
            var least = best[x]
            var y = Int(below)
            while y != 0 {
                let down = ancestor[y]
                ancestor[y] = root
                let own = best[y]
                if least < own { best[y] = least } else { least = own }
                y = Int(down)
            }
            return least
        }

        /// Turns `idom` from DFS parents into immediate dominators, in preorder: idom(w) is the
        /// nearest common ancestor of parent(w) and semi(w) in the tree built so far.
        static func immediateDominators(r: Int, preds: UnsafeMutableBufferPointer<UInt32>,
                                        idom: UnsafeMutableBufferPointer<Int32>) {
            var p = 0
            let count = preds.count
            for w in stride(from: 1, through: r, by: 1) {
                let semi = Int32(bitPattern: preds[p] & ~groupHead)
                p += 1
                while p < count && preds[p] & groupHead == 0 { p += 1 }
                var d = idom[w]
                while d > semi { d = idom[Int(d)] }
                idom[w] = d
            }
        }
    }
}
