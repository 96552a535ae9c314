import Model

/// Describes neighbourhoods of a reduced instance. Never solves. One per worker (scratch space).
final class NeighbourhoodGenerator {
    let inst: SolverInstance
    /// Per edge: some entry of its table is infinite.
    let edgeHasInfinite: [Bool]
    /// Nodes with at least one such edge.
    let infiniteNodes: [Int32]
    /// Nodes whose usage can vary (they live in cliques).
    let memoryNodes: [Int32]
    private var growth: RegionGrowth
    /// Worker 0's reduced costs, for `dualRegion` (nil: that kind does not apply).
    let hints: DualHints?
    /// Good solutions from all workers, for `merge` (nil: that kind does not apply).
    let pool: ElitePool?
    /// Share of the gap within which `dualRegion` keeps strategies.
    var dualShare = 0.03

    init(_ inst: SolverInstance, hints: DualHints? = nil, pool: ElitePool? = nil) {
        self.inst = inst
        self.hints = hints
        self.pool = pool
        var hasInf = [Bool](repeating: false, count: inst.edgeCount)
        for e in 0 ..< inst.edgeCount {
            for t in inst.edgeOff[e] ..< inst.edgeOff[e + 1] where inst.edgeCost[t] >= inst.infiniteUnit {
                hasInf[e] = true
                break
            }
        }
        edgeHasInfinite = hasInf
        var infNodes: [Int32] = []
        for i in 0 ..< inst.nodeCount {
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) where hasInf[Int(inst.adjEdge[p])] {
                infNodes.append(Int32(i))
                break
            }
        }
        infiniteNodes = infNodes
        memoryNodes = (0 ..< inst.nodeCount).filter { inst.cliqueFirst[$0] < inst.cliqueEnd[$0] }.map { Int32($0) }
        growth = RegionGrowth(nodes: inst.nodeCount)
    }

    /// Whether a generator can describe anything on this instance.
    func applies(_ kind: NeighbourhoodKind) -> Bool {
        switch kind {
        case .costBall, .randomRegion: inst.nodeCount > 0
        case .peakWindow: inst.hasMemory && inst.cliqueCount > 0 && !memoryNodes.isEmpty
        case .infiniteCluster: !infiniteNodes.isEmpty
        case .dualRegion: inst.nodeCount > 0 && hints != nil
        case .merge: inst.nodeCount > 0 && pool != nil
        }
    }

    /// The free nodes of a neighbourhood of `kind` with at most `size` nodes (at least one).
    func generate(_ kind: NeighbourhoodKind, state: SearchState, size: Int, rng: inout SeededRNG) -> Neighbourhood {
        let size = max(1, min(size, inst.nodeCount))
        switch kind {
        case .costBall: return Neighbourhood(free: costBall(state: state, size: size, rng: &rng))
        case .peakWindow: return Neighbourhood(free: peakWindow(state: state, size: size, rng: &rng))
        case .infiniteCluster:
            return Neighbourhood(free: infiniteCluster(seed: Int(infiniteNodes[rng.below(infiniteNodes.count)]), size: size, rng: &rng))
        case .randomRegion: return Neighbourhood(free: randomRegion(seed: rng.below(inst.nodeCount), size: size, rng: &rng))
        case .dualRegion:
            // Columns: 60 per node of the size, at least 500 and at most 40,000 (a model
            // of that size takes GLPK seconds, benchmarks/CONSTANTS.md).
            guard let hint = hints?.current else { return Neighbourhood(free: costBall(state: state, size: size, rng: &rng)) }
            return dualRegion(state: state, hint: hint, columns: max(500, min(40_000, 60 * size)), rng: &rng)
        case .merge:
            // Two to four strategies per node instead of all: windows four times as large.
            return merge(state: state, size: min(inst.nodeCount, 4 * size), rng: &rng)
                ?? Neighbourhood(free: costBall(state: state, size: size, rng: &rng))
        }
    }

    /// Free nodes where one to three random pool solutions differ from `state`: a window of
    /// `size` consecutive such nodes (node order follows the program, so the window is local
    /// in time and in memory cliques), each allowed its current strategy and those of the
    /// sampled solutions (the mask). Nil when the pool has nothing that differs, or when the
    /// three samples drawn all repeat a merge already solved (the same state, solutions and
    /// window give the same answer).
    func merge(state: SearchState, size: Int, rng: inout SeededRNG) -> Neighbourhood? {
        guard let pool else { return nil }
        for _ in 0 ..< 3 {
            let others = pool.sample(count: 1 + rng.below(3), differingFrom: state.x, rng: &rng)
            if others.isEmpty { return nil }
            let diff = differing(state.x, others)
            if diff.isEmpty { return nil }
            let start = diff.count > size ? rng.below(diff.count - size + 1) : 0
            var h = Hasher()
            h.combine(state.cost)
            for e in others.map(\.serial).sorted() { h.combine(e) }
            h.combine(start)
            h.combine(size)
            if mergesTried.count > 100_000 { mergesTried.removeAll() }
            guard mergesTried.insert(h.finalize()).inserted else { continue }
            return mergeWindow(diff, start: start, size: size, others)
        }
        return nil
    }

    /// Hashes of the merges already solved (state cost, solutions' serials, window), see `merge`.
    private var mergesTried = Set<Int>()

    /// A merge of `state` with the oldest pool entry that went in after `serial` and differs
    /// from it: free nodes and mask as in `merge` (a random window when the difference exceeds
    /// `size`). Returns the serial of the last entry looked at (the caller's next `serial`);
    /// the neighbourhood is nil when no new entry differs.
    func freshMerge(state: SearchState, after serial: Int, size: Int, rng: inout SeededRNG) -> (neighbourhood: Neighbourhood?, serial: Int) {
        guard let pool else { return (nil, serial) }
        var last = serial
        for e in pool.entries(after: serial) {
            last = e.serial
            let diff = differing(state.x, [e])
            if diff.isEmpty { continue }
            let start = diff.count > size ? rng.below(diff.count - size + 1) : 0
            return (mergeWindow(diff, start: start, size: size, [e]), last)
        }
        return (nil, last)
    }

    /// Nodes (in index order) where some of `others` differs from `x`.
    private func differing(_ x: [Int32], _ others: [ElitePool.Entry]) -> [Int32] {
        var diff: [Int32] = []
        for i in 0 ..< inst.nodeCount where others.contains(where: { $0.x[i] != x[i] }) { diff.append(Int32(i)) }
        return diff
    }

    /// The window `diff[start ..< start + size]`, its mask allowing the strategies of `others`
    /// there (the current ones are always allowed by the solver).
    private func mergeWindow(_ diff: [Int32], start: Int, size: Int, _ others: [ElitePool.Entry]) -> Neighbourhood {
        let free = Array(diff[start ..< min(diff.count, start + size)])
        var mask = [Bool](repeating: false, count: Int(inst.strategyStart[inst.nodeCount]))
        for v in free {
            let i = Int(v), o = Int(inst.strategyStart[i])
            for e in others { mask[o + Int(e.x[i])] = true }
        }
        return Neighbourhood(free: free, mask: mask)
    }

    /// Free nodes of a breadth-first region around the node whose current strategy the dual
    /// prices highest (of 32 sampled), grown while the model restricted to the strategies
    /// within `dualShare` of the gap (plus the current ones) stays within `columns`, with the
    /// kept strategies as its mask.
    func dualRegion(state: SearchState, hint: DualHints.Hint, columns budget: Int, rng: inout SeededRNG) -> Neighbourhood {
        let n = inst.nodeCount
        let rc = hint.reducedCost
        let mask = DualPrimal.keep(inst, reducedCost: rc, dual: hint.dual, cost: state.cost, share: dualShare).mask
        let x = state.x
        /// Strategies node `i` keeps in the restricted model (its current one always).
        func alive(_ i: Int) -> Int {
            let o = Int(inst.strategyStart[i])
            var a = mask[o + Int(x[i])] ? 0 : 1
            for s in o ..< Int(inst.strategyStart[i + 1]) where mask[s] { a += 1 }
            return a
        }
        var seed = rng.below(n)
        var worst = -1.0
        for _ in 0 ..< 32 {
            let i = rng.below(n)
            let v = rc[Int(inst.strategyStart[i]) + Int(x[i])]
            if v > worst { worst = v; seed = i }
        }
        if regionAlive.count != n { regionAlive = [Int32](repeating: 0, count: n) }
        growth.begin()
        growth.insert(seed)
        var columns = alive(seed)
        regionAlive[seed] = Int32(columns)
        var out: [Int32] = [Int32(seed)]
        // A node joins with its kept strategies and its pairs with the nodes already in; the
        // growth stops at the first node that would pass the budget.
        growth.grow(&out, in: inst, size: n, rotate: true, rng: &rng) { j in
            let aj = alive(j)
            var add = aj
            for q in Int(self.inst.adjOff[j]) ..< Int(self.inst.adjOff[j + 1]) {
                add += aj * Int(self.regionAlive[Int(self.inst.adjOther[q])])
            }
            if columns + add > budget { return false }
            columns += add
            self.regionAlive[j] = Int32(aj)
            return true
        }
        for v in out { regionAlive[Int(v)] = 0 }
        return Neighbourhood(free: out, mask: mask)
    }
    /// Per node in the region being grown: its kept strategies; 0 outside the region (so a
    /// node's pairs with the region are a plain sum over its neighbours).
    private var regionAlive: [Int32] = []

    // MARK: - Seeds

    /// The most expensive of a few random edges at the state's strategies (a node's unary
    /// cost counts on its edges' behalf when it has none): its two ends, or one node.
    func expensiveSeed(state: SearchState, rng: inout SeededRNG) -> [Int] {
        let x = state.x
        if inst.edgeCount == 0 { return [rng.below(inst.nodeCount)] }
        var best = rng.below(inst.edgeCount)
        var bestCost = Int64.min
        for _ in 0 ..< 8 {
            let e = rng.below(inst.edgeCount)
            let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
            let c = inst.pairCost(e, Int(x[u]), Int(x[v]))
            if c > bestCost { best = e; bestCost = c }
        }
        // Sometimes the costliest node's unary term instead.
        var node = -1
        var nodeCost = Int64.min
        for _ in 0 ..< 4 {
            let i = rng.below(inst.nodeCount)
            let c = inst.unary[Int(inst.strategyStart[i]) + Int(x[i])]
            if c > nodeCost { node = i; nodeCost = c }
        }
        if nodeCost > bestCost { return [node] }
        return [Int(inst.edgeU[best]), Int(inst.edgeV[best])]
    }

    // MARK: - Generators

    /// Breadth-first from `seeds` (in a random neighbour order), up to `size` nodes.
    func ball(seeds: [Int], size: Int, rng: inout SeededRNG) -> [Int32] {
        growth.begin()
        var out: [Int32] = []
        for s in seeds where !growth.contains(s) && out.count < size {
            growth.insert(s)
            out.append(Int32(s))
        }
        growth.grow(&out, in: inst, size: size, rotate: true, rng: &rng)
        return out
    }

    private func costBall(state: SearchState, size: Int, rng: inout SeededRNG) -> [Int32] {
        ball(seeds: expensiveSeed(state: state, rng: &rng), size: size, rng: &rng)
    }

    /// The cluster of `seed` along edges with infinite entries, then breadth-first along any
    /// edge until `size`.
    func infiniteCluster(seed: Int, size: Int, rng: inout SeededRNG) -> [Int32] {
        growth.begin()
        growth.insert(seed)
        var out: [Int32] = [Int32(seed)]
        growth.grow(&out, in: inst, size: size, rotate: true, rng: &rng, along: edgeHasInfinite)
        if out.count < size { growth.grow(&out, in: inst, size: size, rotate: true, rng: &rng) }
        return out
    }

    /// Grown from `seed` by adding a uniformly random frontier node each step: connected, less
    /// round than a ball.
    func randomRegion(seed: Int, size: Int, rng: inout SeededRNG) -> [Int32] {
        growth.begin()
        growth.insert(seed)
        var out: [Int32] = [Int32(seed)]
        var frontier: [Int32] = []
        func push(_ t: Int) {
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                let w = Int(inst.adjOther[p])
                if !growth.contains(w) {
                    growth.insert(w)
                    frontier.append(Int32(w))
                }
            }
        }
        push(seed)
        while out.count < size && !frontier.isEmpty {
            let j = rng.below(frontier.count)
            let w = frontier[j]
            frontier.swapAt(j, frontier.count - 1)
            frontier.removeLast()
            out.append(w)
            push(Int(w))
        }
        return out
    }

    /// A clique near the tightest: among the `max(1, cliques / 64)` of least slack, uniformly.
    func tightClique(state: SearchState, rng: inout SeededRNG) -> Int {
        let slack = SearchState.computeSlack(inst, state.x)
        let pool = max(1, slack.count / 64)
        if pool == 1 || rng.below(3) == 0 {
            var best = 0
            for c in 1 ..< slack.count where slack[c] < slack[best] { best = c }
            return best
        }
        // Partial selection of the `pool` tightest.
        let order = (0 ..< slack.count).sorted { slack[$0] < slack[$1] }
        return order[rng.below(pool)]
    }

    /// The variable-usage nodes nearest (in cliques) to `center`, up to 2/3 of `size`, in
    /// order of their distance from it (so the window of consecutive cliques around it grows
    /// evenly), then their neighbours breadth-first up to `size`.
    func window(center: Int, size: Int, rng: inout SeededRNG) -> [Int32] {
        growth.begin()
        // Distance in cliques from the centre; random tie-breaks.
        var keyed: [(Int, UInt64, Int32)] = []
        keyed.reserveCapacity(memoryNodes.count)
        for v in memoryNodes {
            let i = Int(v)
            let f = Int(inst.cliqueFirst[i]), l = Int(inst.cliqueEnd[i])
            let d = center < f ? f - center : (center >= l ? center - l + 1 : 0)
            if inst.strategyCount[i] > 1 { keyed.append((d, rng.next(), v)) }
        }
        keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let core = max(1, min(keyed.count, (2 * size + 2) / 3))
        var out: [Int32] = []
        for t in 0 ..< core {
            let v = keyed[t].2
            growth.insert(Int(v))
            out.append(v)
        }
        if out.isEmpty {
            let s = rng.below(inst.nodeCount)
            growth.insert(s)
            out.append(Int32(s))
        }
        growth.grow(&out, in: inst, size: size, rotate: true, rng: &rng)
        return out
    }

    private func peakWindow(state: SearchState, size: Int, rng: inout SeededRNG) -> [Int32] {
        window(center: tightClique(state: state, rng: &rng), size: size, rng: &rng)
    }
}
