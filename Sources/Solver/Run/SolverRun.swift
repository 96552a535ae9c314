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
    /// A complete search (`ExactSearch`) on one extra thread when the reduced instance is small
    /// (`SolverRun.exactSearchFits`); when it completes, the best cost is proved optimal.
    public var useExact = true

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
public struct SearchStats: Sendable, Codable {
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
    /// Dual labellings repaired by GLPK windows around their infinite terms, and how many of
    /// them lost every such term (`Worker.repairIfPromising`).
    public var dualRepairs = 0
    public var dualRepairsFinite = 0
    /// Per-neighbourhood GLPK statistics (`NeighbourhoodSearch`); not encoded (`LNSStats`
    /// is not `Codable`): the report carries their lines.
    public var lns = LNSStats()

    private enum CodingKeys: String, CodingKey {
        case treeMoves, treeImproved, oneOptMoves, rejectedMemory, eliminationMoves, eliminationImproved,
             eliminationTooWide, kicks, repairs, mipCalls, mipImproved, restarts, dualIterations,
             dualLabellings, dualImproved, dualRepairs, dualRepairsFinite
    }

    public init() {}

    mutating func add(_ o: SearchStats) {
        dualIterations += o.dualIterations
        dualLabellings += o.dualLabellings
        dualImproved += o.dualImproved
        dualRepairs += o.dualRepairs
        dualRepairsFinite += o.dualRepairsFinite
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

/// Runs the search: reductions, the minimum-usage start, then local-search workers (`Worker`)
/// that share the incumbent store until `stopAt`. `run(answerAt:timeout:boundSeconds:onStart:)`
/// (SolverRun+Lifecycle.swift) runs all of it and returns a `SolverReport`.
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
    /// Worker 0's best certified dual state, kept for the branch and bound's root when the
    /// proof search runs on the reduced instance (`exactSearchFits`).
    let dualState = BestDualState()
    /// Worker 0's latest reduced costs in the dual, for the `dualRegion` neighbourhoods.
    let dualHints = DualHints()
    /// Good solutions from every worker, for the `merge` neighbourhoods (set by `prepare()`).
    private let poolBox = Mutex<ElitePool?>(nil)

    public init(problem: Problem, options: SolverOptions, clock: ProcessClock, store: IncumbentStore) {
        self.problem = problem
        self.options = options
        self.clock = clock
        self.store = store
        startedAt = clock.seconds
    }

    /// When the run was made (seconds on its clock, which counts from process start).
    let startedAt: Double
    /// The time the run was given: from its making to `stopAt`. Shares of it set the stall
    /// thresholds (in the CLI the run is made right after loading, so this is about the timeout).
    var span: Double { max(0, options.stopAt - startedAt) }

    public var instance: SolverInstance? { instanceBox.withLock { $0 } }
    public var stats: SearchStats {
        var s = SearchStats()
        for (_, w) in statsBox.withLock({ $0 }) { s.add(w) }
        return s
    }
    public var phases: [(String, Double)] { phaseBox.withLock { $0 } }

    /// Whether worker 0 runs the dual phase (which also certifies bounds); known after `prepare()`.
    public var dualPhaseRuns: Bool {
        guard options.useDual, let inst = instance, inst.nodeCount > 1 else { return false }
        return DualPrimal.estimatedBytes(inst) <= DualPrimal.maxBytes
    }

    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    /// Whether `requestStop()` was called.
    var stopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    var shouldStop: Bool {
        stopFlag.load(ordering: .relaxed) || clock.seconds >= options.stopAt
    }

    /// Seconds a stall must last before the workers react (`WorkerTuning.stallShare` of the
    /// run's `span`).
    var stallSeconds: Double { WorkerTuning.stallShare * span }

    /// Whether the search has stalled: the store's best has not improved for `stallSeconds`.
    /// Never under a work limit (the clock would make such runs nondeterministic).
    var stalled: Bool {
        guard options.maxIterations == nil, let at = store.improvedAt else { return false }
        return clock.seconds - at > stallSeconds
    }

    func phase(_ name: String, _ seconds: Double) {
        phaseBox.withLock { $0.append((name, seconds)) }
    }

    /// Makes worker `id`'s counters so far visible to `stats`.
    func publish(_ stats: SearchStats, worker id: Int) {
        statsBox.withLock { $0[id] = stats }
    }

    /// The elite pool (set by `prepare()`).
    var pool: ElitePool? { poolBox.withLock { $0 } }

    /// Worker 0's per-node memory weights after its dual phase, once it has ended.
    var sharedDualWeights: [Double]? { dualWeightsBox.withLock { $0 } }

    func shareDualWeights(_ weights: [Double]) {
        dualWeightsBox.withLock { $0 = weights }
    }

    func log(_ text: String) {
        if options.logProgress { Console.writeErr("# " + text + "\n") }
    }

    /// Reduces the instance and offers the minimum-usage solution. Returns false when the
    /// instance has no feasible solution.
    public func prepare() -> Bool {
        let t0 = clock.seconds
        let inst = Reducer.reduce(problem, options: options.reductions)
        instanceBox.withLock { $0 = inst }
        poolBox.withLock { $0 = ElitePool(nodes: inst.nodeCount) }
        phase("reduce", clock.seconds - t0)
        log("reduced: \(inst.stats)")
        if !inst.feasible { return false }
        let t1 = clock.seconds
        let start = SolverRun.minimumUsage(inst)
        store.offer(inst.postsolve(start), source: "min-usage")
        phase("start", clock.seconds - t1)
        return store.bestCost != nil
    }

    /// Per node the strategy of least usage, ties broken by unary cost.
    static func minimumUsage(_ inst: SolverInstance) -> [Int32] {
        leastPerNode(inst, by: inst.usage, then: inst.unary)
    }

    /// Per node the first strategy of least `key`, ties broken by least `tie` (both flat,
    /// indexed like `unary`).
    static func leastPerNode(_ inst: SolverInstance, by key: [Int64], then tie: [Int64]) -> [Int32] {
        var x = [Int32](repeating: 0, count: inst.nodeCount)
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i])
            var best = 0
            for s in 1 ..< Int(inst.strategyCount[i]) {
                let u = key[o + s], ub = key[o + best]
                if u < ub || (u == ub && tie[o + s] < tie[o + best]) { best = s }
            }
            x[i] = Int32(best)
        }
        return x
    }

    /// Runs the workers on the calling thread plus `threads - 1` others; returns when all stop.
    public func search() {
        guard let inst = instance, inst.nodeCount > 0 else { return }
        let t0 = clock.seconds
        let threads = max(1, options.threads)
        let group = DispatchGroup()
        for w in 1 ..< threads {
            group.enter()
            DispatchQueue.global().async { [self] in
                Worker(w, run: self, instance: inst).run()
                group.leave()
            }
        }
        Worker(0, run: self, instance: inst).run()
        group.wait()
        phase("search", clock.seconds - t0)
    }
}
