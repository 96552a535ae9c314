import Model

// The solve command's certified lower bound: a short Lagrangian run (`quickBound`) beside the
// search, on its own thread, so the final report can state a bound and a gap. Kept apart from
// SolverRun.swift: it only reads the reduced instance and talks to the incumbent store.

extension SolverRun {
    /// Share of the timeout the default bound budget takes...
    static let boundTimeShare = 0.03
    /// ... at most this many seconds (the bound thread competes with the workers for the cores).
    static let boundMaxSeconds = 5.0

    /// The default bound budget for a run with `timeout` seconds.
    public static func defaultBoundSeconds(timeout: Double) -> Double { min(boundMaxSeconds, boundTimeShare * timeout) }

    /// Bounds the reduced instance for at most `seconds` (and never past the search's stop
    /// time) on the calling thread, offering every certified improvement to the store. Call
    /// after `prepare()`; the search threads are not touched. Stops early when the search
    /// stops or the incumbent is proved optimal.
    public func computeBound(seconds: Double) {
        guard seconds > 0, let inst = instance, inst.feasible else { return }
        let estimate = LagrangianDual.estimatedBytes(inst)
        if estimate > quickBoundMaxBytes {
            if options.logProgress {
                Console.writeErr("# bound: skipped, the dual would need about \(estimate >> 20) MiB\n")
            }
            return
        }
        let t0 = clock.seconds
        let budget = min(seconds, options.stopAt - t0)
        guard budget > 0 else { return }
        let store = self.store
        let b = quickBound(inst, seconds: budget, costsNonNegative: problem.costsNonNegative,
                   stop: { [self] in shouldStop || store.provedOptimal }) { b in
            store.offerBound(b, source: "lagrange")
        }
        if options.logProgress {
            Console.writeErr("# bound: lagrange for \(formatFixed(clock.seconds - t0, 2)) s, certified \(b.map(String.init) ?? "none")\n")
        }
    }
}
