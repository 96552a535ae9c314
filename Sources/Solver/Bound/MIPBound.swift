import GLPK
import Model

/// The whole reduced instance as a MIP for GLPK's branch-and-cut: the local-polytope model of
/// DESIGN.md (`x[i,s]` binary, `y[e,a,b] >= 0` for finite pairs with both marginal rows) plus
/// one knapsack row per group of cliques with the same live nodes (the smallest capacity).
/// Strategies and pairs with infinite terms get no column, so the model is the problem
/// restricted to finite solutions: its optimum equals the reduced optimum whenever that is
/// finite, which is the only case where the resulting bound is used (see `originalBound`).
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
        let inf = inst.infiniteUnit
        let n = inst.nodeCount
        var columns: [Column] = []
        var xCol = [Int](repeating: -1, count: inst.unary.count)
        var constant: Int128 = 0
        var rows = SparseRows()
        do {
            for i in 0 ..< n {
                let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
                var lo = Int64.max
                for s in 0 ..< k where inst.unary[o + s] < inf { lo = min(lo, inst.unary[o + s]) }
                if lo == Int64.max { return outcome(nil, "node \(i) has only infinite strategies") }
                constant += Int128(lo)
                var cols: [Int] = []
                for s in 0 ..< k where inst.unary[o + s] < inf {
                    xCol[o + s] = columns.count
                    cols.append(columns.count)
                    columns.append(.binary(objective: Double(inst.unary[o + s] - lo)))
                }
                try rows.append(.fixed(1), columns: cols, values: [Double](repeating: 1, count: cols.count))
            }
            for e in 0 ..< inst.edgeCount {
                let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
                let ku = Int(inst.strategyCount[u]), kv = Int(inst.strategyCount[v])
                let ou = Int(inst.strategyStart[u]), ov = Int(inst.strategyStart[v])
                let base = inst.edgeOff[e]
                var lo = Int64.max
                for a in 0 ..< ku where xCol[ou + a] >= 0 {
                    for b in 0 ..< kv where xCol[ov + b] >= 0 && inst.edgeCost[base + a * kv + b] < inf {
                        lo = min(lo, inst.edgeCost[base + a * kv + b])
                    }
                }
                if lo == Int64.max { return outcome(nil, "edge \(e) has only infinite pairs") }
                constant += Int128(lo)
                var byA = [[Int]](repeating: [], count: ku)
                var byB = [[Int]](repeating: [], count: kv)
                for a in 0 ..< ku where xCol[ou + a] >= 0 {
                    for b in 0 ..< kv where xCol[ov + b] >= 0 && inst.edgeCost[base + a * kv + b] < inf {
                        byA[a].append(columns.count)
                        byB[b].append(columns.count)
                        columns.append(Column(objective: Double(inst.edgeCost[base + a * kv + b] - lo)))
                    }
                }
                // sum_b y[a,b] = x[u,a]; a strategy without finite partners is forced to 0.
                for a in 0 ..< ku where xCol[ou + a] >= 0 {
                    try rows.append(.fixed(0), columns: byA[a] + [xCol[ou + a]],
                                    values: [Double](repeating: 1, count: byA[a].count) + [-1])
                }
                for b in 0 ..< kv where xCol[ov + b] >= 0 {
                    try rows.append(.fixed(0), columns: byB[b] + [xCol[ov + b]],
                                    values: [Double](repeating: 1, count: byB[b].count) + [-1])
                }
            }
            if inst.hasMemory { try addKnapsackRows(inst, xCol, &rows) }
        } catch {
            return outcome(nil, "model construction failed: \(error)")
        }
        let r: MIPResult
        do {
            let mip = MIPProblem(direction: .minimise)
            try mip.addColumns(columns)
            try mip.addRows(rows)
            try mip.setObjectiveConstant(Double(constant))
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

    /// One row per maximal run of cliques with the same live nodes (the smallest capacity of
    /// the run), usages shifted by each node's least usage; rows that cannot bind are left out.
    private static func addKnapsackRows(_ inst: SolverInstance, _ xCol: [Int], _ rows: inout SparseRows) throws(GLPKError) {
        let kc = inst.cliqueCount
        var boundary = [Bool](repeating: false, count: kc + 1)
        var members = [[Int]](repeating: [], count: kc)
        var minUse = [Int64](repeating: 0, count: inst.nodeCount)
        var maxUse = [Int64](repeating: 0, count: inst.nodeCount)
        for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            boundary[Int(inst.cliqueFirst[i])] = true
            boundary[Int(inst.cliqueEnd[i])] = true
            var lo = Int64.max, hi = Int64.min
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) where xCol[s] >= 0 {
                lo = min(lo, inst.usage[s]); hi = max(hi, inst.usage[s])
            }
            minUse[i] = lo
            maxUse[i] = hi
        }
        // Segments of the clique axis between boundaries have the same live nodes; each is
        // named by its first clique.
        var first = [Int](repeating: -1, count: kc)
        var s0 = 0
        for x in 0 ..< kc {
            if boundary[x] { s0 = x }
            first[x] = s0
        }
        var segCap = [Int64](repeating: Int64.max, count: kc)
        for x in 0 ..< kc { segCap[first[x]] = min(segCap[first[x]], inst.capacity[x]) }
        for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] && maxUse[i] > minUse[i] {
            var x = Int(inst.cliqueFirst[i])
            while x < Int(inst.cliqueEnd[i]) {
                members[first[x]].append(i)
                x += 1
                while x < Int(inst.cliqueEnd[i]) && first[x] == first[x - 1] { x += 1 }
            }
        }
        // Base load (least usages) per segment, including nodes whose usage cannot vary.
        let baseLoad = inst.cliqueLoads { i in minUse[i] }
        for x in 0 ..< kc where first[x] == x && !members[x].isEmpty {
            let rhs = segCap[x] - baseLoad[x]
            var cols: [Int] = []
            var vals: [Double] = []
            var most: Int64 = 0
            for i in members[x] {
                most += maxUse[i] - minUse[i]
                for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) where xCol[s] >= 0 && inst.usage[s] > minUse[i] {
                    cols.append(xCol[s])
                    vals.append(Double(inst.usage[s] - minUse[i]))
                }
            }
            if most <= rhs { continue }
            try rows.append(.upper(Double(rhs)), columns: cols, values: vals)
        }
    }
}
