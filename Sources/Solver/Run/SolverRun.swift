import Dispatch
import Model
import Synchronization

public struct SolverOptions: Sendable {
    /// Seconds after process start by which the search must have stopped.
    public var stopAt: Double
    public var threads: Int
    public var seed: UInt64
    /// Work limit per worker (tree moves); with one thread the run is then deterministic.
    public var maxIterations: Int?
    public var logProgress: Bool
    /// Checks the incremental state against a full recomputation after every improvement.
    public var debugChecks: Bool
    public var reductions: Reducer.Options
    /// Interleave exact GLPK solves of small neighbourhoods with the block moves.
    public var useMIP = true
    /// Worker 0 starts from the Lagrangian dual's labellings and multipliers (`DualPrimal`).
    public var useDual = true
    /// Share of the search time worker 0 spends in the dual phase.
    public var dualShare = 0.6
    /// The other price-learning workers (even ids) adopt worker 0's dual prices in their
    /// first soft phase.
    public var shareDualWeights = true

    public init(stopAt: Double, threads: Int = 1, seed: UInt64 = 1, maxIterations: Int? = nil,
                logProgress: Bool = true, debugChecks: Bool = false, reductions: Reducer.Options = .init()) {
        self.stopAt = stopAt
        self.threads = threads
        self.seed = seed
        self.maxIterations = maxIterations
        self.logProgress = logProgress
        self.debugChecks = debugChecks
        self.reductions = reductions
    }
}

/// Per-worker counters, summed in the final report.
public struct SearchStats: Sendable {
    public var treeMoves = 0
    public var treeImproved = 0
    public var oneOptMoves = 0
    public var rejectedMemory = 0
    public var eliminationMoves = 0
    public var eliminationImproved = 0
    public var eliminationTooWide = 0
    public var kicks = 0
    public var repairs = 0
    public var mipCalls = 0
    public var mipImproved = 0
    public var restarts = 0
    public var dualIterations = 0
    public var dualLabellings = 0
    public var dualImproved = 0
    /// Per-neighbourhood GLPK statistics (LNS.swift).
    public var lns = LNSStats()

    mutating func add(_ o: SearchStats) {
        dualIterations += o.dualIterations
        dualLabellings += o.dualLabellings
        dualImproved += o.dualImproved
        lns.add(o.lns)
        treeMoves += o.treeMoves
        treeImproved += o.treeImproved
        oneOptMoves += o.oneOptMoves
        rejectedMemory += o.rejectedMemory
        kicks += o.kicks
        repairs += o.repairs
        mipCalls += o.mipCalls
        mipImproved += o.mipImproved
        eliminationMoves += o.eliminationMoves
        eliminationImproved += o.eliminationImproved
        eliminationTooWide += o.eliminationTooWide
        restarts += o.restarts
    }
}

/// Runs the search: reductions, the minimum-usage start, then local-search workers that share
/// the incumbent store until `stopAt`.
public final class SolverRun: Sendable {
    public let problem: Problem
    public let options: SolverOptions
    public let store: IncumbentStore
    public let clock: ProcessClock
    private let stopFlag = Atomic<Bool>(false)
    /// Each worker's counters, published now and then and after every GLPK solve (the final
    /// report is written while the workers may still be busy).
    private let statsBox = Mutex<[Int: SearchStats]>([:])
    private let phaseBox = Mutex<[(String, Double)]>([])
    private let instanceBox = Mutex<SolverInstance?>(nil)
    /// Per-node memory weights from worker 0's dual phase, for the other workers' soft phases.
    private let dualWeightsBox = Mutex<[Double]?>(nil)
    /// Worker 0's latest reduced costs in the dual, for the `dualRegion` neighbourhoods.
    private let dualHints = DualHints()
    /// Good solutions from every worker, for the `merge` neighbourhoods (set by `prepare()`).
    private let poolBox = Mutex<ElitePool?>(nil)

    public init(problem: Problem, options: SolverOptions, clock: ProcessClock, store: IncumbentStore) {
        self.problem = problem
        self.options = options
        self.clock = clock
        self.store = store
    }

    public var instance: SolverInstance? { instanceBox.withLock { $0 } }
    public var stats: SearchStats {
        var s = SearchStats()
        for (_, w) in statsBox.withLock({ $0 }) { s.add(w) }
        return s
    }
    public var phases: [(String, Double)] { phaseBox.withLock { $0 } }

    /// Whether worker 0 runs the dual phase (which also certifies bounds); known after `prepare()`.
    public var dualPhaseRuns: Bool {
        guard options.useDual, let inst = instance, inst.n > 1 else { return false }
        return DualPrimal.estimatedBytes(inst) <= DualPrimal.maxBytes
    }

    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    var shouldStop: Bool {
        stopFlag.load(ordering: .relaxed) || clock.seconds >= options.stopAt
    }

    private func phase(_ name: String, _ seconds: Double) {
        phaseBox.withLock { $0.append((name, seconds)) }
    }

    private func log(_ text: String) {
        if options.logProgress { Console.writeErr("# " + text + "\n") }
    }

    /// Reduces the instance and offers the minimum-usage solution. Returns false when the
    /// instance has no feasible solution.
    public func prepare() -> Bool {
        let t0 = clock.seconds
        let inst = Reducer.reduce(problem, options: options.reductions)
        instanceBox.withLock { $0 = inst }
        poolBox.withLock { $0 = ElitePool(nodes: inst.n) }
        phase("reduce", clock.seconds - t0)
        log("reduced: \(inst.stats)")
        if !inst.feasible { return false }
        let t1 = clock.seconds
        let start = SolverRun.minimumUsage(inst)
        store.offer(inst.postsolve(start), source: "min-usage")
        phase("start", clock.seconds - t1)
        return store.bestCost != nil
    }

    /// Per node the strategy of least unary cost, ties broken by usage.
    static func cheapestUnary(_ inst: SolverInstance) -> [Int32] {
        var x = [Int32](repeating: 0, count: inst.n)
        for i in 0 ..< inst.n {
            let o = Int(inst.off[i])
            var best = 0
            for s in 1 ..< Int(inst.k[i]) {
                let c = inst.unary[o + s], cb = inst.unary[o + best]
                if c < cb || (c == cb && inst.usage[o + s] < inst.usage[o + best]) { best = s }
            }
            x[i] = Int32(best)
        }
        return x
    }

    /// Per node the strategy of least usage, ties broken by unary cost.
    static func minimumUsage(_ inst: SolverInstance) -> [Int32] {
        var x = [Int32](repeating: 0, count: inst.n)
        for i in 0 ..< inst.n {
            let o = Int(inst.off[i])
            var best = 0
            for s in 1 ..< Int(inst.k[i]) {
                let u = inst.usage[o + s], ub = inst.usage[o + best]
                if u < ub || (u == ub && inst.unary[o + s] < inst.unary[o + best]) { best = s }
            }
            x[i] = Int32(best)
        }
        return x
    }

    /// Runs the workers on the calling thread plus `threads - 1` others; returns when all stop.
    public func search() {
        guard let inst = instance, inst.n > 0 else { return }
        let t0 = clock.seconds
        let threads = max(1, options.threads)
        let group = DispatchGroup()
        for w in 1 ..< threads {
            group.enter()
            DispatchQueue.global().async { [self] in
                worker(w, inst)
                group.leave()
            }
        }
        worker(0, inst)
        group.wait()
        phase("search", clock.seconds - t0)
    }

    private func worker(_ id: Int, _ inst: SolverInstance) {
        let seed = options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(id)
        // The shared incumbent, unless it uses a strategy the reductions removed.
        let start = store.snapshot.solution.flatMap { inst.presolve($0) } ?? SolverRun.minimumUsage(inst)
        let state = SearchState(inst, start)
        let memory = MemoryPolicy(nodes: inst.n)
        let ls = LocalSearch(state, seed: seed, memory: memory)
        let ve = EliminationMove(state, memory: memory)
        var rng = SeededRNG(seed: seed ^ 0xABCD)
        var local = SearchStats()
        // GLPK neighbourhoods on odd workers and the last one, not on worker 0 (dual and soft
        // phases, the main source of progress on large instances, measured slower with them:
        // benchmarks/LNS.md); exact mode (a small instance solved whole when the worker
        // stalls) on the last worker.
        let lastWorker = id == max(1, options.threads) - 1
        let pool = options.useMIP ? poolBox.withLock({ $0 }) : nil
        let lns = options.useMIP && (id % 2 == 1 || lastWorker)
            ? NeighbourhoodSearch(inst, exactMode: lastWorker, hints: dualPhaseRuns ? dualHints : nil, pool: pool) : nil
        var bestX = state.x
        var bestCost = state.feasible ? state.cost : Int128.max
        var lastOffer = -1.0
        var offeredCost = Int128.max
        /// What found `bestX`: the worker's own moves ("ls"), a GLPK neighbourhood or
        /// restricted model ("mip"), shown as the source of the store's progress lines.
        var bestSource = "ls\(id)"
        var iterations = 0
        var veSize = 16.0
        /// GLPK statistics of worker 0's restricted whole-instance solves.
        var restrictedStats = LNSStats()

        /// Makes this worker's counters so far visible to the final report.
        func publishStats() {
            var s = local
            s.treeMoves = ls.treeMoves
            s.treeImproved = ls.treeImproved
            s.oneOptMoves = ls.oneOptMoves
            s.rejectedMemory = ls.rejectedMemory + ve.rejectedMemory
            s.eliminationMoves = ve.attempts
            s.eliminationImproved = ve.improved
            s.eliminationTooWide = ve.tooWide
            s.lns = restrictedStats
            if let lns { s.lns.add(lns.stats) }
            statsBox.withLock { $0[id] = s }
        }

        func offerIfDue(force: Bool) {
            guard bestCost < offeredCost else { return }
            let now = clock.seconds
            // Offers are throttled, except in the last second, where a held-back improvement
            // could miss the answer.
            if !force && now - lastOffer < 0.2 && now < options.stopAt - 1 { return }
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
        /// The store's best solution in this instance's strategies, with its cost, when that
        /// cost is below `cost`.
        func sharedBest(below cost: Int128) -> (x: [Int32], cost: Int128)? {
            guard let c = store.bestCost, c < cost, let shared = store.snapshot.solution,
                  let sx = inst.presolve(shared) else { return nil }
            return (sx, c)
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
        var budgetChecks = 0
        /// Sticky: with the stop only looked at every 16th check, a loop that calls this once
        /// around inner loops that each end on a 16th check would never see it (search()
        /// never returned after a stop; the CLI exits on its own and hid it).
        var stopSeen = false
        func budgetLeft() -> Bool {
            if stopSeen { return false }
            if let cap = options.maxIterations, iterations >= cap { return false }
            budgetChecks &+= 1
            if budgetChecks & 15 != 0 { return true }
            if budgetChecks & 4095 == 0 { publishStats() }
            // A throttled improvement goes out once the throttle has passed, even when no
            // further improvement follows (worker 0 once held B's second-best answer for the
            // whole of its dual phase).
            offerIfDue(force: false)
            stopSeen = shouldStop
            return !stopSeen
        }
        // Hubs (many neighbours) only move with a star of their neighbours around them.
        let hubs = (0 ..< inst.n).filter { inst.adjOff[$0 + 1] - inst.adjOff[$0] > 64 }
        /// One block move (tree or elimination) around `root`.
        func step(_ root: Int) -> Bool {
            iterations += 1
            if !hubs.isEmpty && rng.below(20) == 0 {
                let h = hubs[rng.below(hubs.count)]
                let deg = Int(inst.adjOff[h + 1] - inst.adjOff[h])
                let saved = ls.maxWork
                ls.maxWork = max(saved, 4_000_000)
                defer { ls.maxWork = saved }
                return ls.treeMove(root: h, maxSize: deg + 1)
            }
            if rng.below(2) == 0 {
                let size = 4 + rng.below(rng.below(4) == 0 ? 400 : 60)
                return ls.treeMove(root: root, maxSize: size)
            }
            let size = max(2, Int(veSize * (0.5 + rng.unit())))
            let block = ve.ball(root: root, maxSize: size, maxDegree: 64, rng: &rng)
            let wide = ve.tooWide
            let moved = ve.run(block: block)
            if ve.tooWide > wide { veSize = max(4, veSize * 0.97) } else { veSize = min(150, veSize * 1.01) }
            return moved
        }

        let searchStart = clock.seconds
        ls.descend(stop: { self.shouldStop })
        noteBest()
        offerIfDue(force: true)
        let patience = max(200, min(inst.n / 2, 3000))
        let lambda0 = SolverRun.baseWeight(inst)
        var cycle = 0
        /// Block moves until `maxKicks` stagnations; each stagnation kicks a small region,
        /// sometimes after going back to the phase's best state.
        /// The end of a phase that may use `share` of what is left: a time, or (with a work
        /// limit, so that runs are deterministic) an iteration count.
        func phaseEnd(_ share: Double) -> (time: Double, iterations: Int) {
            if let cap = options.maxIterations {
                return (.infinity, iterations + max(64, Int(share * Double(max(0, cap - iterations)))))
            }
            let now = clock.seconds
            return (now + share * max(0, options.stopAt - now), Int.max)
        }
        func runPhase(maxKicks: Int, until end: (time: Double, iterations: Int) = (.infinity, Int.max)) {
            let deadline = end.time
            let soft = !memory.hard
            var phaseBestX = state.x
            var phaseBest = soft ? penalisedCost(inst, state, memory) : state.cost
            var idle = 0
            var kicks = 0
            while kicks < maxKicks && budgetLeft() {
                if iterations >= end.iterations || (iterations & 15 == 0 && clock.seconds > deadline) { break }
                // GLPK solves of neighbourhoods (memory rows included) in hard phases, about a
                // third of the worker's time (LNS.swift).
                if !soft, let lns, options.maxIterations == nil, iterations & 63 == 0,
                   case let searchSeconds = clock.seconds - searchStart,
                   case let regular = lns.due(searchSeconds: searchSeconds),
                   regular || lns.freshMergeDue(searchSeconds: searchSeconds) {
                    // Neighbourhoods of the best known solution: the final answer is almost
                    // always worker 0's (K: every run), so a solve on this worker's own, worse
                    // state rarely mattered.
                    let ownCost = state.cost
                    adoptSharedBest(below: state.cost)
                    let solves = lns.stats.solves
                    if lns.step(state: state, ownCost: ownCost, now: clock.seconds, stopAt: options.stopAt,
                                regular: regular, rng: &rng, stop: { self.shouldStop }) {
                        local.mipImproved += 1
                        if noteBest(byMIP: true) { idle = 0 }
                    }
                    local.mipCalls += lns.stats.solves - solves
                    publishStats()
                    if lns.stats.solves > solves { continue }
                }
                let moved = step(pickRoot(inst, state, &rng))
                let better = moved && noteBest()
                if better || (soft && moved) { idle = 0 } else { idle += 1 }
                if idle > patience {
                    idle = 0
                    kicks += 1
                    let current = soft ? penalisedCost(inst, state, memory) : state.cost
                    if current < phaseBest {
                        phaseBest = current
                        phaseBestX = state.x
                    } else if rng.below(2) == 0 {
                        if !soft, rng.below(2) == 0, let shared = store.snapshot.solution,
                           let sx = inst.presolve(shared) {
                            let sharedState = SearchState(inst, sx)
                            if sharedState.feasible && sharedState.cost < phaseBest {
                                phaseBest = sharedState.cost
                                phaseBestX = sx
                            }
                        }
                        state.reset(phaseBestX)
                        local.restarts += 1
                    }
                    if !soft { offerToPool() }
                    kick(inst, state, ls, &rng)
                    local.kicks += 1
                }
            }
        }

        // Worker 0 first follows the Lagrangian dual: its labellings, made to fit and polished,
        // are starts; its multipliers are the first memory prices.
        var dualWeights = false
        if id == 0 && options.useDual && inst.n > 1 && !dualPhaseRuns {
            log("dual phase skipped: it would need about \(DualPrimal.estimatedBytes(inst) >> 20) MB")
        }
        if id == 0 && dualPhaseRuns {
            let t0 = clock.seconds
            let dp = DualPrimal(inst)
            // Labellings further over the limit than this are not worth repairing.
            let dualOverloadLimit = 0.02
            let end = phaseEnd(options.dualShare)
            memory.hard = true
            memory.usePenalties = false
            // The dual's best state is also a certified lower bound (the same computation as
            // `iopddl bound`): certified now and then, for at most a tenth of the dual's time
            // (every 50 iterations under a work limit, so such runs stay deterministic).
            let nonNegative = problem.costsNonNegative
            var certifySeconds = 0.0
            var skippedLabellings = 0
            func certify() {
                guard !dp.dual.bestStateCertified else { return }
                let t = clock.seconds
                if let b = dp.dual.certifyBest(), let ob = originalBound(inst, reducedBound: b, nonNegative: nonNegative) {
                    store.offerBound(ob, source: "dual")
                }
                certifySeconds += clock.seconds - t
            }
            // Whole-instance GLPK solves restricted to the strategies the dual prices within a
            // share of the gap (`DualPrimal.restriction`): the share grows while the
            // restricted model is solved without an improvement and shrinks when it is too
            // large or times out. Not under a work limit (GLPK's time limits are not
            // deterministic).
            let restricted = options.useMIP && options.maxIterations == nil ? NeighbourhoodSearch(inst) : nil
            var restrictedSeconds = 0.0
            var restrictedShare = 0.02
            func restrictedSolve(_ rs: NeighbourhoodSearch) {
                let t = clock.seconds
                defer { restrictedSeconds += clock.seconds - t }
                // The store's best (usually worker 1's) starts the model when it is better, but
                // does not become this worker's own best: the phase after the dual starts from
                // worker 0's own polished labellings, which fit the dual's prices. (Adopting it
                // here, even when the model was then too large to solve, made worker 0's own
                // labellings count as no improvement and K 1.2% worse with GLPK than without,
                // seeds 4-6 at half scale.)
                let (start, startCost) = sharedBest(below: bestCost) ?? (bestX, bestCost)
                guard startCost < Int128.max else { return }
                let r = dp.restriction(incumbent: startCost, share: restrictedShare)
                guard r.gap >= 1 else { return }
                dualHints.publish(DualHints.Hint(dual: r.dual, reducedCost: r.rc))
                if r.columns > SolverRun.restrictedColumns {
                    restrictedShare = max(1e-4, restrictedShare / 2)
                    return
                }
                state.reset(start)
                let timeouts = rs.stats.restricted.timeouts
                let limit = min(0.1 * max(0, options.stopAt - t), max(1, 0.3 * (t - t0)))
                if rs.solveWhole(state: state, timeLimit: limit, mask: r.mask, better: { nil }, stop: { self.shouldStop }) {
                    noteBest(byMIP: true)
                    offerIfDue(force: true)
                } else if rs.stats.restricted.timeouts > timeouts {
                    restrictedShare = max(1e-4, restrictedShare / 2)
                } else {
                    restrictedShare = min(1, restrictedShare * 3)
                }
                restrictedStats = rs.stats
                publishStats()
                if options.debugChecks { log("dual it \(dp.dual.iterations): restricted solve, \(r.kept) strategies, \(r.columns) columns, share now \(restrictedShare), best \(bestCost)") }
            }
            while budgetLeft() && !store.provedOptimal {
                if iterations >= end.iterations || clock.seconds > end.time { break }
                if options.maxIterations != nil ? dp.dual.iterations % 50 == 0 : certifySeconds < 0.1 * dp.dualSeconds {
                    certify()
                }
                // Every 20 iterations while the whole restricted model may fit; once it has
                // proved too large at the least share, every 100 (the hints only: K spent 7%
                // of its dual phase on restrictions every 20 iterations).
                if let rs = restricted,
                   restrictedShare > 1e-3 ? dp.dual.iterations % 20 == 0 && restrictedSeconds < 0.3 * (clock.seconds - t0)
                                          : dp.dual.iterations % 100 == 0 {
                    restrictedSolve(rs)
                }
                // No incumbent as the Polyak target: early incumbents sit far above the optimum
                // and the steps then overshoot (B: the dual estimate fell to -1e9 with one).
                let a = clock.seconds
                if options.maxIterations == nil && dp.dual.iterations % 10 == 0 && dp.dualSeconds > 0 {
                    // The step halves after `patience` iterations without progress: about 12
                    // halvings over the phase (as quickBound; a fixed 15 iterations left G's
                    // bound at 193203 instead of 217039).
                    let rate = Double(dp.dual.iterations) / dp.dualSeconds
                    dp.dual.patience = min(1000, max(15, Int(rate * max(0, end.time - a) / 12)))
                }
                let fresh = dp.iterate()
                iterations += 50
                let b = clock.seconds
                let overload = fresh ? dp.labellingOverload() : 1
                if fresh && options.debugChecks { log("dual it \(dp.dual.iterations): overload \(formatFixed(overload, 4)) est \(formatFixed(dp.dual.estimate, 0)) step \(formatFixed(dp.dual.stepScale, 4))") }
                // Polishing takes at most about as long as the dual iterations (no time test
                // under a work limit, so that such runs stay deterministic).
                let polishDue = options.maxIterations != nil || dp.polishSeconds <= dp.dualSeconds + 1
                // A labelling over the limit is still taken after 5 skipped ones: with slowly
                // decaying steps the multipliers can oscillate for the whole phase (T: 589
                // iterations, no labelling within 2% of the limit).
                if fresh && overload >= dualOverloadLimit { skippedLabellings += 1 }
                if fresh && (overload < dualOverloadLimit || skippedLabellings >= 5) && polishDue {
                    skippedLabellings = 0
                    let fits = dp.loadLabelling(into: state, stop: { self.shouldStop })
                    if options.debugChecks { log("dual it \(dp.dual.iterations): labelling cost \(dp.lastLabellingCost) slack \(dp.lastLabellingSlack); repaired: fits \(fits) cost \(state.cost) min slack \(state.slack.globalMin) in \(formatFixed(clock.seconds - b, 2)) s") }
                    if fits {
                        ls.descend(stop: { self.shouldStop })
                        if options.debugChecks { log("dual it \(dp.dual.iterations): polished cost \(state.cost)") }
                        if noteBest() { dp.noteImprovement() }
                        offerToPool()
                    }
                }
                dp.addTimes(dual: b - a, polish: clock.seconds - b)
            }
            offerIfDue(force: true)
            if !shouldStop { certify() }
            local.dualIterations = dp.dual.iterations
            local.dualLabellings = dp.extractions
            local.dualImproved = dp.improvements
            log("dual phase (worker 0): \(dp.dual.iterations) iterations, \(dp.extractions) labellings polished, \(dp.improvements) improved, dual \(formatFixed(dp.dualSeconds, 2)) s, polish \(formatFixed(dp.polishSeconds, 2)) s, in \(formatFixed(clock.seconds - t0, 2)) s")
            if inst.hasMemory {
                dp.applyWeights(to: memory)
                dualWeights = true
                if options.shareDualWeights { dualWeightsBox.withLock { $0 = memory.weight } }
            }
            if bestCost < Int128.max { state.reset(bestX) }
        }

        // Workers differ: even ones start with a soft phase from the cheapest strategies, odd
        // ones first polish the minimum-usage start under hard memory.
        // A portfolio: even workers learn memory prices in frequent soft phases; odd workers
        // mostly search under hard memory with kicks, with an occasional soft phase.
        let softFirst = id % 2 == 0
        var lastOverload = 0.0
        while budgetLeft() {
            cycle += 1
            let soft = inst.hasMemory && (softFirst ? true : (cycle > 1 && (cycle == 2 || rng.below(3) == 0)))
            if soft {
                // Soft phase: memory priced by per-node weights, overflow allowed. The weights
                // learn across cycles (raised where the soft optimum overflows, decayed where
                // it fits), so the soft optimum drifts towards a feasible one; then a greedy
                // repair makes it fit and exact moves polish it.
                memory.hard = false
                memory.usePenalties = true
                if cycle > 2 && rng.below(2) == 0, let shared = store.snapshot.solution,
                   let sx = inst.presolve(shared) {
                    // Continue from the shared incumbent when it beats this worker's own best.
                    let sharedState = SearchState(inst, sx)
                    if sharedState.feasible && sharedState.cost < bestCost {
                        bestCost = sharedState.cost
                        bestX = sx
                        state.reset(sx)
                    }
                }
                if softFirst && !dualWeights && options.shareDualWeights, let shared = dualWeightsBox.withLock({ $0 }) {
                    // Worker 0's dual prices replace this price-learning worker's own weights
                    // once, from the best solution known. (Not for the hard-memory workers:
                    // on 2 cores, giving them these prices did not help: scale 0.33 on
                    // A, K, N, S, T, one run each, 4.92 vs 4.94 points.)
                    for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] { memory.setWeight(i, shared[i]) }
                    dualWeights = true
                    if let sol = store.snapshot.solution, let sx = inst.presolve(sol) {
                        let sharedState = SearchState(inst, sx)
                        if sharedState.feasible && sharedState.cost < bestCost {
                            bestCost = sharedState.cost
                            bestX = sx
                        }
                    }
                    state.reset(bestX)
                } else if (cycle == 1 || (cycle == 2 && !softFirst)) && !dualWeights {
                    // First soft phase: every memory node starts at the base price.
                    for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] { memory.setWeight(i, lambda0) }
                    state.reset(SolverRun.cheapestUnary(inst))
                    ls.descend(stop: { self.shouldStop })
                }
                // While the prices are far from fitting, soft phases are short so that they
                // converge in a few quick rounds.
                let converging = lastOverload > 0.1
                runPhase(maxKicks: cycle <= 2 ? 2 : 1,
                         until: phaseEnd(converging ? 0.1 : (cycle <= 2 ? 0.15 : 0.08)))
                if options.debugChecks { log("soft phase end: cost \(state.cost) feasible \(state.feasible) min slack \(state.slack.globalMin)") }
                lastOverload = updateWeights(inst, state, memory, lambda0)
                memory.hard = true
                memory.usePenalties = false
                if GreedyRepair.run(state, stop: { self.shouldStop }) {
                    ls.descend(stop: { self.shouldStop })
                    offerToPool()
                }
                if options.debugChecks { log("greedy repair: cost \(state.cost) feasible \(state.feasible)") }
                local.repairs += 1
                if !state.feasible { state.reset(bestX) }
                noteBest()
                memory.hard = true
                memory.usePenalties = false
            }
            // Hard phase: exact costs, memory never exceeded.
            if inst.hasMemory && softFirst {
                // No hard polish while the prices are still far off (after the first cycle).
                if lastOverload <= 0.1 || cycle == 1 { runPhase(maxKicks: 1, until: phaseEnd(0.12)) }
            } else {
                runPhase(maxKicks: 4)
            }
        }
        offerIfDue(force: true)
        publishStats()
    }

    /// Cost plus the memory penalties of the current assignment.
    private func penalisedCost(_ inst: SolverInstance, _ state: SearchState, _ memory: MemoryPolicy) -> Int128 {
        var c = state.cost
        for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] {
            c += Int128(memory.penalty(i, inst.usage[Int(inst.off[i]) + Int(state.x[i])]))
        }
        return c
    }

    /// Raises the weights of nodes in overloaded cliques (x4 or x1.5, at least `base`) and decays the
    /// others (x0.8), the contest winner's bracketing of per-node memory prices.
    /// Returns the worst overload (excess / capacity) of the state.
    @discardableResult
    private func updateWeights(_ inst: SolverInstance, _ state: SearchState, _ memory: MemoryPolicy, _ base: Double) -> Double {
        let slack = SearchState.computeSlack(inst, state.x)
        var prefix = [Int](repeating: 0, count: slack.count + 1)
        var worstRatio = 0.0
        for c in 0 ..< slack.count {
            prefix[c + 1] = prefix[c] + (slack[c] < 0 ? 1 : 0)
            if slack[c] < 0 { worstRatio = max(worstRatio, Double(-slack[c]) / Double(max(1, inst.capacity[c]))) }
        }
        // Far over the limit: raise fast; close to it: fine steps.
        let factor = worstRatio > 0.1 ? 4.0 : 1.5
        for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] {
            if prefix[Int(inst.cEnd[i])] > prefix[Int(inst.cFirst[i])] {
                memory.setWeight(i, max(memory.weight[i] * factor, base))
            } else {
                memory.setWeight(i, memory.weight[i] * 0.8)
            }
        }
        return worstRatio
    }

    /// Nodes whose cliques include one that is over its capacity.
    private func nodesInOverloadedCliques(_ inst: SolverInstance, _ state: SearchState) -> [Int] {
        let slack = SearchState.computeSlack(inst, state.x)
        var prefix = [Int](repeating: 0, count: slack.count + 1)
        for c in 0 ..< slack.count { prefix[c + 1] = prefix[c] + (slack[c] < 0 ? 1 : 0) }
        var out: [Int] = []
        for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] {
            if prefix[Int(inst.cEnd[i])] > prefix[Int(inst.cFirst[i])] { out.append(i) }
        }
        return out
    }

    /// A starting weight (cost per unit of usage): a tenth of the median ratio of a node's
    /// cost spread to its usage spread.
    /// Restricted whole-instance models (worker 0's dual phase) above this many columns are
    /// not built: B's whole reduced instance, 68,737 columns, takes GLPK 6-13 s.
    static let restrictedColumns = 40_000

    static func baseWeight(_ inst: SolverInstance) -> Double {
        var ratios: [Double] = []
        for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] {
            let o = Int(inst.off[i]), k = Int(inst.k[i])
            var cmin = Int64.max, cmax = Int64.min, umin = Int64.max, umax = Int64.min
            for s in 0 ..< k where inst.unary[o + s] < inst.infinite {
                cmin = min(cmin, inst.unary[o + s]); cmax = max(cmax, inst.unary[o + s])
                umin = min(umin, inst.usage[o + s]); umax = max(umax, inst.usage[o + s])
            }
            if umax > umin && cmax > cmin { ratios.append(Double(cmax - cmin) / Double(umax - umin)) }
        }
        if ratios.isEmpty { return 1e-6 }
        ratios.sort()
        return max(1e-12, ratios[ratios.count / 2] * 0.1)
    }

    /// Tournament choice: the node with the largest local cost among a few random ones.
    private func pickRoot(_ inst: SolverInstance, _ state: SearchState, _ rng: inout SeededRNG) -> Int {
        var best = rng.below(inst.n)
        if rng.below(3) == 0 { return best }
        var bestCost = localCost(inst, state, best)
        for _ in 0 ..< 3 {
            let c = rng.below(inst.n)
            let v = localCost(inst, state, c)
            if v > bestCost { best = c; bestCost = v }
        }
        return best
    }

    private func localCost(_ inst: SolverInstance, _ state: SearchState, _ i: Int) -> Int64 {
        let x = state.x
        let a = Int(x[i])
        var c = inst.unary[Int(inst.off[i]) + a]
        let lo = Int(inst.adjOff[i]), hi = Int(inst.adjOff[i + 1])
        if hi - lo > 64 { return c }
        for p in lo ..< hi { c = addCost(c, inst.slotCost(p, a, Int(x[Int(inst.adjOther[p])]))) }
        return c
    }

    /// Random strategies on a small connected region (only where memory allows).
    private func kick(_ inst: SolverInstance, _ state: SearchState, _ ls: LocalSearch, _ rng: inout SeededRNG) {
        let root = rng.below(inst.n)
        var region = [root]
        var seen: Set<Int> = [root]
        let target = 3 + rng.below(12)
        var head = 0
        while head < region.count && region.count < target {
            let t = region[head]
            head += 1
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                let w = Int(inst.adjOther[p])
                if seen.insert(w).inserted { region.append(w) }
                if region.count >= target { break }
            }
        }
        for i in region where inst.k[i] > 1 {
            let b = rng.below(Int(inst.k[i]))
            if inst.hasMemory && state.usageDelta(i, b) > state.nodeSlack(i) { continue }
            state.apply(i, b, state.delta(i, b))
        }
        for i in region { ls.treeMove(root: i, maxSize: 30) }
    }
}
