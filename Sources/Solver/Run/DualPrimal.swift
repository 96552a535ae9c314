/// A primal heuristic driven by the Lagrangian dual of the bound (`LagrangianDual`): its
/// message passing solves the memory-priced pairwise problem far better than greedy moves,
/// and its clique multipliers are memory prices learned by subgradient steps. Every few
/// iterations the decoded labelling is taken as a start, made to fit memory and polished by
/// exact local search; the multipliers become the per-node weights of the soft phases.
///
/// Meant for instances where memory binds at almost every clique, where price learning by
/// doubling and halving converges slowly (measurements: benchmarks/BOUNDS.md, "The solve's
/// dual phase"). Not thread-safe: one per worker.
final class DualPrimal {
    let inst: SolverInstance
    let dual: LagrangianDual
    /// Labellings taken as starts, and how many of those gave a new best.
    private(set) var extractions = 0
    private(set) var improvements = 0
    /// Seconds spent in dual iterations and in making labellings fit and polishing them.
    private(set) var dualSeconds = 0.0
    private(set) var polishSeconds = 0.0
    private var lastLabellingIteration = -1
    private(set) var lastLabellingCost: Int128 = 0
    private(set) var lastLabellingSlack: Int64 = 0

    /// Bytes the dual takes (`LagrangianDual.estimatedBytes`).
    static func estimatedBytes(_ inst: SolverInstance) -> Int { LagrangianDual.estimatedBytes(inst) }

    /// The dual phase is skipped above this estimate. 2 GiB: the phase is worker 0's main
    /// method (its labellings, prices and the run's bound), worth more memory than the
    /// optional extra bound thread (`quickBoundMaxBytes`); every contest instance needs
    /// under 250 MB.
    static let maxBytes = 2 << 30

    /// Polishes the dual's best state when it stops rising (only when `iterate` gets the time).
    private var stall: PolishOnStall?

    init(_ inst: SolverInstance) {
        self.inst = inst
        dual = LagrangianDual(inst)
    }

    /// One dual iteration (message passes and a multiplier step); returns true when it decoded
    /// a new labelling (every `LagrangianDual.labellingInterval` iterations). `now` (the
    /// run's clock; nil under a work limit, whose runs must not depend on the clock) lets a
    /// stalled dual polish its best state, as `iopddl bound`'s runs do.
    func iterate(now: Double? = nil) -> Bool {
        dual.iterate()
        if let now {
            if stall == nil { stall = PolishOnStall(started: now) }
            stall?.check(dual, now: now)
        }
        dual.stepMultipliers()
        let fresh = dual.iterations % LagrangianDual.labellingInterval == 1 && dual.iterations != lastLabellingIteration
        if fresh { lastLabellingIteration = dual.iterations }
        return fresh
    }

    /// Puts the last decoded labelling into `state`, repaired to fit memory. Returns false
    /// when the repair fails (the state is then not feasible).
    func loadLabelling(into state: SearchState, stop: () -> Bool) -> Bool {
        extractions += 1
        state.reset(dual.labelling)
        lastLabellingCost = state.cost
        lastLabellingSlack = state.slack.globalMin
        if !state.feasible { GreedyRepair.run(state, stop: stop) }
        return state.feasible
    }

    func noteImprovement() { improvements += 1 }

    /// The strategies whose reduced cost in the dual is at most `share` of the gap between
    /// `incumbent` (a search-state cost) and the dual value, as a mask per strategy slot, with
    /// the number of kept strategies and the columns a whole-instance model over them would
    /// have (strategies plus kept pairs). With `share` 1 and exact arithmetic the mask keeps
    /// every strategy of every solution cheaper than the incumbent (reduced-cost fixing);
    /// smaller shares keep what the dual prefers.
    func restriction(incumbent: Int128, share: Double) -> (mask: [Bool], kept: Int, columns: Int, gap: Double, dual: Double, rc: [Double]) {
        let (d, rc) = dual.reducedCosts()
        let (mask, gap) = DualPrimal.keep(inst, reducedCost: rc, dual: d, cost: incumbent, share: share)
        var kept = 0
        var alive = [Int](repeating: 0, count: inst.nodeCount)
        for i in 0 ..< inst.nodeCount {
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) where mask[s] { alive[i] += 1 }
            kept += alive[i]
        }
        var columns = kept
        for e in 0 ..< inst.edgeCount { columns += alive[Int(inst.edgeU[e])] * alive[Int(inst.edgeV[e])] }
        return (mask, kept, columns, gap, d, rc)
    }

    /// Per strategy slot, whether its reduced cost `rc` lies within `share` of the gap between
    /// a search-state `cost` and the dual value `dual`; and that gap. Shared by the restricted
    /// whole solves and the `dualRegion` neighbourhoods.
    static func keep(_ inst: SolverInstance, reducedCost rc: [Double], dual d: Double, cost: Int128, share: Double) -> (mask: [Bool], gap: Double) {
        // The dual value excludes the instance's constant and offset (`base`); costs include them.
        let gap = max(0, Double(cost - inst.base) - d)
        // A little slack for the floating-point sums (about 1e-16 relative per term).
        let limit = share * gap + 1e-9 * max(1, abs(d))
        return (rc.map { $0 <= limit }, gap)
    }

    /// Largest overload of the last decoded labelling relative to its clique's capacity
    /// (0 when it fits).
    func labellingOverload() -> Double {
        let over = dual.overload(dual.labelling)
        var worst = 0.0
        for c in 0 ..< over.count where over[c] > 0 {
            worst = max(worst, Double(over[c]) / Double(max(1, inst.capacity[c])))
        }
        return worst
    }

    /// Polishes the best state once (`LagrangianDual.startPolish`: message passing at its
    /// multipliers, which never lowers the best estimate) until the polish ends by itself,
    /// `now()` reaches `deadline` or `stop()` holds. Returns the best estimate before and
    /// after. The solve calls it at the end of worker 0's dual phase (`Worker.finalPolish`).
    func polishBestState(until deadline: Double, now: () -> Double, stop: () -> Bool = { false }) -> (before: Double, after: Double) {
        let before = dual.bestEstimate
        dual.startPolish()
        while dual.polishing && now() < deadline && !stop() { dual.iterate() }
        return (before, dual.bestEstimate)
    }

    func addTimes(dual d: Double, polish p: Double) {
        dualSeconds += d
        polishSeconds += p
    }

    /// Per-node memory weights (cost per unit of usage) from the multipliers: a node's price
    /// is the sum of its cliques' multipliers, which is exactly the Lagrangian penalty.
    func applyWeights(to memory: MemoryPolicy) {
        guard inst.hasMemory else { return }
        let mu = dual.mu
        var prefix = [Double](repeating: 0, count: mu.count + 1)
        for c in 0 ..< mu.count { prefix[c + 1] = prefix[c] + max(0, mu[c]) }
        for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            memory.setWeight(i, prefix[Int(inst.cliqueEnd[i])] - prefix[Int(inst.cliqueFirst[i])])
        }
    }
}
