/// Exact elimination of leaves and degree-2 nodes inside the Lagrangian subproblem.
///
/// With the clique rows priced into the unary costs (`unary + usage * M_i`) the subproblem has
/// no memory constraint, so every node of degree <= 1, and every node of degree 2 whose table
/// work is small enough, can be folded into its neighbours exactly (bucket elimination): a
/// leaf `i` on edge `w` to `j` adds `min_s unary_i(s) + w(s, t)` to `unary_j(t)`; a link `i`
/// between `u` and `v` adds `min_s unary_i(s) + w1(s, a) + w2(s, b)` to the table of the edge
/// `(u, v)`, created if absent. Repeated to a fixpoint, this leaves a "core" whose optimum (with
/// the folded terms) equals the subproblem's optimum, and whose local-polytope relaxation is at
/// least as tight (folded chains close cycles exactly).
///
/// The plan (which node is folded where, in which order) depends only on the graph and is made
/// once; the folded values depend on the multipliers and are replayed for each new `mu`:
/// in `Double` for the optimiser, and in exact `Int128` fixed point for certificates.
final class CoreGraph: Sendable {
    enum Op: Sendable {
        /// Node `node` folded into `into` along working edge `edge`.
        case leaf(node: Int, edge: Int, into: Int)
        /// Node `node` folded into working edge `target` between `u < v`, along `e1` (to `u`)
        /// and `e2` (to `v`).
        case link(node: Int, e1: Int, e2: Int, u: Int, v: Int, target: Int)
    }

    let inst: SolverInstance
    /// Working edges: the instance's edges first, then the created ones; endpoints (reduced
    /// node indices) `wU < wV`, table row-major `a * k[wV] + b` at `wOff` in a work store.
    let wU: [Int]
    let wV: [Int]
    let wOff: [Int]
    let storeSize: Int
    let ops: [Op]
    /// Working edges whose table changes with the multipliers (link targets, created edges).
    let folded: [Int]
    let isFolded: [Bool]
    /// Working edges the eliminations read or write.
    let opEdges: [Int]

    // The core: remaining nodes (increasing reduced index) and edges.
    let coreNode: [Int]
    /// Reduced node -> core node, or -1 when eliminated.
    let coreOf: [Int]
    /// Core edge -> working edge.
    let coreEdge: [Int]
    /// Core strategies: node `c` has `coreOff[c] ..< coreOff[c + 1]`.
    let coreK: [Int]
    let coreOff: [Int]
    let coreAdjOff: [Int]
    let coreAdjOther: [Int]
    let coreAdjEdge: [Int]
    let coreAdjIsU: [Bool]

    var coreN: Int { coreNode.count }
    var coreEdgeCount: Int { coreEdge.count }
    var leaves: Int { ops.reduce(0) { if case .leaf = $1 { return $0 + 1 } else { return $0 } } }
    var links: Int { ops.count - leaves }

    /// `maxLinkWork`: largest `k_i * k_u * k_v` for folding one degree-2 node; `eliminate`
    /// false keeps the whole instance as the core.
    init(_ inst: SolverInstance, maxLinkWork: Int = 1_000_000, eliminate: Bool = true) {
        self.inst = inst
        let n = inst.nodeCount
        let k = inst.strategyCount.map { Int($0) }
        var wU = inst.edgeU.map { Int($0) }
        var wV = inst.edgeV.map { Int($0) }
        var wOff = Array(inst.edgeOff.prefix(inst.edgeCount))
        var size = inst.edgeOff[inst.edgeCount]
        var nbr = [[Int: Int]](repeating: [:], count: n)
        for e in 0 ..< inst.edgeCount {
            nbr[wU[e]][wV[e]] = e
            nbr[wV[e]][wU[e]] = e
        }
        var alive = [Bool](repeating: true, count: n)
        var ops: [Op] = []
        var targeted = Set<Int>()
        if eliminate {
            var queue = Array((0 ..< n).reversed())
            var queued = [Bool](repeating: true, count: n)
            while let i = queue.popLast() {
                queued[i] = false
                guard alive[i] else { continue }
                let d = nbr[i].count
                if d == 1 {
                    let (j, w) = nbr[i].first!
                    ops.append(.leaf(node: i, edge: w, into: j))
                    alive[i] = false
                    nbr[i] = [:]
                    nbr[j][i] = nil
                    if !queued[j] { queued[j] = true; queue.append(j) }
                } else if d == 2 {
                    let pairs = nbr[i].sorted { $0.key < $1.key }
                    let (u, e1) = pairs[0], (v, e2) = pairs[1]
                    if k[i] * k[u] * k[v] > maxLinkWork { continue }
                    let target: Int
                    if let t = nbr[u][v] {
                        target = t
                    } else {
                        target = wU.count
                        wU.append(u)
                        wV.append(v)
                        wOff.append(size)
                        size += k[u] * k[v]
                        nbr[u][v] = target
                        nbr[v][u] = target
                    }
                    targeted.insert(target)
                    ops.append(.link(node: i, e1: e1, e2: e2, u: u, v: v, target: target))
                    alive[i] = false
                    nbr[i] = [:]
                    nbr[u][i] = nil
                    nbr[v][i] = nil
                    for x in [u, v] where !queued[x] { queued[x] = true; queue.append(x) }
                }
            }
        }
        wOff.append(size)
        self.wU = wU
        self.wV = wV
        self.wOff = wOff
        storeSize = size
        self.ops = ops
        folded = targeted.sorted()
        var isFolded = [Bool](repeating: false, count: wU.count)
        for t in targeted { isFolded[t] = true }
        self.isFolded = isFolded
        var used = Set<Int>()
        for op in ops {
            switch op {
            case .leaf(_, let w, _): used.insert(w)
            case .link(_, let e1, let e2, _, _, let t): used.formUnion([e1, e2, t])
            }
        }
        opEdges = used.sorted()

        var coreOf = [Int](repeating: -1, count: n)
        var coreNode: [Int] = []
        for i in 0 ..< n where alive[i] {
            coreOf[i] = coreNode.count
            coreNode.append(i)
        }
        var coreEdge: [Int] = []
        for w in 0 ..< wU.count where alive[wU[w]] && alive[wV[w]] && nbr[wU[w]][wV[w]] == w {
            coreEdge.append(w)
        }
        self.coreOf = coreOf
        self.coreNode = coreNode
        self.coreEdge = coreEdge
        let cn = coreNode.count
        coreK = coreNode.map { k[$0] }
        var coreOff = [Int](repeating: 0, count: cn + 1)
        for c in 0 ..< cn { coreOff[c + 1] = coreOff[c] + k[coreNode[c]] }
        self.coreOff = coreOff
        var degree = [Int](repeating: 0, count: cn + 1)
        for w in coreEdge {
            degree[coreOf[wU[w]]] += 1
            degree[coreOf[wV[w]]] += 1
        }
        var adjOff = [Int](repeating: 0, count: cn + 1)
        for c in 0 ..< cn { adjOff[c + 1] = adjOff[c] + degree[c] }
        var fill = adjOff
        var other = [Int](repeating: 0, count: adjOff[cn])
        var edge = [Int](repeating: 0, count: adjOff[cn])
        var isU = [Bool](repeating: false, count: adjOff[cn])
        for (ce, w) in coreEdge.enumerated() {
            let cu = coreOf[wU[w]], cv = coreOf[wV[w]]
            other[fill[cu]] = cv; edge[fill[cu]] = ce; isU[fill[cu]] = true
            other[fill[cv]] = cu; edge[fill[cv]] = ce; isU[fill[cv]] = false
            fill[cu] += 1
            fill[cv] += 1
        }
        coreAdjOff = adjOff
        coreAdjOther = other
        coreAdjEdge = edge
        coreAdjIsU = isU
    }

    /// Replays the eliminations: `unary` (per reduced strategy, penalised) and `store` (working
    /// edge tables; folded ones zero or as given before the call) are updated in place. Exact
    /// for `Int128`; `top` must exceed every value that can occur.
    func replay<T: AdditiveArithmetic & Comparable>(unary: inout [T], store: inout [T], top: T) {
        replay(unary: &unary, store: &store, offsets: wOff, top: top)
    }

    /// The same with the tables at `offsets[w]` (e.g. a compact store of the edges the
    /// eliminations touch: `opEdges`).
    func replay<T: AdditiveArithmetic & Comparable>(unary: inout [T], store: inout [T], offsets wOff: [Int], top: T) {
        let off = inst.strategyStart
        let kk = inst.strategyCount
        var row = [T](repeating: .zero, count: Int(kk.max() ?? 1))
        for op in ops {
            switch op {
            case .leaf(let i, let w, let j):
                let ki = Int(kk[i]), kj = Int(kk[j]), oi = Int(off[i]), oj = Int(off[j]), t0 = wOff[w]
                let iIsU = wU[w] == i
                for b in 0 ..< kj {
                    var best = top
                    for s in 0 ..< ki {
                        let c = unary[oi + s] + store[t0 + (iIsU ? s * kj + b : b * ki + s)]
                        if c < best { best = c }
                    }
                    unary[oj + b] += best
                }
            case .link(let i, let e1, let e2, let u, let v, let t):
                let ki = Int(kk[i]), ku = Int(kk[u]), kv = Int(kk[v]), oi = Int(off[i])
                let t1 = wOff[e1], t2 = wOff[e2], tt = wOff[t]
                let iIsU1 = wU[e1] == i, iIsU2 = wU[e2] == i
                for a in 0 ..< ku {
                    for s in 0 ..< ki {
                        row[s] = unary[oi + s] + store[t1 + (iIsU1 ? s * ku + a : a * ki + s)]
                    }
                    for b in 0 ..< kv {
                        var best = top
                        for s in 0 ..< ki {
                            let c = row[s] + store[t2 + (iIsU2 ? s * kv + b : b * ki + s)]
                            if c < best { best = c }
                        }
                        store[tt + a * kv + b] += best
                    }
                }
            }
        }
    }

    /// The outputs of the eliminations at the last `replayDouble`, so that the next
    /// replay recomputes only the eliminations whose inputs changed.
    final class ReplayCache {
        /// Per op: where its output starts in `out` (a leaf's vector over the node it folds
        /// into, a link's table).
        let outOff: [Int]
        var out: [Double]
        /// Per output entry: the eliminated node's strategy attaining it (the first of equal
        /// ones), so that extending a core labelling is one lookup per elimination.
        var arg: [Int32]
        var primed = false
        var dirtyNode: [Bool]
        var dirtyEdge: [Bool]
        private(set) var recomputed = 0, total = 0

        init(_ core: CoreGraph) {
            let kk = core.inst.strategyCount
            var offs = [Int](repeating: 0, count: core.ops.count + 1)
            for (q, op) in core.ops.enumerated() {
                switch op {
                case .leaf(_, _, let j): offs[q + 1] = offs[q] + Int(kk[j])
                case .link(_, _, _, let u, let v, _): offs[q + 1] = offs[q] + Int(kk[u]) * Int(kk[v])
                }
            }
            outOff = offs
            out = [Double](repeating: 0, count: offs[core.ops.count])
            arg = [Int32](repeating: 0, count: offs[core.ops.count])
            dirtyNode = [Bool](repeating: false, count: core.inst.nodeCount)
            dirtyEdge = [Bool](repeating: false, count: core.wOff.count)
        }

        func count(recomputed r: Int, of t: Int) {
            recomputed += r
            total += t
        }
    }

    /// `replay` specialised for the optimiser's doubles, with contiguous inner loops, reusing
    /// the outputs of eliminations whose inputs did not change since the cache's last replay:
    /// `changed[i]` says that node i's unary costs changed (the tables are the instance's own,
    /// so only the unary costs vary between replays). A changed input makes the elimination,
    /// and what it folds into, changed in turn. The first replay with a cache computes every
    /// elimination. The results are bitwise those of `replay` with `top` infinite: the same
    /// sums and minima in the same order, and an unchanged elimination adds the very values it
    /// computed last time.
    func replayDouble(unary: inout [Double], store: inout [Double], scratch: inout [Double],
                      cache: ReplayCache, changed: [Bool]) {
        let off = inst.strategyStart
        let kk = inst.strategyCount
        if scratch.count < Int(kk.max() ?? 1) { scratch = [Double](repeating: 0, count: Int(kk.max() ?? 1)) }
        let wOff = self.wOff, wU = self.wU, outOff = cache.outOff
        let all = !cache.primed
        cache.primed = true
        var recomputed = 0
        cache.dirtyNode = changed
        for w in 0 ..< cache.dirtyEdge.count { cache.dirtyEdge[w] = false }
        unary.withUnsafeMutableBufferPointer { U in
        store.withUnsafeMutableBufferPointer { W in
        scratch.withUnsafeMutableBufferPointer { acc in
        cache.out.withUnsafeMutableBufferPointer { O in
        cache.arg.withUnsafeMutableBufferPointer { A in
        cache.dirtyNode.withUnsafeMutableBufferPointer { DN in
        cache.dirtyEdge.withUnsafeMutableBufferPointer { DE in
            for (q, op) in ops.enumerated() {
                let o0 = outOff[q]
                switch op {
                case .leaf(let i, let w, let j):
                    let ki = Int(kk[i]), kj = Int(kk[j]), oi = Int(off[i]), oj = Int(off[j]), t0 = wOff[w]
                    if all || DN[i] || DE[w] {
                        recomputed += 1
                        DN[j] = true
                        Self.minimise(U.baseAddress! + oi, ki, W, t0, kj, rowsAreI: wU[w] == i, O, A, o0)
                    }
                    for b in 0 ..< kj { U[oj &+ b] += O[o0 &+ b] }
                case .link(let i, let e1, let e2, let u, let v, let t):
                    let ku = Int(kk[u]), kv = Int(kk[v]), tt = wOff[t]
                    if all || DN[i] || DE[e1] || DE[e2] {
                        recomputed += 1
                        DE[t] = true
                        let ki = Int(kk[i]), oi = Int(off[i])
                        let t1 = wOff[e1], t2 = wOff[e2]
                        let iIsU1 = wU[e1] == i, iIsU2 = wU[e2] == i
                        for a in 0 ..< ku {
                            for s in 0 ..< ki {
                                acc[s] = U[oi &+ s] + W[t1 &+ (iIsU1 ? s &* ku &+ a : a &* ki &+ s)]
                            }
                            Self.minimise(acc.baseAddress!, ki, W, t2, kv, rowsAreI: iIsU2, O, A, o0 &+ a &* kv)
                        }
                    }
                    for x in 0 ..< ku &* kv { W[tt &+ x] += O[o0 &+ x] }
                }
            }
        }}}}}}}
        cache.count(recomputed: recomputed, of: ops.count)
    }

    /// One elimination's minimisation over node i's strategies: for each strategy b of the
    /// node it folds into, `O[o + b] = min_s x[s] + table(s, b)` and `A[o + b]` the first `s`
    /// attaining it. The table (at `t` in `W`) has i's `ki` strategies as rows (`s * kOut + b`)
    /// when `rowsAreI`, else as columns (`b * ki + s`).
    @inline(__always)
    private static func minimise(_ x: UnsafePointer<Double>, _ ki: Int, _ W: UnsafeMutableBufferPointer<Double>,
                                 _ t: Int, _ kOut: Int, rowsAreI: Bool,
                                 _ O: UnsafeMutableBufferPointer<Double>, _ A: UnsafeMutableBufferPointer<Int32>, _ o: Int) {
        if rowsAreI {
            for b in 0 ..< kOut { O[o &+ b] = .infinity; A[o &+ b] = 0 }
            for s in 0 ..< ki {
                let xs = x[s], r = t &+ s &* kOut, s32 = Int32(truncatingIfNeeded: s)
                for b in 0 ..< kOut {
                    let v = xs + W[r &+ b]
                    if v < O[o &+ b] { O[o &+ b] = v; A[o &+ b] = s32 }
                }
            }
        } else {
            for b in 0 ..< kOut {
                let r = t &+ b &* ki
                var best = Double.infinity, arg = 0
                for s in 0 ..< ki {
                    let v = x[s] + W[r &+ s]
                    if v < best { best = v; arg = s }
                }
                O[o &+ b] = best
                A[o &+ b] = Int32(truncatingIfNeeded: arg)
            }
        }
    }

    /// `expand` for the optimiser (the dual extends a labelling after every multiplier step),
    /// from the strategies the cache's last `replayDouble` recorded with its outputs: the same
    /// choices, ties included, as `expand` on that replay's values, one lookup per elimination.
    func expandCached(_ core: [Int32], cache: ReplayCache) -> [Int32] {
        precondition(cache.primed, "expandCached needs a replay first")
        var x = [Int32](repeating: 0, count: inst.nodeCount)
        let kk = inst.strategyCount, outOff = cache.outOff
        x.withUnsafeMutableBufferPointer { X in
        cache.arg.withUnsafeBufferPointer { A in
            for (c, i) in coreNode.enumerated() { X[i] = core[c] }
            for q in stride(from: ops.count - 1, through: 0, by: -1) {
                switch ops[q] {
                case .leaf(let i, _, let j):
                    X[i] = A[outOff[q] &+ Int(X[j])]
                case .link(let i, _, _, let u, let v, _):
                    X[i] = A[outOff[q] &+ Int(X[u]) &* Int(kk[v]) &+ Int(X[v])]
                }
            }
        }}
        return x
    }

    /// Extends a core labelling to the whole reduced instance (each eliminated node takes its
    /// best strategy given its neighbours, last eliminated first), with the values of the last
    /// replay.
    func expand<T: AdditiveArithmetic & Comparable>(_ core: [Int32], unary: [T], store: [T], top: T) -> [Int32] {
        var x = [Int32](repeating: 0, count: inst.nodeCount)
        for (c, i) in coreNode.enumerated() { x[i] = core[c] }
        let off = inst.strategyStart
        let kk = inst.strategyCount
        for op in ops.reversed() {
            switch op {
            case .leaf(let i, let w, let j):
                let ki = Int(kk[i]), kj = Int(kk[j]), oi = Int(off[i]), t0 = wOff[w], b = Int(x[j])
                let iIsU = wU[w] == i
                var best = top, arg = 0
                for s in 0 ..< ki {
                    let c = unary[oi + s] + store[t0 + (iIsU ? s * kj + b : b * ki + s)]
                    if c < best { best = c; arg = s }
                }
                x[i] = Int32(arg)
            case .link(let i, let e1, let e2, let u, let v, _):
                let ki = Int(kk[i]), ku = Int(kk[u]), kv = Int(kk[v]), oi = Int(off[i])
                let a = Int(x[u]), b = Int(x[v])
                let iIsU1 = wU[e1] == i, iIsU2 = wU[e2] == i
                var best = top, arg = 0
                for s in 0 ..< ki {
                    let c = unary[oi + s] + store[wOff[e1] + (iIsU1 ? s * ku + a : a * ki + s)]
                        + store[wOff[e2] + (iIsU2 ? s * kv + b : b * ki + s)]
                    if c < best { best = c; arg = s }
                }
                x[i] = Int32(arg)
            }
        }
        return x
    }
}
