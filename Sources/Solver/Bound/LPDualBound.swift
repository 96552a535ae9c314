import GLPK
import Model

/// The LP relaxation of the reduced instance (local polytope + clique knapsack rows), solved
/// by GLPK in its DUAL form, so that the solution is a dual point (messages and multipliers)
/// whose bound `DualCertificate.evaluate` recomputes exactly. GLPK's tolerances can only make
/// that point slightly suboptimal, never the certified bound invalid.
///
/// Columns: one free column per message entry `m[e,i](s)` (layout order), `h_i` and `g_e`
/// free, `mu_c >= 0`, and `M_i` (free) for nodes with cliques. Maximise
/// `sum h_i + sum g_e - sum cap_c mu_c` subject to
///   `h_i - sum_{e at i} m[e,i](s) - usage_i(s) M_i <= unary_i(s)`   per node and strategy,
///   `g_e + m[e,u](a) + m[e,v](b) <= table_e(a, b)`                   per edge and finite pair,
///   `M_i - sum_{c in i's range} mu_c = 0`.
/// Infinite terms get no row (as if they were +infinity): the certificate still uses their
/// stored values, so this only matters for GLPK's choice of the point.
///
/// GLPK problems are confined to the calling thread; `solve` builds and frees its own.
enum LPDualBound {
    struct Outcome {
        var point: DualPoint?
        var status: String
        var seconds: Double
        var columns = 0
        var rows = 0
    }

    static func solve(_ inst: SolverInstance, _ layout: DualLayout, timeLimit: Double) -> Outcome {
        let t0 = MonotonicClock.seconds()
        func outcome(_ point: DualPoint?, _ status: String, _ cols: Int = 0, _ rows: Int = 0) -> Outcome {
            Outcome(point: point, status: status, seconds: MonotonicClock.seconds() - t0, columns: cols, rows: rows)
        }
        let n = inst.nodeCount, edges = inst.edgeCount
        let memory = inst.hasMemory
        let cliques = memory ? inst.cliqueCount : 0
        let mc = layout.messageCount
        let hCol = mc, gCol = mc + n, muCol = mc + n + edges
        var mCol = [Int](repeating: -1, count: n)
        var columnCount = muCol + cliques
        if memory {
            for i in 0 ..< n where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
                mCol[i] = columnCount
                columnCount += 1
            }
        }
        var columns = [Column](repeating: Column(bounds: .free), count: columnCount)
        for i in 0 ..< n { columns[hCol + i].objective = 1 }
        for e in 0 ..< edges { columns[gCol + e].objective = 1 }
        for c in 0 ..< cliques {
            columns[muCol + c] = Column(bounds: .lower(0), objective: -Double(inst.capacity[c]))
        }
        var rows = SparseRows()
        let inf = inst.infiniteUnit
        do {
            var cols: [Int] = []
            var vals: [Double] = []
            for i in 0 ..< n {
                let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
                let allInfinite = !(0 ..< k).contains { inst.unary[o + $0] < inf }
                for s in 0 ..< k where inst.unary[o + s] < inf || allInfinite {
                    cols.removeAll(keepingCapacity: true)
                    vals.removeAll(keepingCapacity: true)
                    cols.append(hCol + i)
                    vals.append(1)
                    for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                        cols.append(layout.msgOff[p] + s)
                        vals.append(-1)
                    }
                    if mCol[i] >= 0 && inst.usage[o + s] != 0 {
                        cols.append(mCol[i])
                        vals.append(-Double(inst.usage[o + s]))
                    }
                    try rows.append(.upper(Double(inst.unary[o + s])), columns: cols, values: vals)
                }
            }
            for e in 0 ..< edges {
                let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
                let ku = Int(inst.strategyCount[u]), kv = Int(inst.strategyCount[v])
                let base = inst.edgeOff[e]
                let ou = layout.msgOff[layout.slotU[e]], ov = layout.msgOff[layout.slotV[e]]
                let allInfinite = !(base ..< base + ku * kv).contains { inst.edgeCost[$0] < inf }
                for a in 0 ..< ku {
                    for b in 0 ..< kv where inst.edgeCost[base + a * kv + b] < inf || allInfinite {
                        try rows.append(.upper(Double(inst.edgeCost[base + a * kv + b])),
                                        columns: [gCol + e, ou + a, ov + b], values: [1, 1, 1])
                    }
                }
            }
            for i in 0 ..< n where mCol[i] >= 0 {
                cols.removeAll(keepingCapacity: true)
                vals.removeAll(keepingCapacity: true)
                cols.append(mCol[i])
                vals.append(1)
                for c in Int(inst.cliqueFirst[i]) ..< Int(inst.cliqueEnd[i]) {
                    cols.append(muCol + c)
                    vals.append(-1)
                }
                try rows.append(.fixed(0), columns: cols, values: vals)
            }
        } catch {
            return outcome(nil, "model construction failed: \(error)")
        }
        do {
            let lp = MIPProblem(direction: .maximise)
            try lp.addColumns(columns)
            try lp.addRows(rows)
            let r = try lp.solveLP(timeLimit: max(0.1, timeLimit), presolve: false, method: .dualThenPrimal)
            guard r.status == .optimal, let values = r.values, values.count == columnCount else {
                return outcome(nil, "\(r.status)\(r.message.map { " " + $0 } ?? "")", columnCount, rows.count)
            }
            let point = DualPoint(messages: Array(values[0 ..< mc]),
                                  mu: Array(values[muCol ..< muCol + cliques]))
            return outcome(point, "optimal (GLPK objective \(r.objective.map { formatFixed($0, 2) } ?? "?"))",
                           columnCount, rows.count)
        } catch {
            return outcome(nil, "GLPK error: \(error)", columnCount, rows.count)
        }
    }
}
