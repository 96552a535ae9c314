import GLPK
import Model

/// The whole reduced instance as a MIP for GLPK's branch-and-cut (`LocalPolytopeModel`). The
/// model is the problem restricted to finite solutions: its optimum equals the reduced optimum
/// whenever that is finite, which is the only case where the resulting bound is used (see
/// `originalBound`).
///
/// This is the one bound method that is NOT certified exactly: GLPK's claims are trusted up to
/// a margin. DESIGN.md records GLPK claiming "integer optimal" one unit above the true optimum
/// (a bound rounded up across an integer by a tiny float error). So a claimed bound `b` is
/// reported as `ceil(b - 1 - 1e-9 |b|)` (costs are integers: the optimum is >= that ceiling
/// whenever GLPK's error is at most 1 + 1e-9 |b|). "No solution with objective <= UB - 0.5"
/// (a cutoff row) is read as the bound `UB - 1` by the same rule.
enum MIPBound {
    struct Outcome {
        /// A bound on the reduced problem (without the constant), after the margin.
        var bound: Int128?
        var status: String
        var seconds: Double
        /// The best integer solution GLPK found (reduced local strategies), if any.
        var labelling: [Int32]?
    }

    /// GLPK's claimed bound `b` (objective units) with the safety margin, as an integer.
    static func safeBound(_ b: Double) -> Int128? {
        let v = (b - 1 - 1e-9 * abs(b)).rounded(.up)
        guard v.isFinite, abs(v) < 1e30 else { return nil }
        return Int128(v)
    }

    /// Solves until `timeLimit` seconds pass or `stop` returns true. `upperBound` (reduced
    /// units), if given, becomes a cutoff row `objective <= upperBound - 0.5`.
    static func solve(_ inst: SolverInstance, timeLimit: Double, upperBound: Int128?,
                      stop: @escaping () -> Bool) -> Outcome {
        let t0 = MonotonicClock.seconds()
        func outcome(_ b: Int128?, _ status: String, _ x: [Int32]? = nil) -> Outcome {
            Outcome(bound: b, status: status, seconds: MonotonicClock.seconds() - t0, labelling: x)
        }
        let n = inst.nodeCount
        let model: LocalPolytopeModel
        do {
            model = try LocalPolytopeModel(inst, DualLayout(inst))
        } catch {
            return outcome(nil, error.description)
        }
        let xCol = model.xCol
        let r: MIPResult
        do {
            let mip = MIPProblem(direction: .minimise)
            try mip.addColumns(model.columns)
            try mip.addRows(model.rows)
            try mip.setObjectiveConstant(Double(model.constant))
            var o = MIPOptions(timeLimit: max(0.1, timeLimit), absoluteGap: 0.999, presolve: false, shouldStop: stop)
            if let ub = upperBound { o.objectiveCutoff = Double(ub) - 0.5 }
            r = try mip.solveMIP(o)
        } catch {
            return outcome(nil, "GLPK error: \(error)")
        }
        var labelling: [Int32]? = nil
        if let values = r.values {
            var x = [Int32](repeating: 0, count: n)
            for i in 0 ..< n {
                for s in 0 ..< Int(inst.strategyCount[i]) where xCol[Int(inst.strategyStart[i]) + s] >= 0 && values[xCol[Int(inst.strategyStart[i]) + s]] > 0.5 {
                    x[i] = Int32(s)
                }
            }
            labelling = x
        }
        let text = r.stopReason.map { "\(r.status) (\($0))" } ?? "\(r.status)"
        switch r.status {
        case .infeasible:
            // With a cutoff: nothing at most UB - 0.5 exists (up to GLPK's tolerances).
            if let ub = upperBound, let b = safeBound(Double(ub)) {
                return outcome(b, "no solution below the upper bound (\(text))", labelling)
            }
            return outcome(nil, text)
        case .optimal, .feasible, .noSolutionFound:
            return outcome(r.bestBound.flatMap(safeBound), "\(text), GLPK bound \(r.bestBound.map { formatFixed($0, 2) } ?? "none")", labelling)
        case .unbounded, .failed:
            return outcome(nil, "\(text) \(r.message ?? "")")
        }
    }
}
