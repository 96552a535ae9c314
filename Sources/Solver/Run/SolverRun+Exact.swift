import GLPK
import Model

// The proof search beside the workers on small reduced instances: the complete search, then
// the branch and bound on dual certificates and, on a thread of its own beside it (GLPK
// allowed, at most `lpBranchMaxNodes` reduced nodes), the branch and bound on the LP to the
// end of the run. Each starts from the store's best and adopts every better solution the
// workers find; when one completes, the best cost is proved optimal (the bound meets the cost
// and the run stops).

extension SolverRun {
    /// Share of the time to the workers' stop that the search may use: it takes a core from the
    /// workers, and a search that has not completed by then rarely does (benchmarks/EXACT.md).
    static let exactTimeShare = 0.25
    /// Of that time, the share the complete search (`ExactSearch`) gets before the branch and
    /// bound on dual certificates (`DualBranchAndBound`) takes over: the complete search
    /// proves what it can prove within about a second, the dual branch and bound closes the
    /// instances whose relaxation is within a few units of the optimum
    /// (benchmarks/EXACT.md, "Branch and bound on dual certificates").
    static let exactSearchShare = 0.1
    /// Reduced instances with at most this many nodes also get the branch and bound on the LP
    /// (`proveByLP`, to the end of the run) once the complete search stops unproved: the LP's
    /// size grows with the edge tables, and GLPK's root LP already takes minutes on a few
    /// hundred nodes with 30 strategies each (benchmarks/EXACT.md).
    static let lpBranchMaxNodes = 1000

    /// Whether the exact search runs on `inst`: asked for, not under a work limit (its offers
    /// would make such runs depend on the clock), and small enough (`ExactSearch.fits`).
    func exactSearchFits(_ inst: SolverInstance) -> Bool {
        options.useExact && options.maxIterations == nil && inst.feasible && ExactSearch.fits(inst)
    }

    /// Runs `ExactSearch` on `inst` until it completes, the run stops, or its part of the
    /// share is used; offers what it finds and, on completion, the optimum as the bound. If it
    /// stops unproved, `proveByBranching` has the rest of the share, and `proveByLP` (where it
    /// runs) the rest of the run on another thread.
    func proveExactly(_ inst: SolverInstance) {
        let t0 = clock.seconds
        let end = t0 + SolverRun.exactTimeShare * max(0, options.stopAt - t0)
        let deadline = t0 + SolverRun.exactSearchShare * (end - t0)
        var seen = -1
        // The store's best, once per improvement (nil when it uses a strategy the reductions
        // removed, or when nothing is new).
        let feed: () -> [Int32]? = { [self] in
            let snap = store.snapshot
            guard snap.improvements != seen, let s = snap.solution else { return nil }
            seen = snap.improvements
            return inst.presolve(s)
        }
        let result = ExactSearch(inst).run(
            incumbent: feed(), deadline: deadline, clock: clock,
            stop: { [self] in stopRequested },
            onImprove: { [self] x, _ in _ = store.offer(inst.postsolve(x), source: "exact") },
            incumbentFeed: feed)
        switch result {
        case .optimal(let x, _):
            if let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: x) {
                _ = store.offer(solution, source: "exact")
                _ = store.offerBound(cost, source: "exact")
                log("exact: optimum \(cost) proved in \(formatFixed(clock.seconds - t0, 2)) s")
            } else {
                log("exact: the reduced optimum says nothing of the original (costs not known to be non-negative)")
            }
        case .infeasible:
            log("exact: no assignment of the reduced instance fits the memory")
        case .unknown(_, let nodes):
            log("exact: stopped after \(nodes) search nodes, \(formatFixed(clock.seconds - t0, 2)) s, nothing proved")
            if !stopRequested {
                // The branch and bound on the LP, where it runs, starts now on a thread of its
                // own, beside the one on dual certificates: each proves, within the run, small
                // instances that the other does not (benchmarks/EXACT.md, "The LP search
                // beside the dual branches").
                if lpBranchRuns(inst) { DetachedThread.start { [self] in proveByLP(inst, until: options.stopAt) } }
                proveByBranching(inst, until: end)
            }
        }
        phase("exact", clock.seconds - t0)
    }

    /// `DualBranchAndBound` until `end`, proving the store's best optimal: it follows the
    /// store's improvements, and on completion offers the optimum (or, when the last
    /// improvement came from elsewhere than an assignment it holds, the proved bound).
    func proveByBranching(_ inst: SolverInstance, until end: Double) {
        let t0 = clock.seconds
        let feed = storeFeed(inst)
        // Only finite costs (the dual's optimiser caps infinite terms, see `BoundRun.runBranch`).
        guard let (x0, c0) = feed(), c0 < Int128(inst.infiniteUnit) else { return }
        let search = DualBranchAndBound(inst)
        // The root starts from worker 0's best dual state when there is one (far ahead of
        // the root's own few hundred iterations).
        let result = search.run(upperBound: c0, incumbent: x0, rootState: dualState.state, deadline: end, clock: clock,
                                stop: { [self] in stopRequested }, incumbentFeed: feed)
        let seconds = formatFixed(clock.seconds - t0, 2)
        switch result {
        case .complete(let lower, let best):
            if let best, inst.storedCost(best) == lower,
               let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: best) {
                _ = store.offer(solution, source: "branch")
                _ = store.offerBound(cost, source: "branch")
                log("branch: optimum \(cost) proved in \(seconds) s, \(search.branches) branches")
            } else if let b = originalBound(inst, reducedBound: lower, nonNegative: problem.costsNonNegative) {
                _ = store.offerBound(b, source: "branch")
                log("branch: nothing costs less than \(b) (\(seconds) s, \(search.branches) branches)")
            }
        case .stopped(let branches, let lower):
            // The least bound of the open branches (usually above the root's certificate,
            // which the bound thread has offered already).
            if let lower, let b = originalBound(inst, reducedBound: lower, nonNegative: problem.costsNonNegative) {
                _ = store.offerBound(b, source: "branch")
                log("branch: stopped after \(branches) branches, \(seconds) s; the open branches cost at least \(b)")
            } else {
                log("branch: stopped after \(branches) branches, \(seconds) s, nothing proved")
            }
        }
    }

    /// Whether `proveByLP` runs on `inst` (beside the dual branch and bound): GLPK allowed and
    /// at most `lpBranchMaxNodes` reduced nodes.
    func lpBranchRuns(_ inst: SolverInstance) -> Bool {
        options.useMIP && inst.nodeCount <= SolverRun.lpBranchMaxNodes
    }

    /// The store's best as an assignment of `inst` and its cost, once per improvement (nil when
    /// nothing is new or it uses a strategy the reductions removed).
    func storeFeed(_ inst: SolverInstance) -> () -> (x: [Int32], cost: Int128)? {
        var seen = -1
        return { [self] in
            let snap = store.snapshot
            guard snap.improvements != seen, let s = snap.solution, let x = inst.presolve(s) else { return nil }
            seen = snap.improvements
            return (x, inst.storedCost(x))
        }
    }

    /// `LPBranchAndBound` until `end`, proving the store's best optimal where the dual branch
    /// and bound stopped unproved: its branches' bounds are their LPs' exact optima, which
    /// close the gaps that binding memory leaves in the dual (benchmarks/EXACT.md, "Branch and
    /// bound on the LP"). Each rise of its certified bound is offered as it comes.
    func proveByLP(_ inst: SolverInstance, until end: Double) {
        let t0 = clock.seconds
        let feed = storeFeed(inst)
        guard let (x0, c0) = feed(), c0 < Int128(inst.infiniteUnit) else { return }
        let search = LPBranchAndBound(inst)
        let nonNegative = problem.costsNonNegative
        let result = search.run(upperBound: c0, incumbent: x0, deadline: end, now: { [self] in clock.seconds },
                                stop: { [self] in stopRequested }, incumbentFeed: feed,
                                onBound: { [self] lower in
                                    if let b = originalBound(inst, reducedBound: lower, nonNegative: nonNegative) {
                                        _ = store.offerBound(b, source: "lpbranch")
                                    }
                                })
        GLPKEnvironment.releaseCurrentThread()
        let seconds = formatFixed(clock.seconds - t0, 2)
        let root = search.statistics(base: inst.base)
        switch result {
        case .complete(let lower, let best):
            if let best, inst.storedCost(best) == lower,
               let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: best) {
                _ = store.offer(solution, source: "lpbranch")
                _ = store.offerBound(cost, source: "lpbranch")
                log("lpbranch: optimum \(cost) proved in \(seconds) s (\(root)\(search.branches) branches)")
            } else if let b = originalBound(inst, reducedBound: lower, nonNegative: nonNegative) {
                _ = store.offerBound(b, source: "lpbranch")
                log("lpbranch: nothing costs less than \(b) (\(seconds) s, \(root)\(search.branches) branches)")
            }
        case .stopped(let lower, _):
            if let lower, let b = originalBound(inst, reducedBound: lower, nonNegative: nonNegative) {
                _ = store.offerBound(b, source: "lpbranch")
                log("lpbranch: stopped after \(seconds) s (\(root)\(search.branches) branches); the open branches cost at least \(b)")
            } else {
                log("lpbranch: stopped after \(seconds) s before the root LP was solved")
            }
        case .failed(let why):
            log("lpbranch: \(why)")
        }
    }
}
