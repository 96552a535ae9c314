/// Large neighbourhood search with exact GLPK solves: generators that describe subproblems,
/// an adaptive choice among them, and their statistics.
///
/// A generator only says which nodes are free (from a seed node or clique, a difficulty in
/// [0, 1] and a random generator); `MIPSubproblemSolver` solves the subproblem with every other
/// node fixed at the incumbent, with an objective cut-off one below the incumbent's cost, so a
/// step can only improve. `NeighbourhoodSearch` (one per worker) picks the generator, maps its
/// difficulty to a size, adapts difficulty and time limit per generator and keeps the counts.

import Model
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The kinds of neighbourhoods, in the order of the statistics tables.
enum NeighbourhoodKind: Int, CaseIterable, Sendable {
    /// A breadth-first ball around an expensive edge or node of the incumbent.
    case costBall
    /// The variable-usage nodes live in a window of consecutive cliques around a tight clique.
    case peakWindow
    /// Nodes linked by edges with infinite entries (pairwise incompatibilities), grown
    /// breadth-first along such edges first.
    case infiniteCluster
    /// A random connected region: grown from a random node by adding a random frontier node.
    case randomRegion
    /// A region around a node whose current strategy the Lagrangian dual prices highest,
    /// restricted to the strategies of small reduced cost (worker 0's `DualHints`) and sized
    /// in model columns, so it holds several times more nodes than an unrestricted one.
    case dualRegion
    /// Solution merging: a window of consecutive nodes where some good solutions of the
    /// `ElitePool` differ from the incumbent, each free to take the strategies those solutions
    /// use there (and its current one).
    case merge

    var name: String {
        switch self {
        case .costBall: "cost-ball"
        case .peakWindow: "peak-window"
        case .infiniteCluster: "inf-cluster"
        case .randomRegion: "random"
        case .dualRegion: "dual-region"
        case .merge: "merge"
        }
    }
}

/// Counters of one generator (or of the whole-instance solve), summed over workers.
public struct LNSGeneratorStats: Sendable {
    public var calls = 0
    public var improvements = 0
    /// Sum of the decreases of the finite part of the cost (may include increases paid for
    /// removing infinite terms).
    public var gain: Int128 = 0
    /// Infinite terms removed.
    public var infiniteRemoved: Int128 = 0
    /// Seconds in building and solving the subproblems.
    public var seconds = 0.0
    /// Solves stopped by their time limit.
    public var timeouts = 0
    /// Subproblems refused as too large, or failed solves.
    public var skipped = 0
    /// Sums over calls, for the means.
    public var difficultySum = 0.0
    public var freeNodesSum = 0

    mutating func add(_ o: LNSGeneratorStats) {
        calls += o.calls
        improvements += o.improvements
        gain += o.gain
        infiniteRemoved += o.infiniteRemoved
        seconds += o.seconds
        timeouts += o.timeouts
        skipped += o.skipped
        difficultySum += o.difficultySum
        freeNodesSum += o.freeNodesSum
    }

    /// One `# lns:` line body, e.g. `cost-ball calls 40 improved 7 gain 1234 time 12.3s ...`.
    func line(_ name: String) -> String {
        let c = max(1, calls)
        return "\(name) calls \(calls) improved \(improvements) gain \(gain) infinite-removed \(infiniteRemoved) time \(formatSeconds(seconds))s"
            + " timeouts \(timeouts) skipped \(skipped) mean-difficulty \(formatSeconds(difficultySum / Double(c)))"
            + " mean-free \(freeNodesSum / c)"
    }

    mutating func record(_ gain: (finite: Int128, infinite: Int128)) {
        self.gain += gain.finite
        infiniteRemoved += gain.infinite
    }

    private func formatSeconds(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return String(r)
    }
}

/// Per-generator statistics plus those of the whole-instance ("exact mode") solves.
public struct LNSStats: Sendable {
    public var generators = [LNSGeneratorStats](repeating: LNSGeneratorStats(), count: NeighbourhoodKind.allCases.count)
    public var whole = LNSGeneratorStats()
    /// Whole-instance solves restricted to the strategies of small reduced cost in the dual.
    public var restricted = LNSGeneratorStats()
    /// Merges of solutions as they enter the pool (fresh merges, `NeighbourhoodSearch.step`).
    public var fresh = LNSGeneratorStats()
    /// The GLPK time share each worker ended with (one entry per worker).
    public var shares: [Double] = []

    mutating func add(_ o: LNSStats) {
        for g in 0 ..< generators.count { generators[g].add(o.generators[g]) }
        whole.add(o.whole)
        restricted.add(o.restricted)
        fresh.add(o.fresh)
        shares += o.shares
    }

    /// The `# lns:` lines of the final report (generators that were never called are left out).
    public var lines: [String] {
        var out: [String] = []
        for kind in NeighbourhoodKind.allCases where generators[kind.rawValue].calls > 0 {
            out.append(generators[kind.rawValue].line(kind.name))
        }
        if whole.calls > 0 { out.append(whole.line("whole")) }
        if restricted.calls > 0 { out.append(restricted.line("dual-restricted")) }
        if fresh.calls > 0 { out.append(fresh.line("fresh-merge")) }
        if generators.contains(where: { $0.calls > 0 }) && !shares.isEmpty {
            out.append("time-share " + shares.map { String(($0 * 100).rounded() / 100) }.joined(separator: " "))
        }
        return out
    }
}

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
    /// The strategies kept by the last `dualRegion` or `merge` (per strategy slot), for the solve.
    private(set) var lastMask: [Bool]?
    /// Share of the gap within which `dualRegion` keeps strategies.
    var dualShare = 0.03

    init(_ inst: SolverInstance, hints: DualHints? = nil, pool: ElitePool? = nil) {
        self.inst = inst
        self.hints = hints
        self.pool = pool
        var hasInf = [Bool](repeating: false, count: inst.edgeCount)
        for e in 0 ..< inst.edgeCount {
            for t in inst.edgeOff[e] ..< inst.edgeOff[e + 1] where inst.edgeCost[t] >= inst.infinite {
                hasInf[e] = true
                break
            }
        }
        edgeHasInfinite = hasInf
        var infNodes: [Int32] = []
        for i in 0 ..< inst.n {
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) where hasInf[Int(inst.adjEdge[p])] {
                infNodes.append(Int32(i))
                break
            }
        }
        infiniteNodes = infNodes
        memoryNodes = (0 ..< inst.n).filter { inst.cFirst[$0] < inst.cEnd[$0] }.map { Int32($0) }
        growth = RegionGrowth(nodes: inst.n)
    }

    /// Whether a generator can describe anything on this instance.
    func applies(_ kind: NeighbourhoodKind) -> Bool {
        switch kind {
        case .costBall, .randomRegion: inst.n > 0
        case .peakWindow: inst.hasMemory && inst.cliqueCount > 0 && !memoryNodes.isEmpty
        case .infiniteCluster: !infiniteNodes.isEmpty
        case .dualRegion: inst.n > 0 && hints != nil
        case .merge: inst.n > 0 && pool != nil
        }
    }

    /// The free nodes of a neighbourhood of `kind` with at most `size` nodes (at least one).
    func generate(_ kind: NeighbourhoodKind, state: SearchState, size: Int, rng: inout SeededRNG) -> [Int32] {
        let size = max(1, min(size, inst.n))
        lastMask = nil
        switch kind {
        case .costBall: return costBall(state: state, size: size, rng: &rng)
        case .peakWindow: return peakWindow(state: state, size: size, rng: &rng)
        case .infiniteCluster: return infiniteCluster(seed: Int(infiniteNodes[rng.below(infiniteNodes.count)]), size: size, rng: &rng)
        case .randomRegion: return randomRegion(seed: rng.below(inst.n), size: size, rng: &rng)
        case .dualRegion:
            // Columns: 60 per node of the size, so the largest is about 40k (B's whole
            // reduced instance, 68,737 columns, takes GLPK 6-13 s).
            guard let hint = hints?.current else { return costBall(state: state, size: size, rng: &rng) }
            return dualRegion(state: state, hint: hint, columns: max(500, min(40_000, 60 * size)), rng: &rng)
        case .merge:
            // Two to four strategies per node instead of all: windows four times as large.
            return merge(state: state, size: min(inst.n, 4 * size), rng: &rng)
                ?? costBall(state: state, size: size, rng: &rng)
        }
    }

    /// Free nodes where one to three random pool solutions differ from `state`: a window of
    /// `size` consecutive such nodes (node order follows the program, so the window is local
    /// in time and in memory cliques), each allowed its current strategy and those of the
    /// sampled solutions (`lastMask`). Nil when the pool has nothing that differs, or when the
    /// three samples drawn all repeat a merge already solved (the same state, solutions and
    /// window give the same answer: N once spent 40 of its 90 merges on such repeats).
    func merge(state: SearchState, size: Int, rng: inout SeededRNG) -> [Int32]? {
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
    /// `free` is empty when no new entry differs.
    func freshMerge(state: SearchState, after serial: Int, size: Int, rng: inout SeededRNG) -> (free: [Int32], serial: Int) {
        lastMask = nil
        guard let pool else { return ([], serial) }
        var last = serial
        for e in pool.entries(after: serial) {
            last = e.serial
            let diff = differing(state.x, [e])
            if diff.isEmpty { continue }
            let start = diff.count > size ? rng.below(diff.count - size + 1) : 0
            return (mergeWindow(diff, start: start, size: size, [e]), last)
        }
        return ([], last)
    }

    /// Nodes (in index order) where some of `others` differs from `x`.
    private func differing(_ x: [Int32], _ others: [ElitePool.Entry]) -> [Int32] {
        var diff: [Int32] = []
        for i in 0 ..< inst.n where others.contains(where: { $0.x[i] != x[i] }) { diff.append(Int32(i)) }
        return diff
    }

    /// The window `diff[start ..< start + size]`, with `lastMask` allowing the strategies of
    /// `others` there (the current ones are always allowed by the solver).
    private func mergeWindow(_ diff: [Int32], start: Int, size: Int, _ others: [ElitePool.Entry]) -> [Int32] {
        let free = Array(diff[start ..< min(diff.count, start + size)])
        var mask = [Bool](repeating: false, count: Int(inst.off[inst.n]))
        for v in free {
            let i = Int(v), o = Int(inst.off[i])
            for e in others { mask[o + Int(e.x[i])] = true }
        }
        lastMask = mask
        return free
    }

    /// Free nodes of a breadth-first region around the node whose current strategy the dual
    /// prices highest (of 32 sampled), grown while the model restricted to the strategies
    /// within `dualShare` of the gap (plus the current ones) stays within `columns`. Sets
    /// `lastMask`.
    func dualRegion(state: SearchState, hint: DualHints.Hint, columns budget: Int, rng: inout SeededRNG) -> [Int32] {
        let n = inst.n
        let rc = hint.reducedCost
        let mask = DualPrimal.keep(inst, reducedCost: rc, dual: hint.dual, cost: state.cost, share: dualShare).mask
        lastMask = mask
        let x = state.x
        /// Strategies node `i` keeps in the restricted model (its current one always).
        func alive(_ i: Int) -> Int {
            let o = Int(inst.off[i])
            var a = mask[o + Int(x[i])] ? 0 : 1
            for s in o ..< Int(inst.off[i + 1]) where mask[s] { a += 1 }
            return a
        }
        var seed = rng.below(n)
        var worst = -1.0
        for _ in 0 ..< 32 {
            let i = rng.below(n)
            let v = rc[Int(inst.off[i]) + Int(x[i])]
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
        return out
    }
    /// Per node in the region being grown: its kept strategies; 0 outside the region (so a
    /// node's pairs with the region are a plain sum over its neighbours).
    private var regionAlive: [Int32] = []

    // MARK: - Seeds

    /// The most expensive of a few random edges at the state's strategies (a node's unary
    /// cost counts on its edges' behalf when it has none): its two ends, or one node.
    func expensiveSeed(state: SearchState, rng: inout SeededRNG) -> [Int] {
        let x = state.x
        if inst.edgeCount == 0 { return [rng.below(inst.n)] }
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
            let i = rng.below(inst.n)
            let c = inst.unary[Int(inst.off[i]) + Int(x[i])]
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
            let f = Int(inst.cFirst[i]), l = Int(inst.cEnd[i])
            let d = center < f ? f - center : (center >= l ? center - l + 1 : 0)
            if inst.k[i] > 1 { keyed.append((d, rng.next(), v)) }
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
            let s = rng.below(inst.n)
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

/// One worker's LNS: picks a generator (a bandit over recent improvements per second), maps
/// its difficulty to a number of free nodes, solves with GLPK, applies improvements to the
/// state and adapts. Also the whole-instance solve of exact mode.
final class NeighbourhoodSearch {
    let inst: SolverInstance
    let generator: NeighbourhoodGenerator
    let mip: MIPSubproblemSolver
    private(set) var stats = LNSStats()

    /// Neighbourhood sizes run from `minSize` to `maxSize`, geometrically in the difficulty.
    let minSize = 8.0
    let maxSize: Double
    /// Per generator: difficulty in [0, 1], time-limit factor, decayed successes and seconds.
    private var difficulty: [Double]
    private var timeFactor: [Double]
    private var recentWins: [Double]
    private var recentSeconds: [Double]
    private let kinds: [NeighbourhoodKind]

    /// Share of a worker's search time the neighbourhood solves may take: 0.35 until both
    /// rates below are known, then `adaptiveShare` (when `adaptive`).
    var timeShare = 0.35
    /// Whether the share follows the measured rates (off in tests that count calls).
    var adaptive = true
    /// Decayed cost decrease and seconds of the worker's own moves between neighbourhood
    /// solves (measured at each `step`), and of the solves themselves (finite-cost states only).
    private var searchGain = 0.0, searchSeconds = 0.0, solveGain = 0.0, solveSeconds = 0.0
    private var lastStepEnd: Double?
    private var costAtStepEnd = Int128.max

    /// Exact mode: this worker solves a small reduced instance whole once its own search has
    /// stalled (see ``step``).
    let exactMode: Bool
    private var exactDone = false
    /// Least state cost seen by ``step`` and when it was first seen.
    private var bestSeen = Int128.max
    private var lastProgress = 0.0

    init(_ inst: SolverInstance, exactMode: Bool = false, hints: DualHints? = nil, pool: ElitePool? = nil) {
        self.inst = inst
        self.exactMode = exactMode && inst.n > 0 && inst.n <= NeighbourhoodSearch.exactNodes
        let generator = NeighbourhoodGenerator(inst, hints: hints, pool: pool)
        self.generator = generator
        mip = MIPSubproblemSolver(inst)
        let maxSize = Double(max(8, min(inst.n, 2000)))
        self.maxSize = maxSize
        kinds = NeighbourhoodKind.allCases.filter { generator.applies($0) }
        let count = NeighbourhoodKind.allCases.count
        // Start near 60 free nodes (the size that solved in well under a second on B).
        let start = maxSize > 8 ? log(60.0 / 8.0) / log(maxSize / 8.0) : 0
        difficulty = [Double](repeating: min(1, max(0, start)), count: count)
        timeFactor = [Double](repeating: 1, count: count)
        // Optimistic prior: one success per second.
        recentWins = [Double](repeating: 1, count: count)
        recentSeconds = [Double](repeating: 1, count: count)
    }

    func size(difficulty d: Double) -> Int {
        Int((minSize * pow(maxSize / minSize, min(1, max(0, d)))).rounded())
    }

    /// Whether the worker should spend its next slot on a neighbourhood solve.
    func due(searchSeconds: Double) -> Bool {
        !kinds.isEmpty && stats.totalSeconds < timeShare * searchSeconds
    }

    /// Most GLPK time share a worker gives fresh merges (which come before `due`).
    static let freshShare = 0.6
    /// Serial of the last pool entry `freshMerge` has looked at.
    private var freshSerial = 0

    /// Whether a solution has entered the pool since the last fresh merge (see `step`) and
    /// the GLPK time so far is below `freshShare`.
    func freshMergeDue(searchSeconds: Double) -> Bool {
        freshPending && stats.totalSeconds < NeighbourhoodSearch.freshShare * searchSeconds
    }

    /// Whether a solution has entered the pool since `freshMerge` last looked.
    private var freshPending: Bool {
        guard let pool = generator.pool, kinds.contains(.merge) else { return false }
        return pool.latestSerial > freshSerial
    }

    /// The generator to use next: mostly the best recent rate of improvements per second,
    /// sometimes (1 in 5) a uniformly random one.
    func choose(rng: inout SeededRNG) -> NeighbourhoodKind {
        if rng.below(5) == 0 { return kinds[rng.below(kinds.count)] }
        var best = kinds[0]
        var bestRate = -1.0
        for k in kinds {
            let rate = recentWins[k.rawValue] / max(1e-3, recentSeconds[k.rawValue])
            if rate > bestRate { best = k; bestRate = rate }
        }
        return best
    }

    /// One neighbourhood solve on `state` (which should be memory-feasible). Returns true when
    /// the state improved; it is never made worse or infeasible. `ownCost` is the state's cost
    /// before the caller replaced it by a better one found elsewhere (the shared incumbent):
    /// the worker's own progress since the last solve ends there, for the time share.
    ///
    /// A fresh merge comes first: when solutions have entered the pool since the last one, the
    /// oldest of them that differs from `state` is merged with it (the `merge` window and
    /// mask with that solution alone). New solutions are the ones no merge has combined with
    /// the incumbent yet: on N the merges that improved came in bursts right after new pool
    /// entries, and repeated merges with old ones rarely did. With `regular` false (the
    /// caller's time share is spent) only a fresh merge is solved, and nothing when no new
    /// solution differs.
    @discardableResult
    func step(state: SearchState, ownCost: Int128? = nil, now: Double, stopAt: Double, regular: Bool = true,
              rng: inout SeededRNG, stop: @escaping () -> Bool) -> Bool {
        if state.cost < bestSeen {
            bestSeen = state.cost
            lastProgress = now
        }
        // Exact mode, once: when the worker's best has not moved for 5% of the time left (at
        // least a second), the whole instance with a cut-off below the current cost. Started
        // earlier it only took time from the local search, which finds B's and G's optima in
        // seconds on its own; it is for small instances where that search stalls above the
        // optimum.
        if regular && exactMode && !exactDone && state.feasible && now - lastProgress >= max(1, 0.05 * (stopAt - now)) {
            exactDone = true
            let improved = solveWhole(state: state, timeLimit: 0.6 * max(0, stopAt - now), better: { nil }, stop: stop)
            if improved { bestSeen = state.cost }
            return improved
        }
        let m = NeighbourhoodKind.merge.rawValue
        var fresh: [Int32] = []
        if freshPending {
            (fresh, freshSerial) = generator.freshMerge(state: state, after: freshSerial,
                                                        size: min(inst.n, 4 * size(difficulty: difficulty[m])), rng: &rng)
        }
        if fresh.isEmpty && !regular { return false }
        // The worker's own progress since the last solve, for the share (not what it adopted
        // from other workers: counting that gave GLPK its least share on every large instance).
        if let end = lastStepEnd, costAtStepEnd < Int128(inst.infinite) {
            searchGain = 0.9 * searchGain + Double(max(0, costAtStepEnd - (ownCost ?? state.cost)))
            searchSeconds = 0.9 * searchSeconds + max(0, now - end)
        }
        let stepStart = MonotonicClock.seconds()
        defer {
            // `now` is on the caller's clock: add this step's own duration.
            lastStepEnd = now + (MonotonicClock.seconds() - stepStart)
            costAtStepEnd = state.cost
        }
        let kind = fresh.isEmpty ? choose(rng: &rng) : .merge
        let g = kind.rawValue
        let d = difficulty[g]
        let before = state.cost
        let free = fresh.isEmpty ? generator.generate(kind, state: state, size: size(difficulty: d), rng: &rng) : fresh
        mip.strategyMask = generator.lastMask
        defer { mip.strategyMask = nil }
        let base = min(2.0, max(0.2, 0.02 * (stopAt - now)))
        let limit = min(base * timeFactor[g], max(0, stopAt - now))
        let (improved, gain, seconds, timedOut, skipped) = solve(state: state, free: free, timeLimit: limit, stop: stop)
        var s = fresh.isEmpty ? stats.generators[g] : stats.fresh
        s.calls += 1
        s.difficultySum += d
        s.freeNodesSum += free.count
        s.seconds += seconds
        if improved { s.improvements += 1; s.record(gain) }
        if timedOut { s.timeouts += 1 }
        if skipped { s.skipped += 1 }
        if fresh.isEmpty { stats.generators[g] = s } else { stats.fresh = s }
        if before < Int128(inst.infinite) {
            solveGain = 0.9 * solveGain + Double(max(0, before - state.cost))
            solveSeconds = 0.9 * solveSeconds + seconds
            if adaptive && searchSeconds > 0 && solveSeconds > 0 {
                // GLPK gets between 10% and 60% of the time, by its share of the progress
                // per second (the local search alone was measured as good as with a fixed
                // 35% on the large instances: benchmarks/LNS.md).
                let a = solveGain / solveSeconds, b = searchGain / searchSeconds
                timeShare = a + b > 0 ? 0.1 + 0.5 * a / (a + b) : 0.35
            }
        }
        stats.shares = [timeShare]
        if !fresh.isEmpty {
            // Not the bandit's choice: only its size follows (smaller after a time-out).
            if skipped || timedOut { difficulty[g] = max(0, d - 0.04) }
            return improved
        }
        // Bandit: decayed successes per second of this generator.
        recentWins[g] = 0.9 * recentWins[g] + (improved ? 1 : 0)
        recentSeconds[g] = 0.9 * recentSeconds[g] + seconds
        // Difficulty: smaller when the solve timed out or the model was refused; larger when
        // GLPK finished well within the limit, and faster when it finished without an
        // improvement (the neighbourhood is locally optimal at that size: K once left
        // peak windows at 195 free nodes, 13 quick solves without a gain, where 550-node
        // windows improved 35 times in 67). Time: more when a timed-out solve still improved
        // (the neighbourhood pays), less when it timed out for nothing.
        if skipped || timedOut {
            difficulty[g] = max(0, d - 0.04)
        } else if !improved {
            difficulty[g] = min(1, d + 0.06)
        } else if seconds < 0.5 * limit {
            difficulty[g] = min(1, d + 0.03)
        }
        if timedOut { timeFactor[g] = improved ? min(4, timeFactor[g] * 1.25) : max(0.5, timeFactor[g] * 0.9) }
        return improved
    }

    /// Solves with `free` nodes and applies an improvement to `state`.
    private func solve(state: SearchState, free: [Int32], timeLimit: Double, stop: @escaping () -> Bool)
        -> (improved: Bool, gain: (finite: Int128, infinite: Int128), seconds: Double, timedOut: Bool, skipped: Bool)
    {
        let t0 = MonotonicClock.seconds()
        let timeouts = mip.timeouts, skippedBefore = mip.skipped, failures = mip.failures
        var improved = false
        var gain: (Int128, Int128) = (0, 0)
        let before = state.cost
        if let r = mip.solve(state: state, free: free, timeLimit: timeLimit, stop: stop), mip.apply(r, to: state) {
            improved = true
            // Split by the value of one infinite term (finite totals stay far below it).
            let unit = Int128(inst.infinite)
            gain = (before % unit - state.cost % unit, before / unit - state.cost / unit)
        }
        let seconds = MonotonicClock.seconds() - t0
        return (improved, gain, seconds, mip.timeouts > timeouts, mip.skipped > skippedBefore || mip.failures > failures)
    }

    // MARK: - Exact mode

    /// Reduced instances up to this many nodes are solved whole first.
    static let exactNodes = 1200

    var exactApplies: Bool { inst.n > 0 && inst.n <= NeighbourhoodSearch.exactNodes }

    /// Solves the whole reduced instance with an objective cut-off one below the state's cost,
    /// repeatedly while it improves, until GLPK finishes without an improvement, reports the
    /// optimum, the time limit passes or `stop` is true. `better` may hand in a better
    /// assignment (e.g. the shared incumbent) before each solve. Returns true if the state
    /// improved.
    ///
    /// With a `mask` (per instance strategy slot) only the marked strategies may be chosen
    /// besides the current ones: a restricted, smaller model, counted as `dual-restricted`.
    @discardableResult
    func solveWhole(
        state: SearchState, timeLimit: Double, mask: [Bool]? = nil, better: () -> [Int32]?, stop: @escaping () -> Bool
    ) -> Bool {
        let saved = mip.options
        // The whole of B is about 70k columns and 300k nonzeros.
        mip.options.maxColumns = 400_000
        mip.options.maxNonzeros = 3_000_000
        mip.strategyMask = mask
        defer {
            mip.options = saved
            mip.strategyMask = nil
        }
        let all = (0 ..< inst.n).map { Int32($0) }
        let end = MonotonicClock.seconds() + timeLimit
        var any = false
        while !stop() {
            let left = end - MonotonicClock.seconds()
            if left <= 0.05 { break }
            if let x = better() {
                let other = SearchState(inst, x)
                if other.feasible && (!state.feasible || other.cost < state.cost) { state.reset(x) }
            }
            guard state.feasible else { break }
            let (improved, gain, seconds, timedOut, skipped) = solve(state: state, free: all, timeLimit: left, stop: stop)
            var st = mask == nil ? stats.whole : stats.restricted
            st.calls += 1
            st.difficultySum += 1
            st.freeNodesSum += inst.n
            st.seconds += seconds
            if timedOut { st.timeouts += 1 }
            if skipped { st.skipped += 1 }
            if improved {
                st.improvements += 1
                st.record(gain)
            }
            if mask == nil { stats.whole = st } else { stats.restricted = st }
            guard improved else { break }
            any = true
            // A claimed optimum is only a hint (GLPK can be off by a little): solve again with
            // the new cut-off; "no improvement" (or the independent bound stopping the run)
            // ends the loop.
        }
        return any
    }
}

extension LNSStats {
    /// Seconds of every GLPK solve, whole-instance ones included.
    var totalSeconds: Double { generators.reduce(whole.seconds + fresh.seconds) { $0 + $1.seconds } }
    /// GLPK solves so far (all kinds).
    var solves: Int { generators.reduce(whole.calls + restricted.calls + fresh.calls) { $0 + $1.calls } }
}

/// The Lagrangian dual's latest reduced costs, published by worker 0 for the other workers'
/// `dualRegion` neighbourhoods. Thread-safe.
final class DualHints: Sendable {
    struct Hint: Sendable {
        /// The dual value (reduced units) the reduced costs are relative to.
        var dual: Double
        /// Per strategy slot (`LagrangianDual.reducedCosts`).
        var reducedCost: [Double]
    }

    private let box = Mutex<Hint?>(nil)

    var current: Hint? { box.withLock { $0 } }

    func publish(_ hint: Hint) { box.withLock { $0 = hint } }
}
