/// Large neighbourhood search with exact GLPK solves: generators that describe subproblems,
/// an adaptive choice among them, and their statistics.
///
/// A generator only says which nodes are free (from a seed node or clique, a difficulty in
/// [0, 1] and a random generator); `MIPSubproblemSolver` solves the subproblem with every other
/// node fixed at the incumbent, with an objective cut-off one below the incumbent's cost, so a
/// step can only improve. `NeighbourhoodSearch` (one per worker) picks the generator, maps its
/// difficulty to a size, adapts difficulty and time limit per generator and keeps the counts.

import Model

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        self.exactMode = exactMode && inst.nodeCount > 0 && inst.nodeCount <= NeighbourhoodSearch.exactNodes
        let generator = NeighbourhoodGenerator(inst, hints: hints, pool: pool)
        self.generator = generator
        mip = MIPSubproblemSolver(inst)
        let maxSize = Double(max(8, min(inst.nodeCount, 2000)))
        self.maxSize = maxSize
        kinds = NeighbourhoodKind.allCases.filter { generator.applies($0) }
        let count = NeighbourhoodKind.allCases.count
        // Start near 60 free nodes (a size GLPK solves in well under a second).
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

    /// Set by the worker while the whole search has stalled: the solves may then take at
    /// least `share` of the worker's time, each with `timeFactor` x its usual time limit.
    var stallBoost: (share: Double, timeFactor: Double)? = nil

    /// Whether the worker should spend its next slot on a neighbourhood solve.
    func due(searchSeconds: Double) -> Bool {
        !kinds.isEmpty && stats.totalSeconds < max(timeShare, stallBoost?.share ?? 0) * searchSeconds
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
    /// the incumbent yet: improving merges come right after new pool entries, repeated
    /// merges with old ones rarely improve (benchmarks/LNS.md). With `regular` false (the
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
        // least a second), the whole instance with a cut-off below the current cost. It is for
        // small instances where the local search stalls above the optimum; started earlier it
        // only takes time from a local search that would find the optimum on its own.
        if regular && exactMode && !exactDone && state.feasible && now - lastProgress >= max(1, 0.05 * (stopAt - now)) {
            exactDone = true
            let improved = solveWhole(state: state, timeLimit: 0.6 * max(0, stopAt - now), better: { nil }, stop: stop)
            if improved { bestSeen = state.cost }
            return improved
        }
        let m = NeighbourhoodKind.merge.rawValue
        var fresh: Neighbourhood?
        if freshPending {
            (fresh, freshSerial) = generator.freshMerge(state: state, after: freshSerial,
                                                        size: min(inst.nodeCount, 4 * size(difficulty: difficulty[m])), rng: &rng)
        }
        if fresh == nil && !regular { return false }
        // The worker's own progress since the last solve, for the share (not what it adopted
        // from other workers: counting that gave GLPK its least share on every large instance).
        if let end = lastStepEnd, costAtStepEnd < Int128(inst.infiniteUnit) {
            searchGain = 0.9 * searchGain + Double(max(0, costAtStepEnd - (ownCost ?? state.cost)))
            searchSeconds = 0.9 * searchSeconds + max(0, now - end)
        }
        let stepStart = MonotonicClock.seconds()
        defer {
            // `now` is on the caller's clock: add this step's own duration.
            lastStepEnd = now + (MonotonicClock.seconds() - stepStart)
            costAtStepEnd = state.cost
        }
        let kind = fresh == nil ? choose(rng: &rng) : .merge
        let g = kind.rawValue
        let d = difficulty[g]
        let before = state.cost
        let neighbourhood = fresh ?? generator.generate(kind, state: state, size: size(difficulty: d), rng: &rng)
        let free = neighbourhood.free
        mip.strategyMask = neighbourhood.mask
        defer { mip.strategyMask = nil }
        let base = Self.windowTimeLimit(now: now, stopAt: stopAt)
        let limit = min(base * timeFactor[g] * (stallBoost?.timeFactor ?? 1), max(0, stopAt - now))
        let (improved, gain, seconds, timedOut, skipped) = solve(state: state, free: free, timeLimit: limit, stop: stop)
        var s = fresh == nil ? stats.generators[g] : stats.fresh
        s.calls += 1
        s.difficultySum += d
        s.freeNodesSum += free.count
        s.seconds += seconds
        if improved { s.improvements += 1; s.record(gain) }
        if timedOut { s.timeouts += 1 }
        if skipped { s.skipped += 1 }
        if fresh == nil { stats.generators[g] = s } else { stats.fresh = s }
        if before < Int128(inst.infiniteUnit) {
            solveGain = 0.9 * solveGain + Double(max(0, before - state.cost))
            solveSeconds = 0.9 * solveSeconds + seconds
            if adaptive && searchSeconds > 0 && solveSeconds > 0 {
                // GLPK gets between 10% and 60% of the time, by its share of the progress
                // per second (benchmarks/LNS.md).
                let a = solveGain / solveSeconds, b = searchGain / searchSeconds
                timeShare = a + b > 0 ? 0.1 + 0.5 * a / (a + b) : 0.35
            }
        }
        stats.shares = [timeShare]
        if fresh != nil {
            // Not the bandit's choice: only its size follows (smaller after a time-out).
            if skipped || timedOut { difficulty[g] = max(0, d - 0.04) }
            return improved
        }
        // Bandit: decayed successes per second of this generator.
        recentWins[g] = 0.9 * recentWins[g] + (improved ? 1 : 0)
        recentSeconds[g] = 0.9 * recentSeconds[g] + seconds
        // Difficulty: smaller when the solve timed out or the model was refused; larger when
        // GLPK finished well within the limit, and faster when it finished without an
        // improvement (the neighbourhood is locally optimal at that size, while larger ones
        // may still improve). Time: more when a timed-out solve still improved
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

    /// A window solve's usual time limit: 2% of the time left, between 0.2 s and 2 s (before
    /// the generator's factor and the stall boost).
    static func windowTimeLimit(now: Double, stopAt: Double) -> Double {
        min(2.0, max(0.2, 0.02 * (stopAt - now)))
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
            let unit = Int128(inst.infiniteUnit)
            gain = (before % unit - state.cost % unit, before / unit - state.cost / unit)
        }
        let seconds = MonotonicClock.seconds() - t0
        return (improved, gain, seconds, mip.timeouts > timeouts, mip.skipped > skippedBefore || mip.failures > failures)
    }

    // MARK: - Repairing infinite terms

    /// The nodes of the terms of `state` that hold an infinite part: both ends of such edge
    /// terms, and nodes whose unary term holds one.
    func infiniteTermNodes(_ state: SearchState) -> [Int] {
        let unit = Int128(inst.infiniteUnit)
        let x = state.x
        var nodes: [Int] = []
        for e in 0 ..< inst.edgeCount {
            let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
            if Int128(inst.pairCost(e, Int(x[u]), Int(x[v]))) >= unit { nodes.append(u); nodes.append(v) }
        }
        for i in 0 ..< inst.nodeCount where Int128(inst.unary[Int(inst.strategyStart[i]) + Int(x[i])]) >= unit {
            nodes.append(i)
        }
        return nodes
    }

    /// Solves windows around the infinite terms of `state` (a ball of `firstSize` free nodes
    /// grown from their nodes) until none is left: a solve that removes some keeps the window
    /// size for the next one, around the terms left; one that removes none doubles it (up to
    /// `maxSize`). Stops after `rounds` solves that removed nothing, or when `rounds` time
    /// limits have passed. Small windows solve in a fraction of the time limit and remove
    /// most terms, while the large ones tend to run out of time, so a repair keeps to the
    /// sizes that pay (benchmarks/LNS.md, "Repairs keep the window size that pays"). Each
    /// solve keeps the memory rows and applies only an improvement (`MIPSubproblemSolver`), so
    /// the state stays feasible and never gets dearer. Returns whether every infinite term is
    /// gone.
    func repairInfinite(state: SearchState, rounds: Int, firstSize: Int, timeLimit: Double,
                        rng: inout SeededRNG, stop: @escaping () -> Bool) -> Bool {
        var size = max(1, min(firstSize, inst.nodeCount))
        var stalls = 0
        var seeds = infiniteTermNodes(state)
        let end = MonotonicClock.seconds() + Double(rounds) * timeLimit
        while !seeds.isEmpty && stalls < rounds && !stop() {
            let now = MonotonicClock.seconds()
            if now >= end { break }
            let free = generator.ball(seeds: seeds, size: size, rng: &rng)
            if let r = mip.solve(state: state, free: free, timeLimit: min(timeLimit, end - now), stop: stop) { _ = mip.apply(r, to: state) }
            let left = infiniteTermNodes(state)
            if left.count >= seeds.count {
                stalls += 1
                size = min(Int(maxSize), 2 * size)
            }
            seeds = left
        }
        return seeds.isEmpty
    }

    // MARK: - Exact mode

    /// Reduced instances up to this many nodes are solved whole first.
    static let exactNodes = 1200

    var exactApplies: Bool { inst.nodeCount > 0 && inst.nodeCount <= NeighbourhoodSearch.exactNodes }

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
        let all = (0 ..< inst.nodeCount).map { Int32($0) }
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
            st.freeNodesSum += inst.nodeCount
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
