import Model

/// One search thread of a `SolverRun`: block moves (tree and elimination) on its own
/// `SearchState`, in phases of soft memory (per-node prices, overflow allowed, then a repair)
/// and hard memory (exact costs, memory never exceeded, kicks at stagnation, GLPK
/// neighbourhoods on some workers). Worker 0 starts with the Lagrangian dual's phase when it
/// fits in memory. Improvements go to the shared incumbent store (throttled) and the elite pool.
///
/// Used on one thread only: it is created and run by `SolverRun.search()`.
final class Worker {
    typealias Tuning = WorkerTuning

    /// The run this worker belongs to (options, store, shared state with the other workers).
    let solver: SolverRun
    let id: Int
    let inst: SolverInstance
    let options: SolverOptions
    let store: IncumbentStore
    let clock: ProcessClock
    let state: SearchState
    let memory: MemoryPolicy
    let localSearch: LocalSearch
    let elimination: EliminationMove
    /// The elite pool of every worker's good solutions (nil without GLPK).
    let pool: ElitePool?
    /// This worker's GLPK neighbourhoods (odd workers and the last one).
    let lns: NeighbourhoodSearch?
    /// A worker without them makes its own on the first stall of the search and solves them
    /// while the search stays stalled (`stallNeighbourhoods`).
    var stallLNS: NeighbourhoodSearch?
    /// Hubs (more than `hubDegree` neighbours) only move with a star of their neighbours.
    let hubs: [Int]
    /// Steps without improvement before a phase kicks.
    let patience: Int
    /// The price every memory node starts its first soft phase with.
    let lambda0: Double
    /// Even workers learn memory prices in frequent soft phases; odd ones search mostly under
    /// hard memory, with an occasional soft phase.
    let softFirst: Bool
    /// The search's stop condition, for the moves and solvers that take one.
    let stop: () -> Bool

    var rng: SeededRNG
    var local = SearchStats()
    var bestX: [Int32]
    var bestCost: Int128
    /// What found `bestX`: the worker's own moves ("ls"), a GLPK neighbourhood or
    /// restricted model ("mip"), shown as the source of the store's progress lines.
    var bestSource: String
    var lastOffer = -1.0
    var offeredCost = Int128.max
    /// Steps (block moves; a dual iteration counts `dualIterationWork`), for the work limit.
    var iterations = 0
    /// The adaptive target size of an elimination ball.
    var veSize = Tuning.eliminationSizeStart
    /// GLPK statistics of worker 0's restricted whole-instance solves.
    var restrictedStats = LNSStats()
    var budgetChecks = 0
    /// Sticky: with the stop only looked at every `stopCheckInterval`-th check, a loop that
    /// calls `budgetLeft()` once around inner loops that each end on such a check would
    /// never see it.
    var stopSeen = false
    var searchStart = 0.0
    var cycle = 0
    /// Whether the memory weights came from the dual (worker 0's own, or shared by it).
    var dualWeights = false
    /// The worst overload after the last soft phase.
    var lastOverload = 0.0
    /// The kicks' breadth-first regions.
    var kickGrowth: RegionGrowth

    init(_ id: Int, run solver: SolverRun, instance inst: SolverInstance) {
        self.solver = solver
        self.id = id
        self.inst = inst
        options = solver.options
        store = solver.store
        clock = solver.clock
        let seed = options.seed &* Tuning.seedMultiplier &+ UInt64(id)
        // The shared incumbent, unless it uses a strategy the reductions removed.
        let start = store.snapshot.solution.flatMap { inst.presolve($0) } ?? SolverRun.minimumUsage(inst)
        state = SearchState(inst, start)
        memory = MemoryPolicy(nodes: inst.nodeCount)
        localSearch = LocalSearch(state, seed: seed, memory: memory)
        elimination = EliminationMove(state, memory: memory)
        kickGrowth = RegionGrowth(nodes: inst.nodeCount)
        rng = SeededRNG(seed: seed ^ Tuning.rngSalt)
        // GLPK neighbourhoods on odd workers and the last one, not on worker 0 (its dual and
        // soft phases, the main source of progress on large instances, were slower with them:
        // benchmarks/LNS.md); exact mode (a small instance solved whole when the worker
        // stalls) on the last worker.
        let lastWorker = id == max(1, options.threads) - 1
        pool = options.useMIP ? solver.pool : nil
        lns = options.useMIP && (id % 2 == 1 || lastWorker)
            ? NeighbourhoodSearch(inst, exactMode: lastWorker, hints: solver.dualPhaseRuns ? solver.dualHints : nil, pool: pool) : nil
        bestX = state.x
        bestCost = state.feasible ? state.cost : Int128.max
        bestSource = "ls\(id)"
        hubs = (0 ..< inst.nodeCount).filter { Int(inst.adjOff[$0 + 1] - inst.adjOff[$0]) > Tuning.hubDegree }
        patience = max(Tuning.patienceMin, min(inst.nodeCount / Tuning.patienceNodeDivisor, Tuning.patienceMax))
        lambda0 = Worker.baseWeight(inst)
        softFirst = id % 2 == 0
        stop = { [solver] in solver.shouldStop }
    }

    /// Descends from the start, runs worker 0's dual phase, then soft and hard phases in
    /// cycles until the budget is spent.
    func run() {
        searchStart = clock.seconds
        localSearch.descend(stop: stop)
        noteBest()
        offerIfDue(force: true)
        // Worker 0 first follows the Lagrangian dual: its labellings, made to fit and polished,
        // are starts; its multipliers are the first memory prices.
        if id == 0 && options.useDual && inst.nodeCount > 1 && !solver.dualPhaseRuns {
            solver.log("dual phase skipped: it would need about \(DualPrimal.estimatedBytes(inst) >> 20) MB")
        }
        if id == 0 && solver.dualPhaseRuns { runDualPhase() }
        while budgetLeft() {
            cycle += 1
            let soft = inst.hasMemory
                && (softFirst || (cycle > 1 && (cycle == 2 || rng.below(Tuning.softPhaseOdds) == 0)))
            if soft { runSoftPhase() }
            runHardPhase()
        }
        offerIfDue(force: true)
        publishStats()
    }

    // MARK: Best solution, offers and the shared incumbent

    /// Makes this worker's counters so far visible to the final report.
    func publishStats() {
        var s = local
        s.treeMoves = localSearch.treeMoves
        s.treeImproved = localSearch.treeImproved
        s.oneOptMoves = localSearch.oneOptMoves
        s.rejectedMemory = localSearch.rejectedMemory + elimination.rejectedMemory
        s.eliminationMoves = elimination.attempts
        s.eliminationImproved = elimination.improved
        s.eliminationTooWide = elimination.tooWide
        s.lns = restrictedStats
        if let lns { s.lns.add(lns.stats) }
        if let stallLNS { s.lns.add(stallLNS.stats) }
        solver.publish(s, worker: id)
    }

    /// Offers this worker's best to the store and the pool when it improved since the last
    /// offer; offers are throttled unless `force`, except in the last `unthrottledSeconds`,
    /// and never under a work limit (the store's best is read back by the restarts, so a
    /// throttle that follows the clock would make such runs nondeterministic).
    func offerIfDue(force: Bool) {
        guard bestCost < offeredCost else { return }
        let now = clock.seconds
        if !force && options.maxIterations == nil && now - lastOffer < Tuning.offerInterval
            && now < options.stopAt - Tuning.unthrottledSeconds { return }
        lastOffer = now
        offeredCost = bestCost
        if options.debugChecks, let problem = state.verify() {
            Console.writeErr("# debug check failed in worker \(id): \(problem)\n")
        }
        store.offer(inst.postsolve(bestX), source: bestSource)
        pool?.offer(bestX, cost: bestCost)
    }

    /// A feasible local optimum for the merge neighbourhoods (not necessarily a best).
    func offerToPool() {
        if let pool, state.feasible { pool.offer(state.x, cost: state.cost) }
    }

    /// Records the state if it is feasible and the best this worker has seen.
    @discardableResult
    func noteBest(byMIP: Bool = false) -> Bool {
        guard state.cost < bestCost, state.feasible else { return false }
        bestCost = state.cost
        bestX = state.x
        bestSource = byMIP ? "mip\(id)" : "ls\(id)"
        offerIfDue(force: false)
        return true
    }

    /// The store's best solution in this instance's strategies (nil when there is none or it
    /// uses a strategy the reductions removed).
    func sharedSolution() -> [Int32]? {
        store.snapshot.solution.flatMap { inst.presolve($0) }
    }

    /// The store's best solution in this instance's strategies, with the store's cost, when
    /// that cost is below `cost`. (Cost and solution are read under two locks: another
    /// worker's offer in between pairs a newer solution with the older cost.)
    func sharedBest(below cost: Int128) -> (x: [Int32], cost: Int128)? {
        guard let c = store.bestCost, c < cost, let sx = sharedSolution() else { return nil }
        return (sx, c)
    }

    /// The store's best solution with its cost in this instance, evaluated here, when it is
    /// feasible and below `cost`. This cost can differ from the store's (`sharedBest`): the
    /// reduced instance prices folded nodes at their best strategy, which the store's
    /// solution need not use (the minimum-usage start does not), and the store's cost and
    /// solution are read under two locks.
    func sharedBestEvaluated(below cost: Int128) -> (x: [Int32], cost: Int128)? {
        guard let sx = sharedSolution() else { return nil }
        let shared = SearchState(inst, sx)
        guard shared.feasible && shared.cost < cost else { return nil }
        return (sx, shared.cost)
    }

    /// Puts the best known solution into `state` when the store's cost is below `cost`,
    /// and makes it this worker's best when it beats that (not offered back: it came from
    /// the store). Returns whether it did.
    @discardableResult
    func adoptSharedBest(below cost: Int128) -> Bool {
        guard let (sx, _) = sharedBest(below: cost) else { return false }
        state.reset(sx)
        if state.feasible && state.cost < bestCost {
            bestCost = state.cost
            bestX = sx
            offeredCost = min(offeredCost, bestCost)
        }
        return true
    }

    /// Whether the worker may go on: work limit, and (every `stopCheckInterval`-th call) the
    /// stop flag and clock; also sends out a throttled improvement once the throttle has
    /// passed, even when no further improvement follows.
    func budgetLeft() -> Bool {
        if stopSeen { return false }
        if let cap = options.maxIterations, iterations >= cap { return false }
        budgetChecks &+= 1
        if budgetChecks & (Tuning.stopCheckInterval - 1) != 0 { return true }
        if budgetChecks & (Tuning.statsInterval - 1) == 0 { publishStats() }
        offerIfDue(force: false)
        stopSeen = solver.shouldStop
        return !stopSeen
    }

    // MARK: Moves

    /// One block move (tree or elimination) around `root`.
    func step(root: Int) -> Bool {
        iterations += 1
        if !hubs.isEmpty && rng.below(Tuning.hubMoveOdds) == 0 {
            let h = hubs[rng.below(hubs.count)]
            let deg = Int(inst.adjOff[h + 1] - inst.adjOff[h])
            let saved = localSearch.maxWork
            localSearch.maxWork = max(saved, Tuning.hubMoveWork)
            defer { localSearch.maxWork = saved }
            return localSearch.treeMove(root: h, maxSize: deg + 1)
        }
        if rng.below(Tuning.treeMoveOdds) == 0 {
            let size = Tuning.treeSizeMin
                + rng.below(rng.below(Tuning.largeTreeOdds) == 0 ? Tuning.largeTreeSpread : Tuning.treeSpread)
            return localSearch.treeMove(root: root, maxSize: size)
        }
        let size = max(Tuning.eliminationSizeMin, Int(veSize * (Tuning.eliminationSizeJitterLow + rng.unit())))
        let block = elimination.ball(root: root, maxSize: size, maxDegree: Tuning.hubDegree, rng: &rng)
        let wide = elimination.tooWide
        let moved = elimination.run(block: block)
        if elimination.tooWide > wide {
            veSize = max(Tuning.eliminationSizeFloor, veSize * Tuning.eliminationShrink)
        } else {
            veSize = min(Tuning.eliminationSizeCeiling, veSize * Tuning.eliminationGrow)
        }
        return moved
    }

    /// Tournament choice: the node with the largest local cost among a few random ones.
    func pickRoot() -> Int {
        var best = rng.below(inst.nodeCount)
        if rng.below(Tuning.randomRootOdds) == 0 { return best }
        var bestCost = localCost(best)
        for _ in 0 ..< Tuning.tournamentSize {
            let c = rng.below(inst.nodeCount)
            let v = localCost(c)
            if v > bestCost { best = c; bestCost = v }
        }
        return best
    }

    /// The unary cost of node `i`'s strategy plus its edges' costs (hubs: the unary cost only).
    func localCost(_ i: Int) -> Int64 {
        let x = state.x
        let a = Int(x[i])
        var c = inst.unary[Int(inst.strategyStart[i]) + a]
        let lo = Int(inst.adjOff[i]), hi = Int(inst.adjOff[i + 1])
        if hi - lo > Tuning.hubDegree { return c }
        for p in lo ..< hi { c = addCost(c, inst.slotCost(p, a, Int(x[Int(inst.adjOther[p])]))) }
        return c
    }

    /// Random strategies on a small connected region (only where memory allows), each node
    /// then polished by a tree move.
    func kick() {
        let root = rng.below(inst.nodeCount)
        let target = Tuning.kickSizeMin + rng.below(Tuning.kickSizeSpread)
        kickGrowth.begin()
        kickGrowth.insert(root)
        var grown: [Int32] = [Int32(root)]
        kickGrowth.grow(&grown, in: inst, size: target, rotate: false, rng: &rng)
        let region = grown.map { Int($0) }
        for i in region where inst.strategyCount[i] > 1 {
            let b = rng.below(Int(inst.strategyCount[i]))
            if inst.hasMemory && state.usageDelta(i, b) > state.nodeSlack(i) { continue }
            state.apply(i, b, state.delta(i, b))
        }
        for i in region { localSearch.treeMove(root: i, maxSize: Tuning.kickTreeSize) }
    }

    // MARK: Phases

    /// The end of a phase that may use `share` of what is left: a time, or (with a work
    /// limit, so that runs are deterministic) an iteration count.
    func phaseEnd(_ share: Double) -> (time: Double, iterations: Int) {
        if let cap = options.maxIterations {
            return (.infinity, iterations + max(Tuning.phaseMinIterations, Int(share * Double(max(0, cap - iterations)))))
        }
        let now = clock.seconds
        return (now + share * max(0, options.stopAt - now), Int.max)
    }

    /// Block moves until `maxKicks` stagnations or the phase's end; each stagnation kicks a
    /// small region, sometimes after going back to the phase's best state. Hard phases of a
    /// worker with GLPK neighbourhoods take turns with them (`lnsTurn`).
    func runPhase(maxKicks: Int, until end: (time: Double, iterations: Int) = (.infinity, Int.max)) {
        let deadline = end.time
        let soft = !memory.hard
        var phaseBestX = state.x
        var phaseBest = soft ? penalisedCost() : state.cost
        var idle = 0
        var kicks = 0
        while kicks < maxKicks && budgetLeft() {
            if iterations >= end.iterations
                || (iterations & (Tuning.clockCheckInterval - 1) == 0 && clock.seconds > deadline) { break }
            if !soft, let lns = lns ?? stallNeighbourhoods(), let solved = lnsTurn(lns) {
                if solved.improved { idle = 0 }
                if solved.solves { continue }
            }
            let moved = step(root: pickRoot())
            let better = moved && noteBest()
            if better || (soft && moved) { idle = 0 } else { idle += 1 }
            if idle > patience {
                idle = 0
                kicks += 1
                let current = soft ? penalisedCost() : state.cost
                if current < phaseBest {
                    phaseBest = current
                    phaseBestX = state.x
                } else if rng.below(Tuning.restartOdds) == 0 {
                    // The store's best replaces the phase's best only when it beats it (the
                    // phase's best is not this worker's best, so `adoptSharedBest` does not fit).
                    if !soft, rng.below(Tuning.restartFromSharedOdds) == 0,
                       let (sx, cost) = sharedBestEvaluated(below: phaseBest) {
                        phaseBest = cost
                        phaseBestX = sx
                    }
                    state.reset(phaseBestX)
                    local.restarts += 1
                }
                if !soft { offerToPool() }
                kick()
                local.kicks += 1
            }
        }
    }

    /// The neighbourhoods of a worker without its own, on every `lnsCheckInterval`-th step
    /// while the search is stalled (made on the first stall); nil otherwise.
    func stallNeighbourhoods() -> NeighbourhoodSearch? {
        // (`stalled` is never true under a work limit.)
        guard options.useMIP, iterations & (Tuning.lnsCheckInterval - 1) == 0, solver.stalled else { return nil }
        if stallLNS == nil {
            stallLNS = NeighbourhoodSearch(inst, hints: solver.dualPhaseRuns ? solver.dualHints : nil, pool: pool)
            solver.log("worker \(id) joins the GLPK neighbourhoods at \(formatFixed(clock.seconds, 2)) s: no improvement for \(formatFixed(solver.stallSeconds, 2)) s")
        }
        return stallLNS
    }

    /// GLPK solves of neighbourhoods (memory rows included) in hard phases, about a third of
    /// the worker's time (`NeighbourhoodSearch`), on every `lnsCheckInterval`-th step when
    /// one is due; never under a work limit. Returns nil when none was due, else whether it
    /// made a new best for this worker and whether GLPK solved anything.
    func lnsTurn(_ lns: NeighbourhoodSearch) -> (improved: Bool, solves: Bool)? {
        guard options.maxIterations == nil, iterations & (Tuning.lnsCheckInterval - 1) == 0 else { return nil }
        let searchSeconds = clock.seconds - searchStart
        // While the search is stalled: more GLPK time, longer solves (larger windows follow:
        // the difficulty rises after solves that end without an improvement).
        lns.stallBoost = solver.stalled ? (Tuning.stallLNSShare, Tuning.stallTimeFactor) : nil
        let regular = lns.due(searchSeconds: searchSeconds)
        guard regular || lns.freshMergeDue(searchSeconds: searchSeconds) else { return nil }
        // Neighbourhoods of the best known solution: the final answer is almost always worker
        // 0's, so a solve on this worker's own, worse state rarely matters.
        let ownCost = state.cost
        adoptSharedBest(below: state.cost)
        let solves = lns.stats.solves
        var improved = false
        if lns.step(state: state, ownCost: ownCost, now: clock.seconds, stopAt: options.stopAt,
                    regular: regular, rng: &rng, stop: stop) {
            local.mipImproved += 1
            improved = noteBest(byMIP: true)
        }
        local.mipCalls += lns.stats.solves - solves
        publishStats()
        return (improved, lns.stats.solves > solves)
    }

    /// Soft phase: memory priced by per-node weights, overflow allowed. The weights learn
    /// across cycles (raised where the soft optimum overflows, decayed where it fits), so the
    /// soft optimum drifts towards a feasible one; then a greedy repair makes it fit and exact
    /// moves polish it.
    func runSoftPhase() {
        memory.hard = false
        memory.usePenalties = true
        // Continue from the shared incumbent when it beats this worker's own best. Unlike
        // `adoptSharedBest`, the state is only replaced by a better solution and `offeredCost`
        // is left alone: the adopted solution is offered again, to the pool as well.
        if cycle > Tuning.earlyCycles && rng.below(Tuning.adoptSharedOdds) == 0,
           let (sx, cost) = sharedBestEvaluated(below: bestCost) {
            bestCost = cost
            bestX = sx
            state.reset(sx)
        }
        if softFirst && !dualWeights, let shared = solver.sharedDualWeights {
            // Worker 0's dual prices replace this price-learning worker's own weights once,
            // from the best solution known. (Not for the hard-memory workers: giving them
            // these prices did not help, benchmarks/LNS.md.) The store's best becomes this
            // worker's best without being offered back only if it is better, as above.
            for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] { memory.setWeight(i, shared[i]) }
            dualWeights = true
            if let (sx, cost) = sharedBestEvaluated(below: bestCost) {
                bestCost = cost
                bestX = sx
            }
            state.reset(bestX)
        } else if (cycle == 1 || (cycle == 2 && !softFirst)) && !dualWeights {
            // First soft phase: every memory node starts at the base price.
            for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] { memory.setWeight(i, lambda0) }
            state.reset(Worker.cheapestUnary(inst))
            localSearch.descend(stop: stop)
        }
        // While the prices are far from fitting, soft phases are short so that they converge
        // in a few quick rounds.
        let early = cycle <= Tuning.earlyCycles
        let share = lastOverload > Tuning.farOverload ? Tuning.convergingSoftShare
            : (early ? Tuning.earlySoftShare : Tuning.softShare)
        runPhase(maxKicks: early ? Tuning.earlySoftKicks : Tuning.softKicks, until: phaseEnd(share))
        if options.debugChecks { solver.log("soft phase end: cost \(state.cost) feasible \(state.feasible) min slack \(state.slack.globalMin)") }
        lastOverload = updateWeights()
        memory.hard = true
        memory.usePenalties = false
        if GreedyRepair.run(state, stop: stop) {
            localSearch.descend(stop: stop)
            offerToPool()
        }
        if options.debugChecks { solver.log("greedy repair: cost \(state.cost) feasible \(state.feasible)") }
        local.repairs += 1
        if !state.feasible { state.reset(bestX) }
        noteBest()
    }

    /// Hard phase: exact costs, memory never exceeded. The price-learning workers only polish
    /// (and not while the prices are still far off, after the first cycle).
    func runHardPhase() {
        if inst.hasMemory && softFirst {
            if lastOverload <= Tuning.farOverload || cycle == 1 {
                runPhase(maxKicks: Tuning.polishKicks, until: phaseEnd(Tuning.hardShare))
            }
        } else {
            runPhase(maxKicks: Tuning.hardKicks)
        }
    }

    // MARK: Memory weights

    /// Cost plus the memory penalties of the current assignment.
    func penalisedCost() -> Int128 {
        var c = state.cost
        for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            c += Int128(memory.penalty(i, inst.usage[Int(inst.strategyStart[i]) + Int(state.x[i])]))
        }
        return c
    }

    /// Raises the weights of nodes in overloaded cliques (`weightRiseFar` or
    /// `weightRiseNear`, at least `lambda0`) and decays the others (`weightDecay`), the
    /// contest winner's bracketing of per-node memory prices. Returns the worst overload
    /// (excess / capacity) of the state.
    func updateWeights() -> Double {
        let slack = SearchState.computeSlack(inst, state.x)
        var prefix = [Int](repeating: 0, count: slack.count + 1)
        var worstRatio = 0.0
        for c in 0 ..< slack.count {
            prefix[c + 1] = prefix[c] + (slack[c] < 0 ? 1 : 0)
            if slack[c] < 0 { worstRatio = max(worstRatio, Double(-slack[c]) / Double(max(1, inst.capacity[c]))) }
        }
        let factor = worstRatio > Tuning.farOverload ? Tuning.weightRiseFar : Tuning.weightRiseNear
        for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            if prefix[Int(inst.cliqueEnd[i])] > prefix[Int(inst.cliqueFirst[i])] {
                memory.setWeight(i, max(memory.weight[i] * factor, lambda0))
            } else {
                memory.setWeight(i, memory.weight[i] * Tuning.weightDecay)
            }
        }
        return worstRatio
    }

    /// A starting weight (cost per unit of usage): a share of the median ratio of a node's
    /// cost spread to its usage spread.
    static func baseWeight(_ inst: SolverInstance) -> Double {
        var ratios: [Double] = []
        for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
            var cmin = Int64.max, cmax = Int64.min, umin = Int64.max, umax = Int64.min
            for s in 0 ..< k where inst.unary[o + s] < inst.infiniteUnit {
                cmin = min(cmin, inst.unary[o + s]); cmax = max(cmax, inst.unary[o + s])
                umin = min(umin, inst.usage[o + s]); umax = max(umax, inst.usage[o + s])
            }
            if umax > umin && cmax > cmin { ratios.append(Double(cmax - cmin) / Double(umax - umin)) }
        }
        if ratios.isEmpty { return Tuning.baseWeightFallback }
        ratios.sort()
        return max(Tuning.baseWeightFloor, ratios[ratios.count / 2] * Tuning.baseWeightScale)
    }

    /// Per node the strategy of least unary cost, ties broken by usage.
    static func cheapestUnary(_ inst: SolverInstance) -> [Int32] {
        SolverRun.leastPerNode(inst, by: inst.unary, then: inst.usage)
    }
}
