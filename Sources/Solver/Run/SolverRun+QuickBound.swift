import Model

// The solve command's certified lower bound: a short Lagrangian run (`quickBound`) beside the
// search, on its own thread, so the final report can state a bound and a gap. Kept apart from
// `Driver.swift`: it only reads the reduced instance and talks to the incumbent store.

extension SolverRun {
    /// The default bound budget for a run with `timeout` seconds: 3% of it, at most 5 s.
    public static func defaultBoundSeconds(timeout: Double) -> Double { min(5, 0.03 * timeout) }

    /// Largest estimated memory of the solve's bound (bytes).
    static let boundMemoryLimit = 1 << 30

    /// Rough bytes the Lagrangian dual of `inst` allocates: three Double copies of every edge
    /// table entry plus messages and exact certificate arrays (measured +173 MB on T, whose
    /// reduced instance has 5.4M entries and 536k strategies).
    func boundMemoryEstimate(_ inst: SolverInstance) -> Int {
        32 * inst.edgeOff[inst.edgeCount] + 64 * Int(inst.off[inst.n])
    }

    /// Bounds the reduced instance for at most `seconds` (and never past the search's stop
    /// time) on the calling thread, offering every certified improvement to the store. Call
    /// after `prepare()`; the search threads are not touched. Stops early when the search
    /// stops or the incumbent is proved optimal.
    public func computeBound(seconds: Double) {
        guard seconds > 0, let inst = instance, inst.feasible else { return }
        // The dual keeps Double copies of the edge tables (about 32 bytes per table entry on T,
        // measured); past a gigabyte the bound would risk the run's memory, not worth a gap line.
        let estimate = boundMemoryEstimate(inst)
        if estimate > Self.boundMemoryLimit {
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
