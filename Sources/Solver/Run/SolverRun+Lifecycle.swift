import Dispatch
import Model
import Synchronization

// The whole run: the early answer, the reduction and the workers beside the clock, the
// optional bound thread, the stop at the answer time or as soon as the best cost is proved
// optimal, and the final report.

extension SolverRun {
    /// Seconds between the workers' stop time (`SolverOptions.stopAt`) and the answer time:
    /// time to let the workers return, check the answer and print it.
    public static let stopLead = 0.1

    /// Runs the solver and returns its report, at `answerAt` (seconds since process start) at
    /// the latest, earlier when a bound proves the best cost optimal, when every worker used
    /// its work limit, or after `requestStop()`.
    ///
    /// Small reduced instances also get a complete search on one extra thread
    /// (`proveExactly`).
    ///
    /// First the minimum-usage solution, which is feasible if any solution is, goes to the
    /// store and to `onStart` (so that an early answer exists); when it is infeasible the
    /// report says so at once. Then reduction and search run on other threads, plus a
    /// certified bound on its own thread for `boundSeconds` (nil: none when worker 0's dual
    /// phase certifies bounds or under a work limit, else `defaultBoundSeconds(timeout:)`).
    ///
    /// The store is closed when the report is made; `report(stopReason:)` can make it
    /// earlier from another thread (e.g. on a signal).
    public func run(answerAt: Double, timeout: Double, boundSeconds: Double?,
                    onStart: (_ solution: [Int]) -> Void) -> SolverReport {
        let done = DispatchSemaphore(value: 0)
        store.whenOptimal { [self] in
            requestStop()
            done.signal()
        }
        // Work-limited runs stay independent of the clock: no bound unless asked for.
        let defaultBound = options.maxIterations == nil ? SolverRun.defaultBoundSeconds(timeout: timeout) : 0
        let start = problem.minimumUsageSolution()
        if !store.offer(start, source: "min-usage") {
            var report = report(stopReason: .infeasible)
            let peak = (try? Evaluator.evaluate(problem, start).peakUsage).map { String($0) } ?? "?"
            report.infeasibility = "even the minimum usages peak at \(peak), above the usage limit \(problem.usageLimit.map(String.init) ?? "")"
            return report
        }
        onStart(start)
        // When the search returned: before the solver's own stop time only under a work limit.
        let searchEnded = Mutex<Double?>(nil)
        DispatchQueue.global().async { [self] in
            if prepare() {
                // Worker 0's dual phase certifies bounds itself; the extra thread is for runs
                // without it. It is not in Dispatch's pool, which the workers fill.
                let budget = boundSeconds ?? (dualPhaseRuns ? 0 : defaultBound)
                if budget > 0 { DetachedThread.start { [self] in computeBound(seconds: budget) } }
                if let inst = instance, exactSearchFits(inst) {
                    // Nothing to search when the reductions fixed every node: proved at once,
                    // before `search()` returns and the report is made.
                    if inst.nodeCount == 0 {
                        proveExactly(inst)
                    } else {
                        DetachedThread.start { [self] in proveExactly(inst) }
                    }
                }
                search()
            }
            let t = clock.seconds
            searchEnded.withLock { $0 = t }
            done.signal()
        }
        let wait = min(1e8, answerAt - clock.seconds)
        if wait > 0 { _ = done.wait(timeout: .now() + .nanoseconds(Int(wait * 1e9))) }
        let stoppedFromOutside = stopRequested
        requestStop()
        let early = searchEnded.withLock { $0 }.map { $0 < options.stopAt } ?? false
        let reason: SolverReport.StopReason = store.provedOptimal ? .optimal
            : stoppedFromOutside ? .stopRequest
            : options.maxIterations != nil && early ? .workLimit : .time
        return report(stopReason: reason)
    }

    /// Closes the store (later offers are refused) and reports its final state, the answer
    /// checked once more by the independent evaluator, and the counters and phase times so
    /// far (workers may still be busy). Safe to call from any thread, more than once.
    public func report(stopReason: SolverReport.StopReason) -> SolverReport {
        let snap = store.close()
        var check = SolverReport.EvaluatorCheck.none
        var solution: [Int]? = nil
        if let s = snap.solution {
            if let ev = try? Evaluator.evaluate(problem, s), ev.feasible, ev.cost == snap.cost {
                check = .passed
                solution = s
            } else {
                check = .failed
            }
        }
        let status: SolverReport.Status = solution == nil
            ? (stopReason == .infeasible ? .infeasible : .noSolution)
            : (snap.provedOptimal ? .optimal : .feasible)
        let st = stats
        let gap: Double? = snap.cost.flatMap { c in snap.bound.map { SolverReport.gap(cost: c, bound: $0) } }
        return SolverReport(
            status: status, stopReason: stopReason, endedAt: clock.seconds,
            bestCost: snap.cost, bestSource: snap.cost == nil ? nil : snap.source,
            bestFoundAt: snap.cost == nil ? nil : snap.foundAt,
            bound: snap.bound, boundSource: snap.bound == nil ? nil : snap.boundSource,
            gapPercent: gap, improvements: snap.improvements, history: snap.history,
            boundHistory: snap.bounds.history, evaluatorCheck: check, solution: solution,
            infeasibility: nil, counters: st, lns: st.lns.lines,
            phases: phases.map { SolverReport.Phase(name: $0.0, seconds: $0.1) })
    }
}
