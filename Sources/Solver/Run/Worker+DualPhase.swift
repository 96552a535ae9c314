import Model

/// Worker 0's dual phase: it follows the Lagrangian dual (`DualPrimal`). The dual's
/// labellings, made to fit and polished, are starts; its multipliers become the memory prices
/// of worker 0 and of the other price-learning workers; its best state is certified as a
/// lower bound now and then; and (with GLPK, without a work limit) whole-instance models
/// restricted to the strategies the dual prices near the optimum are solved.
extension Worker {
    /// The dual phase's own clock and schedules.
    struct DualPhase {
        let dualPrimal: DualPrimal
        let t0: Double
        let end: (time: Double, iterations: Int)
        /// Whether every cost is non-negative (lets the bound be moved to the original problem).
        let nonNegative: Bool
        /// Solver of the restricted whole-instance models (nil without GLPK or under a work
        /// limit: GLPK's time limits are not deterministic).
        let restricted: NeighbourhoodSearch?
        var certifySeconds = 0.0
        var skippedLabellings = 0
        var restrictedSeconds = 0.0
        /// Share of the gap within which the dual's reduced costs keep a strategy in the
        /// restricted model: it grows while the model is solved without an improvement and
        /// shrinks when it is too large or times out.
        var restrictedShare = Tuning.restrictedShareStart
        /// When the phase last improved this worker's best (its start, before any).
        var improvedAt: Double
        /// The least cost of a polished labelling since then (`Int128.max`: none fitted).
        var closestSince = Int128.max
        /// Polished labellings repaired by GLPK (`repairIfPromising`), how many of them lost
        /// every infinite term, and the seconds it took.
        var repairs = 0, repairsFinite = 0, repairSeconds = 0.0

        /// Whether `cost` lies within `dualYieldMargin` of `reference` (the run's best). No
        /// cost (`Int128.max`) is near anything; every cost is near when there is no best yet.
        static func isNear(_ cost: Int128, reference: Int128) -> Bool {
            guard cost < Int128.max else { return false }
            guard reference < Int128.max else { return true }
            return Double(cost) <= Double(reference) * (1 + Tuning.dualYieldMargin)
        }

        /// The yield rule of large instances: the phase has not come near the run's best
        /// (`reference`) for more than `after` seconds (`waited`), none of its polished
        /// labellings since came near it (`closestSince`, the least of their costs), and its
        /// multipliers have settled (step scale at most `dualYieldStepScale`). Without the last
        /// condition the phase yielded on S before its prices paid; measuring against worker
        /// 0's own best instead of the run's kept K's and N's phases going long after their
        /// prices would pay (benchmarks/LNS.md, "The dual phase yields once its multipliers
        /// have settled").
        static func yields(waited: Double, after: Double, closestSince: Int128, reference: Int128, stepScale: Double) -> Bool {
            waited > after && !isNear(closestSince, reference: reference) && stepScale <= Tuning.dualYieldStepScale
        }

        /// The phase has just improved the worker's best.
        mutating func improved(at now: Double) {
            improvedAt = now
            closestSince = Int128.max
        }
    }

    func runDualPhase() {
        let t0 = clock.seconds
        let dualPrimal = DualPrimal(inst)
        var phase = DualPhase(dualPrimal: dualPrimal, t0: t0, end: phaseEnd(options.dualShare),
                              nonNegative: solver.problem.costsNonNegative,
                              restricted: options.useMIP && options.maxIterations == nil ? NeighbourhoodSearch(inst) : nil,
                              improvedAt: t0)
        // On large instances the phase yields to the other phases when it does not pay
        // (`DualPhase.yields`): its labellings have not come near the run's best for a while
        // and its multipliers have settled, so that worker 0's soft phases start from prices
        // that pay. (Where memory binds almost everywhere, as on M, the labellings stay
        // within a fraction of a percent and break through late: the phase goes on there.)
        let mayYield = options.maxIterations == nil && inst.nodeCount > Tuning.dualYieldMinNodes
        // On small instances a stalled dual polishes its best state (`PolishOnStall`), as
        // `iopddl bound`'s runs do: there its bound decides proofs. Not under a work limit
        // (the polish follows the clock).
        let polishes = options.maxIterations == nil && inst.nodeCount <= Tuning.dualPolishMaxNodes
        let yieldAfter = Tuning.dualYieldShare * solver.span
        memory.hard = true
        memory.usePenalties = false
        let end = phase.end
        while budgetLeft() && !store.provedOptimal {
            if iterations >= end.iterations || clock.seconds > end.time { break }
            if mayYield && DualPhase.yields(waited: clock.seconds - phase.improvedAt, after: yieldAfter,
                                            closestSince: phase.closestSince, reference: yieldReference,
                                            stepScale: dualPrimal.dual.stepScale) {
                solver.log("dual phase yields at \(formatFixed(clock.seconds, 2)) s: no improvement for \(formatFixed(clock.seconds - phase.improvedAt, 2)) s, step \(formatFixed(dualPrimal.dual.stepScale, 4))")
                break
            }
            // The dual's best state is also a certified lower bound (the same computation as
            // `iopddl bound`): certified now and then, for at most a share of the dual's time
            // (every `certifyInterval` iterations under a work limit, so such runs stay
            // deterministic).
            if options.maxIterations != nil ? dualPrimal.dual.iterations % Tuning.certifyInterval == 0
                : phase.certifySeconds < Tuning.certifyTimeShare * dualPrimal.dualSeconds {
                certify(&phase)
            }
            // Every `restrictedInterval` iterations while the whole restricted model may fit;
            // once it has proved too large at the least share, every `restrictedHintInterval`
            // (the hints only: frequent restrictions cost a noticeable share of the phase).
            if let restricted = phase.restricted,
               phase.restrictedShare > Tuning.restrictedShareSmall
                ? dualPrimal.dual.iterations % Tuning.restrictedInterval == 0
                    && phase.restrictedSeconds < Tuning.restrictedTimeShare * (clock.seconds - t0)
                : dualPrimal.dual.iterations % Tuning.restrictedHintInterval == 0 {
                restrictedSolve(restricted, &phase)
            }
            // No incumbent as the Polyak target: early incumbents sit far above the optimum
            // and the steps then overshoot.
            let a = clock.seconds
            if options.maxIterations == nil && dualPrimal.dual.iterations % Tuning.patienceUpdateInterval == 0 && dualPrimal.dualSeconds > 0 {
                // The step halves after `patience` iterations without progress, spread over
                // the phase's time left (`dualPhaseHalvings` of them).
                let rate = Double(dualPrimal.dual.iterations) / dualPrimal.dualSeconds
                dualPrimal.dual.patience = LagrangianDual.patience(iterationsPerSecond: rate, secondsLeft: end.time - a,
                                                           halvings: Tuning.dualPhaseHalvings)
            }
            let fresh = dualPrimal.iterate(now: polishes ? clock.seconds : nil)
            iterations += Tuning.dualIterationWork
            let b = clock.seconds
            let overload = fresh ? dualPrimal.labellingOverload() : 1
            if fresh && options.debugChecks { solver.log("dual it \(dualPrimal.dual.iterations): overload \(formatFixed(overload, 4)) est \(formatFixed(dualPrimal.dual.estimate, 0)) step \(formatFixed(dualPrimal.dual.stepScale, 4))") }
            // Polishing takes at most about as long as the dual iterations (no time test
            // under a work limit, so that such runs stay deterministic).
            let polishDue = options.maxIterations != nil || dualPrimal.polishSeconds <= dualPrimal.dualSeconds + Tuning.polishLeadSeconds
            // A labelling over the limit is still taken after `maxSkippedLabellings` skipped ones.
            if fresh && overload >= Tuning.dualOverloadLimit { phase.skippedLabellings += 1 }
            if fresh && (overload < Tuning.dualOverloadLimit || phase.skippedLabellings >= Tuning.maxSkippedLabellings) && polishDue {
                phase.skippedLabellings = 0
                let fits = dualPrimal.loadLabelling(into: state, stop: stop)
                if options.debugChecks { solver.log("dual it \(dualPrimal.dual.iterations): labelling cost \(dualPrimal.lastLabellingCost) slack \(dualPrimal.lastLabellingSlack); repaired: fits \(fits) cost \(state.cost) min slack \(state.slack.globalMin) in \(formatFixed(clock.seconds - b, 2)) s") }
                if fits {
                    localSearch.descend(stop: stop)
                    if let restricted = phase.restricted { repairIfPromising(restricted, &phase) }
                    if options.debugChecks { solver.log("dual it \(dualPrimal.dual.iterations): polished cost \(state.cost)") }
                    let improvedOwnBest = noteBest()
                    if improvedOwnBest { dualPrimal.noteImprovement() }
                    // Only a labelling that improves the worker's best to near the run's best
                    // makes the phase pay: beating worker 0's own best while the other workers'
                    // best lies far lower (N: labellings 3-40% above it for 70 s) is no
                    // progress of the run.
                    if improvedOwnBest && DualPhase.isNear(state.cost, reference: yieldReference) {
                        phase.improved(at: clock.seconds)
                    } else {
                        // Any other labelling counts by its finite part (one left with infinite
                        // terms too): while those parts stay near or below the best, the
                        // labellings are in a cheaper region that repairs can reach, so the
                        // phase goes on.
                        phase.closestSince = min(phase.closestSince, inst.infiniteSplit(state.cost).finite)
                    }
                    offerToPool()
                }
            }
            dualPrimal.addTimes(dual: b - a, polish: clock.seconds - b)
        }
        offerIfDue(force: true)
        // The prices the later phases work with are the dual's last multipliers, taken before
        // the final polish (which returns to the best state's).
        if inst.hasMemory {
            dualPrimal.applyWeights(to: memory)
            dualWeights = true
            solver.shareDualWeights(memory.weight)
        }
        let polished = polishes || options.maxIterations != nil ? nil : finalPolish(dualPrimal)
        if !solver.shouldStop { certify(&phase) }
        local.dualIterations = dualPrimal.dual.iterations
        local.dualLabellings = dualPrimal.extractions
        local.dualImproved = dualPrimal.improvements
        local.dualRepairs = phase.repairs
        local.dualRepairsFinite = phase.repairsFinite
        let repaired = phase.repairs > 0 ? ", \(phase.repairs) repaired by GLPK (\(phase.repairsFinite) made finite, \(formatFixed(phase.repairSeconds, 2)) s)" : ""
        let finalPolishNote = polished.map { ", final polish \(formatFixed($0.before, 0)) -> \(formatFixed($0.after, 0)) in \(formatFixed($0.seconds, 2)) s" } ?? ""
        solver.log("dual phase (worker 0): \(dualPrimal.dual.iterations) iterations, \(dualPrimal.extractions) labellings polished\(repaired), \(dualPrimal.improvements) improved, dual \(formatFixed(dualPrimal.dualSeconds, 2)) s, polish \(formatFixed(dualPrimal.polishSeconds, 2)) s\(finalPolishNote), in \(formatFixed(clock.seconds - t0, 2)) s")
        if bestCost < Int128.max { state.reset(bestX) }
    }

    /// On large instances the phase ends with the dual's best state unpolished: each
    /// iteration passes messages once and then moves the multipliers, so the messages lag
    /// them. Before the final certificate, message passing at the best state's multipliers
    /// (`LagrangianDual.startPolish`) until the estimate stops rising or
    /// `finalPolishShare` of the run's span has passed raises the bound the run reports
    /// (benchmarks/BOUNDS.md, "the solve's dual polishes at the end of its phase"). Returns
    /// the dual estimates before and after (reduced units) and the seconds taken.
    func finalPolish(_ dualPrimal: DualPrimal) -> (before: Double, after: Double, seconds: Double)? {
        guard !solver.shouldStop, dualPrimal.dual.bestEstimate.isFinite else { return nil }
        let t = clock.seconds
        let until = min(t + Tuning.finalPolishShare * solver.span, options.stopAt)
        // (Its time is reported on its own, not in the phase's dual seconds.)
        let (before, after) = dualPrimal.polishBestState(until: until, now: { clock.seconds }, stop: { solver.shouldStop })
        return (before, after, clock.seconds - t)
    }

    /// The run's best, against which the dual phase measures its labellings: the lower of
    /// this worker's best and the store's (the other workers' bests, in the same units: the
    /// store's cost of a worker's solution is its cost here).
    var yieldReference: Int128 { min(bestCost, store.bestCost ?? Int128.max) }

    /// A polished labelling that still holds a few infinite terms (at most
    /// `repairMaxInfinite`: forbidden pairs that no move of the local search leaves) but whose
    /// finite part is below the worker's best is repaired by GLPK windows around those terms
    /// (`NeighbourhoodSearch.repairInfinite`), then polished again. Where half of the pairs are
    /// forbidden, the dual's labellings land in the cheap region with a handful of such terms,
    /// while the search's own states sit in a far dearer basin (benchmarks/LNS.md, "Repairing
    /// the dual's labellings").
    func repairIfPromising(_ rs: NeighbourhoodSearch, _ phase: inout DualPhase) {
        let (terms, finitePart) = inst.infiniteSplit(state.cost)
        // (No best yet is `Int128.max`, which is not a cost to split.)
        let bestHasInfinite = bestCost == Int128.max || inst.infiniteSplit(bestCost).terms >= 1
        guard terms >= 1, terms <= Tuning.repairMaxInfinite, bestHasInfinite || finitePart < bestCost else { return }
        let t = clock.seconds
        let finite = rs.repairInfinite(state: state, rounds: Tuning.repairRounds, firstSize: Tuning.repairFirstSize,
                                       timeLimit: NeighbourhoodSearch.windowTimeLimit(now: t, stopAt: options.stopAt),
                                       rng: &rng, stop: stop)
        localSearch.descend(stop: stop)
        phase.repairs += 1
        if finite { phase.repairsFinite += 1 }
        phase.repairSeconds += clock.seconds - t
        if options.debugChecks { solver.log("dual it \(phase.dualPrimal.dual.iterations): repaired \(terms) infinite terms -> cost \(state.cost) in \(formatFixed(clock.seconds - t, 2)) s") }
    }

    /// Certifies the dual's best state (once per state) and offers the bound, moved to the
    /// original problem, to the store.
    func certify(_ phase: inout DualPhase) {
        guard !phase.dualPrimal.dual.bestStateCertified else { return }
        let t = clock.seconds
        if let b = phase.dualPrimal.dual.certifyBest(),
           let ob = originalBound(inst, reducedBound: b, nonNegative: phase.nonNegative) {
            store.offerBound(ob, source: "dual")
            // The proof search's branch and bound starts its root from it.
            if solver.exactSearchFits(inst) { solver.dualState.offer(phase.dualPrimal.dual.bestState, bound: b) }
        }
        phase.certifySeconds += clock.seconds - t
    }

    /// A whole-instance GLPK solve restricted to the strategies the dual prices within
    /// `restrictedShare` of the gap (`DualPrimal.restriction`); also publishes the dual's
    /// reduced costs as hints for the `dual-region` neighbourhoods.
    func restrictedSolve(_ rs: NeighbourhoodSearch, _ phase: inout DualPhase) {
        let dualPrimal = phase.dualPrimal
        let t = clock.seconds
        defer { phase.restrictedSeconds += clock.seconds - t }
        // The store's best (usually worker 1's) starts the model when it is better, but does
        // not become this worker's own best: the phase after the dual starts from worker 0's
        // own polished labellings, which fit the dual's prices (adopting it here made worker
        // 0's own labellings count as no improvement, benchmarks/LNS.md).
        let (start, startCost) = sharedBest(below: bestCost) ?? (bestX, bestCost)
        guard startCost < Int128.max else { return }
        let r = dualPrimal.restriction(incumbent: startCost, share: phase.restrictedShare)
        guard r.gap >= 1 else { return }
        solver.dualHints.publish(DualHints.Hint(dual: r.dual, reducedCost: r.rc))
        if r.columns > Tuning.restrictedColumns {
            phase.restrictedShare = max(Tuning.restrictedShareMin, phase.restrictedShare / 2)
            return
        }
        state.reset(start)
        let timeouts = rs.stats.restricted.timeouts
        let limit = min(Tuning.restrictedSolveRestShare * max(0, options.stopAt - t),
                        max(Tuning.restrictedSolveMinSeconds, Tuning.restrictedSolvePhaseShare * (t - phase.t0)))
        if rs.solveWhole(state: state, timeLimit: limit, mask: r.mask, better: { nil }, stop: stop) {
            if noteBest(byMIP: true) { phase.improved(at: clock.seconds) }
            offerIfDue(force: true)
        } else if rs.stats.restricted.timeouts > timeouts {
            phase.restrictedShare = max(Tuning.restrictedShareMin, phase.restrictedShare / 2)
        } else {
            phase.restrictedShare = min(1, phase.restrictedShare * Tuning.restrictedShareGrowth)
        }
        restrictedStats = rs.stats
        publishStats()
        if options.debugChecks { solver.log("dual it \(dualPrimal.dual.iterations): restricted solve, \(r.kept) strategies, \(r.columns) columns, share now \(phase.restrictedShare), best \(bestCost)") }
    }
}
