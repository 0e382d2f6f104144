import Testing
import GoHeap

/// A tiny deterministic PRNG (SplitMix64), so every random graph is reproducible from its seed.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A graph as adjacency lists, turned into the CSR that `DominatorTree` takes.
private struct TestGraph: CustomStringConvertible {
    var adjacency: [[Int32]]
    var roots: [Int32]

    var nodeCount: Int { adjacency.count }

    init(_ nodeCount: Int, _ edges: [(Int32, Int32)], roots: [Int32]) {
        adjacency = Array(repeating: [], count: nodeCount)
        for (a, b) in edges { adjacency[Int(a)].append(b) }
        self.roots = roots
    }

    var csr: (start: [UInt32], targets: [Int32]) {
        var start: [UInt32] = [0]
        var targets: [Int32] = []
        for list in adjacency {
            targets += list
            start.append(UInt32(targets.count))
        }
        return (start, targets)
    }

    func tree(wideOffsets: Bool = false) -> DominatorTree {
        let (start, targets) = csr
        return DominatorTree(nodeCount: nodeCount, edgeStart: start, edgeTargets: targets, roots: roots,
                             wideOffsets: wideOffsets)
    }

    var description: String {
        let edges = adjacency.enumerated().flatMap { a, list in list.map { "\(a)->\($0)" } }
        return "n=\(nodeCount) roots=\(roots) edges=[\(edges.joined(separator: " "))]"
    }

    /// A random graph of 1–60 nodes: uniform random edges at a random density, sometimes over a
    /// random spanning forest (heap-like), with self-loops, duplicate edges and 1–4 roots, some
    /// repeated. Nodes nothing points to stay unreachable unless they are roots.
    static func random(seed: UInt64, maxNodes: Int = 60) -> TestGraph {
        var rng = SplitMix64(seed: seed)
        let n = Int.random(in: 1...maxNodes, using: &rng)
        var edges: [(Int32, Int32)] = []
        if Bool.random(using: &rng) {
            // Forest: each node hangs off an earlier one, some left out.
            for v in 1..<max(n, 1) where Int.random(in: 0..<10, using: &rng) != 0 {
                edges.append((Int32.random(in: 0..<Int32(v), using: &rng), Int32(v)))
            }
        }
        let density = Double.random(in: 0...3, using: &rng)
        let extra = Int(density * Double(n))
        for _ in 0..<extra {
            edges.append((Int32.random(in: 0..<Int32(n), using: &rng), Int32.random(in: 0..<Int32(n), using: &rng)))
        }
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let v = Int32.random(in: 0..<Int32(n), using: &rng)
            edges.append((v, v))
        }
        if let e = edges.randomElement(using: &rng) { edges.append(e) }
        edges.shuffle(using: &rng)
        let roots = (0..<Int.random(in: 1...4, using: &rng)).map { _ in Int32.random(in: 0..<Int32(n), using: &rng) }
        return TestGraph(n, edges, roots: roots)
    }
}

/// Dominance by definition, on graphs of at most 64 nodes (node sets are bit masks).
private struct BruteForce {
    let reachable: UInt64
    /// dominated[d]: the nodes d dominates (d itself included when reachable).
    let dominated: [UInt64]

    init(_ graph: TestGraph) {
        let n = graph.nodeCount
        precondition(n <= 64)
        let adjacency = graph.adjacency.map { $0.reduce(UInt64(0)) { $0 | 1 << UInt64($1) } }
        let rootSet = graph.roots.reduce(UInt64(0)) { $0 | 1 << UInt64($1) }
        func reach(without removed: UInt64) -> UInt64 {
            var seen = rootSet & ~removed
            var frontier = seen
            while frontier != 0 {
                let v = frontier.trailingZeroBitCount
                frontier &= frontier - 1
                let new = adjacency[v] & ~seen & ~removed
                seen |= new
                frontier |= new
            }
            return seen
        }
        let all = reach(without: 0)
        reachable = all
        dominated = (0..<n).map { all & ~reach(without: 1 << UInt64($0)) }
    }

    func dominates(_ d: Int, _ v: Int) -> Bool { dominated[d] >> UInt64(v) & 1 != 0 }

    /// The strict dominator of v that all its other strict dominators dominate.
    var idom: [Int32] {
        (0..<dominated.count).map { v in
            guard reachable >> UInt64(v) & 1 != 0 else { return DominatorTree.unreachable }
            let strict = (0..<dominated.count).filter { $0 != v && dominates($0, v) }
            let closest = strict.filter { d in strict.allSatisfy { dominates($0, d) } }
            precondition(strict.isEmpty || closest.count == 1)
            return closest.first.map(Int32.init) ?? DominatorTree.virtualRoot
        }
    }

    func retained(sizes: (Int) -> UInt64) -> (bytes: [UInt64], counts: [UInt32]) {
        let bytes = dominated.map { set in
            (0..<dominated.count).reduce(UInt64(0)) { set >> UInt64($1) & 1 != 0 ? $0 + sizes($1) : $0 }
        }
        return (bytes, dominated.map { UInt32($0.nonzeroBitCount) })
    }
}

/// An independent reference for larger graphs: Cooper, Harvey and Kennedy's iterative
/// algorithm ("A Simple, Fast Dominance Algorithm"), with the virtual root as node n.
private func iterativeDominators(_ graph: TestGraph) -> [Int32] {
    let n = graph.nodeCount
    var successors = graph.adjacency.map { $0.map(Int.init) }
    successors.append(graph.roots.map(Int.init))
    var predecessors = Array(repeating: [Int](), count: n + 1)
    for (a, list) in successors.enumerated() { for b in list { predecessors[b].append(a) } }
    // Iterative postorder from the virtual root.
    var postorder: [Int] = []
    var number = Array(repeating: -1, count: n + 1)
    var visited = Array(repeating: false, count: n + 1)
    var stack: [(node: Int, next: Int)] = [(n, 0)]
    visited[n] = true
    while let top = stack.last {
        if top.next < successors[top.node].count {
            stack[stack.count - 1].next += 1
            let t = successors[top.node][top.next]
            if !visited[t] {
                visited[t] = true
                stack.append((t, 0))
            }
        } else {
            number[top.node] = postorder.count
            postorder.append(top.node)
            stack.removeLast()
        }
    }
    var idom = Array(repeating: -1, count: n + 1)
    idom[n] = n
    var changed = true
    while changed {
        changed = false
        for b in postorder.reversed() where b != n {
            var new = -1
            for p in predecessors[b] where idom[p] != -1 {
                if new == -1 { new = p; continue }
                var f1 = p, f2 = new
                while f1 != f2 {
                    while number[f1] < number[f2] { f1 = idom[f1] }
                    while number[f2] < number[f1] { f2 = idom[f2] }
                }
                new = f1
            }
            if idom[b] != new {
                idom[b] = new
                changed = true
            }
        }
    }
    return (0..<n).map { v in
        idom[v] == -1 ? DominatorTree.unreachable : idom[v] == n ? DominatorTree.virtualRoot : Int32(idom[v])
    }
}

/// The first index where two arrays differ (or the shorter length), nil when equal.
private func firstMismatch(_ a: [Int32], _ b: [Int32]) -> Int? {
    for i in 0..<min(a.count, b.count) where a[i] != b[i] { return i }
    return a.count == b.count ? nil : min(a.count, b.count)
}

/// Checks `children()` against `idom`: every reachable node listed once, under its dominator, in order.
private func checkChildren(_ tree: DominatorTree, _ context: String) {
    let (start, nodes, rootChildren) = tree.children()
    let n = tree.nodeCount
    #expect(start.count == n + 1, "\(context)")
    guard start.count == n + 1 else { return }
    let ordered = zip(start, start.dropFirst()).allSatisfy { $0 <= $1 } && Int(start[n]) == nodes.count
    #expect(ordered, "\(context)")
    guard ordered else { return }
    var expected = Array(repeating: [Int32](), count: n)
    var expectedRoot: [Int32] = []
    for v in 0..<n {
        let d = tree.idom[v]
        if d >= 0 {
            expected[Int(d)].append(Int32(v))
        } else if d == DominatorTree.virtualRoot {
            expectedRoot.append(Int32(v))
        }
    }
    let lists = (0..<n).map { Array(nodes[Int(start[$0]) ..< Int(start[$0 + 1])]) }
    #expect(lists == expected, "\(context)")
    #expect(rootChildren == expectedRoot, "\(context)")
}

@Suite("Dominator tree")
struct DominatorTests {
    // MARK: Hand-made graphs

    @Test("the example in the type's documentation")
    func documentationExample() {
        let tree = DominatorTree(nodeCount: 4, edgeStart: [0, 2, 3, 4, 4], edgeTargets: [1, 2, 3, 3], roots: [0])
        #expect(tree.idom == [-1, 0, 0, 0])
        #expect(tree.retained { _ in 16 }.bytes[0] == 64)
    }

    @Test("a chain: each node dominated by the one before")
    func chain() {
        let tree = TestGraph(5, [(0, 1), (1, 2), (2, 3), (3, 4)], roots: [0]).tree()
        #expect(tree.idom == [-1, 0, 1, 2, 3])
        #expect(tree.preorder == [0, 1, 2, 3, 4])
        let (bytes, counts) = tree.retained { UInt64($0 + 1) }
        #expect(bytes == [15, 14, 12, 9, 5])
        #expect(counts == [5, 4, 3, 2, 1])
    }

    @Test("a diamond: the join is dominated by the fork")
    func diamond() {
        let tree = TestGraph(4, [(0, 1), (0, 2), (1, 3), (2, 3)], roots: [0]).tree()
        #expect(tree.idom == [-1, 0, 0, 0])
        let (bytes, counts) = tree.retained { _ in 8 }
        #expect(bytes == [32, 8, 8, 8])
        #expect(counts == [4, 1, 1, 1])
        let (start, nodes, rootChildren) = tree.children()
        #expect(start == [0, 3, 3, 3, 3])
        #expect(nodes == [1, 2, 3])
        #expect(rootChildren == [0])
    }

    /// Figure 1 of Lengauer and Tarjan, "A Fast Algorithm for Finding Dominators in a
    /// Flowgraph" (1979), with R = 0, A = 1, … L = 12.
    @Test("the Lengauer–Tarjan paper example")
    func lengauerTarjan() {
        let (R, A, B, C, D, E, F, G, H, I, J, K, L): (Int32, Int32, Int32, Int32, Int32, Int32, Int32,
                                                       Int32, Int32, Int32, Int32, Int32, Int32) =
            (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
        let edges: [(Int32, Int32)] = [
            (R, A), (R, B), (R, C), (A, D), (B, A), (B, D), (B, E), (C, F), (C, G), (D, L), (E, H),
            (F, I), (G, I), (G, J), (H, E), (H, K), (I, K), (J, I), (K, I), (K, R), (L, H),
        ]
        let graph = TestGraph(13, edges, roots: [R])
        let want: [Int32] = [-1, R, R, R, R, R, C, C, R, R, G, R, D]
        #expect(graph.tree().idom == want)
        #expect(BruteForce(graph).idom == want)
        // Edge order changes the search, not the answer.
        #expect(TestGraph(13, edges.reversed(), roots: [R]).tree().idom == want)
    }

    @Test("a cycle through the root set")
    func cycleThroughRoots() {
        let edges: [(Int32, Int32)] = [(0, 1), (1, 2), (2, 0), (2, 3)]
        #expect(TestGraph(4, edges, roots: [0]).tree().idom == [-1, 0, 1, 2])
        // 0 and 2 are both roots: 1 is only reached through 0, 3 only through 2.
        #expect(TestGraph(4, edges, roots: [0, 2]).tree().idom == [-1, 0, -1, 2])
        #expect(TestGraph(4, edges, roots: [2, 0]).tree().idom == [-1, 0, -1, 2])
    }

    @Test("unreachable nodes have no dominator and retain nothing")
    func unreachable() {
        // 3 → 1 and 4 → 3 come from nodes no root reaches.
        let tree = TestGraph(5, [(0, 1), (1, 2), (3, 1), (4, 3)], roots: [0]).tree()
        #expect(tree.idom == [-1, 0, 1, -2, -2])
        #expect(tree.reachableCount == 3)
        let (bytes, counts) = tree.retained { _ in 1 }
        #expect(bytes == [3, 2, 1, 0, 0])
        #expect(counts == [3, 2, 1, 0, 0])
        let (start, nodes, rootChildren) = tree.children()
        #expect(start == [0, 1, 2, 2, 2, 2])
        #expect(nodes == [1, 2])
        #expect(rootChildren == [0])
        #expect(TestGraph(3, [(0, 1)], roots: []).tree().idom == [-2, -2, -2])
    }

    @Test("self-loops change nothing")
    func selfLoops() {
        let tree = TestGraph(3, [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2)], roots: [0]).tree()
        #expect(tree.idom == [-1, 0, 1])
        #expect(TestGraph(1, [(0, 0)], roots: [0]).tree().idom == [-1])
    }

    @Test("duplicate edges and duplicate roots change nothing")
    func duplicates() {
        let edges: [(Int32, Int32)] = [(0, 1), (0, 1), (1, 2), (0, 2), (0, 2), (1, 2)]
        #expect(TestGraph(3, edges, roots: [0, 0, 0]).tree().idom == [-1, 0, 0])
        #expect(TestGraph(3, [(0, 1), (0, 1), (1, 2), (1, 2)], roots: [0, 0]).tree().idom == [-1, 0, 1])
    }

    @Test("a node reached from several roots is dominated by the virtual root only")
    func multipleRoots() {
        let tree = TestGraph(5, [(0, 2), (1, 2), (2, 3), (3, 4)], roots: [0, 1]).tree()
        #expect(tree.idom == [-1, -1, -1, 2, 3])
        let (bytes, _) = tree.retained { _ in 10 }
        #expect(bytes == [10, 10, 30, 20, 10])
        #expect(tree.children().rootChildren == [0, 1, 2])
        // A root reached from another root is still a child of the virtual root.
        #expect(TestGraph(3, [(0, 1), (1, 2)], roots: [0, 2]).tree().idom == [-1, 0, -1])
    }

    @Test("empty graphs")
    func empty() {
        let tree = DominatorTree(nodeCount: 0, edgeStart: [0], edgeTargets: [], roots: [])
        #expect(tree.idom.isEmpty)
        #expect(tree.retained { _ in 1 }.bytes.isEmpty)
        #expect(tree.children().start == [0])
        let negative = DominatorTree(nodeCount: -3, edgeStart: [], edgeTargets: [], roots: [0])
        #expect(negative.nodeCount == 0)
    }

    /// Ids out of range and edge ranges that are reversed, overlapping or past the end are
    /// ignored; nothing traps.
    @Test("malformed input is clamped, never trapped on")
    func malformed() {
        // Node 1's range is reversed, node 2's overlaps node 0's, node 3's runs past the end.
        let tree = DominatorTree(nodeCount: 5, edgeStart: [0, 3, 1, 5, 100, 100],
                                 edgeTargets: [1, -7, 2, 3, 99, 4], roots: [0, -1, 5, Int32.max])
        // 0 → 1, 2 (-7 skipped); 2 → 2, 3 (-7, 99 skipped); 3 → 4, then past the end.
        #expect(tree.idom == [-1, 0, 0, 2, 3])
        // edgeStart shorter than nodeCount + 1: the missing nodes have no out-edges.
        let short = DominatorTree(nodeCount: 4, edgeStart: [0, 1], edgeTargets: [1], roots: [0, 3])
        #expect(short.idom == [-1, 0, -2, -1])
        let none = DominatorTree(nodeCount: 2, edgeStart: [], edgeTargets: [1], roots: [0])
        #expect(none.idom == [-1, -2])
    }

    /// Pendant leaves (no out-edges, one in-edge, not a root) skip the search and get their one
    /// predecessor as immediate dominator; a leaf with two in-edges, a leaf that is a root and a
    /// leaf only an unreachable node points to are each handled as such.
    @Test("pendant leaves")
    func pendantLeaves() {
        let graph = TestGraph(8, [(0, 1), (0, 2), (1, 3), (2, 4), (1, 4), (0, 5), (6, 7)], roots: [0, 5])
        let tree = graph.tree()
        #expect(tree.idom == [-1, 0, 0, 1, 0, -1, -2, -2])
        #expect(tree.idom == BruteForce(graph).idom)
        #expect(tree.reachableCount == 6)
        // Each pendant leaf comes right after its predecessor.
        if let i = tree.preorder.firstIndex(of: 1) { #expect(tree.preorder[i + 1] == 3) }
        let (bytes, counts) = tree.retained { _ in 8 }
        #expect(counts[1] == 2 && bytes[1] == 16 && counts[0] == 5 && counts[7] == 0)
    }

    /// 200,000 nodes deep, with back edges to the start so path compression walks long paths:
    /// no recursion anywhere.
    @Test("a deep chain with back edges")
    func deepChain() {
        let n = 200_000
        var edges: [(Int32, Int32)] = (0..<n - 1).map { (Int32($0), Int32($0 + 1)) }
        edges.append((Int32(n - 1), 0))
        edges += stride(from: 1000, to: n, by: 997).map { (Int32($0), 1) }
        let graph = TestGraph(n, edges, roots: [0])
        let tree = graph.tree()
        // Compared by hand: a failing #expect on 200,000-element arrays takes minutes to diff.
        #expect(firstMismatch(tree.idom, [-1] + (0..<Int32(n - 1))) == nil)
        let (bytes, counts) = tree.retained { _ in 2 }
        #expect(counts[0] == UInt32(n) && counts[n - 1] == 1 && bytes[1] == UInt64(2 * (n - 1)))
        // Now every node also hangs off a root: all children of the virtual root or of 0.
        let star = TestGraph(n, edges + (1..<n).map { (0, Int32($0)) }, roots: [0])
        #expect(firstMismatch(star.tree().idom, [-1] + Array(repeating: 0, count: n - 1)) == nil)
    }

    // MARK: Against the definition

    @Test("idom equals the definition on random graphs", arguments: 0..<8)
    func randomAgainstDefinition(batch: Int) {
        var checked = 0
        for i in 0..<500 {
            let seed = UInt64(batch) << 32 | UInt64(i)
            let graph = TestGraph.random(seed: seed)
            let tree = graph.tree()
            let want = BruteForce(graph).idom
            #expect(tree.idom == want, "seed \(seed): \(graph)")
            if tree.idom != want { return }
            checked += 1
            // Preorder lists each reachable node once, after its dominator.
            var position = Array(repeating: -1, count: graph.nodeCount)
            for (k, v) in tree.preorder.enumerated() { position[Int(v)] = k }
            let ordered = (0..<graph.nodeCount).allSatisfy { v in
                let d = tree.idom[v]
                return d == DominatorTree.unreachable ? position[v] == -1
                    : position[v] >= 0 && (d == DominatorTree.virtualRoot || position[Int(d)] < position[v])
            }
            #expect(ordered, "seed \(seed): \(graph)")
            checkChildren(tree, "seed \(seed)")
        }
        #expect(checked == 500)
    }

    @Test("retained sizes and counts equal the definition on random graphs", arguments: 0..<4)
    func retainedAgainstDefinition(batch: Int) {
        for i in 0..<400 {
            let seed = 1 << 40 | UInt64(batch) << 32 | UInt64(i)
            let graph = TestGraph.random(seed: seed)
            var rng = SplitMix64(seed: ~seed)
            let sizes = (0..<graph.nodeCount).map { _ in UInt64.random(in: 0...4096, using: &rng) }
            var asked = Array(repeating: 0, count: graph.nodeCount)
            let got = graph.tree().retained { asked[$0] += 1; return sizes[$0] }
            let brute = BruteForce(graph)
            let want = brute.retained { sizes[$0] }
            #expect(got.bytes == want.bytes, "seed \(seed): \(graph)")
            #expect(got.counts == want.counts, "seed \(seed): \(graph)")
            // Sizes are asked once per reachable node, never for the others.
            let reachable = (0..<graph.nodeCount).map { Int(brute.reachable >> UInt64($0) & 1) }
            #expect(asked == reachable, "seed \(seed): \(graph)")
            if got.bytes != want.bytes || got.counts != want.counts { return }
        }
    }

    @Test("64-bit predecessor offsets give the same trees")
    func wideOffsets() {
        for i in 0..<300 {
            let seed = 2 << 40 | UInt64(i)
            let graph = TestGraph.random(seed: seed)
            let got = graph.tree(wideOffsets: true).idom
            let want = BruteForce(graph).idom
            #expect(got == want, "seed \(seed): \(graph)")
            if got != want { return }
        }
    }

    /// Larger graphs than brute force can check, against Cooper–Harvey–Kennedy.
    @Test("idom equals an independent iterative algorithm on larger graphs")
    func randomAgainstIterative() {
        for i in 0..<150 {
            let seed = 3 << 40 | UInt64(i)
            let graph = TestGraph.random(seed: seed, maxNodes: 3000)
            let got = graph.tree().idom
            let want = iterativeDominators(graph)
            let mismatch = firstMismatch(got, want)
            #expect(mismatch == nil, "seed \(seed): n=\(graph.nodeCount), node \(mismatch ?? -1)")
            if mismatch != nil { return }
        }
    }
}
