import GLPK
import Model

/// The whole reduced instance as a linear model for GLPK: the local-polytope model of
/// DESIGN.md (`x[i,s]` binary, `y[e,a,b] >= 0` for finite pairs with both marginal rows) plus
/// one knapsack row per group of cliques with the same live nodes (the smallest capacity).
/// Strategies and pairs with infinite terms get no column, so the model is the problem
/// restricted to finite solutions. Unary and pair costs are shifted by each node's and edge's
/// least finite term (`constant`), usages by each node's least usage.
///
/// Used whole as a MIP (`MIPBound`) and as the LP of `LPBranchAndBound`, which also reads the
/// rows' duals back as a dual point of `DualCertificate` (`dualPoint`): the marginal rows'
/// duals are the messages, the knapsack rows' the clique multipliers.
struct LocalPolytopeModel {
    struct ModelError: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var columns: [Column] = []
    private(set) var rows = SparseRows()
    /// The objective's constant (reduced units): the shifts of the unary and pair terms.
    private(set) var constant: Int128 = 0
    /// Column of `x[i,s]` per strategy of the reduced instance (-1: infinite unary term, or excluded).
    private(set) var xCol: [Int]
    /// Row of each message entry's marginal constraint (`DualLayout` order; -1: none, the
    /// strategy has no column).
    private(set) var messageRow: [Int]
    /// Each knapsack row and the clique whose multiplier it prices (the least capacity of its
    /// group).
    private(set) var knapsack: [(row: Int, clique: Int)] = []
    /// Each edge's least finite pair term, by which its pair columns' costs are shifted.
    private(set) var edgeShift: [Int64]
    /// Pair columns in the model (the rest of `columns` are the strategies').
    private(set) var pairColumns = 0
    /// Where the messages live, for `dualPoint` and `messageRow`.
    let layout: DualLayout

    /// The model with a pair column for every finite pair whose two strategies have columns,
    /// or, with `keepPair` (edge, local strategies at `edgeU` and `edgeV`), only for the pairs
    /// it keeps: the LP of that model is then a restriction, whose duals still certify a bound
    /// (`dualPoint`), and `LPBranchAndBound` prices the other pairs back in. Strategies marked
    /// in `excluded` get no column, as those of infinite unary terms: the model is then the
    /// problem restricted to the others.
    init(_ inst: SolverInstance, _ layout: DualLayout, excluded: [Bool]? = nil,
         keepPair: ((Int, Int, Int) -> Bool)? = nil) throws(ModelError) {
        let inf = inst.infiniteUnit
        let n = inst.nodeCount
        xCol = [Int](repeating: -1, count: inst.unary.count)
        self.layout = layout
        messageRow = [Int](repeating: -1, count: layout.messageCount)
        edgeShift = [Int64](repeating: 0, count: inst.edgeCount)
        do {
            // A strategy gets a column unless its unary term is infinite or it is excluded.
            func hasColumn(_ s: Int) -> Bool { inst.unary[s] < inf && !(excluded?[s] ?? false) }
            for i in 0 ..< n {
                let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
                var lo = Int64.max
                for s in 0 ..< k where hasColumn(o + s) { lo = min(lo, inst.unary[o + s]) }
                if lo == Int64.max { throw ModelError(description: "node \(i) has only infinite or excluded strategies") }
                constant += Int128(lo)
                var cols: [Int] = []
                for s in 0 ..< k where hasColumn(o + s) {
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
                let mu = layout.msgOff[layout.slotU[e]], mv = layout.msgOff[layout.slotV[e]]
                let base = inst.edgeOff[e]
                var lo = Int64.max
                for a in 0 ..< ku where xCol[ou + a] >= 0 {
                    for b in 0 ..< kv where xCol[ov + b] >= 0 && inst.edgeCost[base + a * kv + b] < inf {
                        lo = min(lo, inst.edgeCost[base + a * kv + b])
                    }
                }
                if lo == Int64.max { throw ModelError(description: "edge \(e) has only infinite pairs") }
                constant += Int128(lo)
                edgeShift[e] = lo
                var byA = [[Int]](repeating: [], count: ku)
                var byB = [[Int]](repeating: [], count: kv)
                for a in 0 ..< ku where xCol[ou + a] >= 0 {
                    for b in 0 ..< kv where xCol[ov + b] >= 0 && inst.edgeCost[base + a * kv + b] < inf
                        && keepPair?(e, a, b) ?? true {
                        byA[a].append(columns.count)
                        byB[b].append(columns.count)
                        columns.append(Column(objective: Double(inst.edgeCost[base + a * kv + b] - lo)))
                        pairColumns += 1
                    }
                }
                // sum_b y[a,b] = x[u,a]; a strategy without finite partners is forced to 0.
                for a in 0 ..< ku where xCol[ou + a] >= 0 {
                    messageRow[mu + a] = rows.count
                    try rows.append(.fixed(0), columns: byA[a] + [xCol[ou + a]],
                                    values: [Double](repeating: 1, count: byA[a].count) + [-1])
                }
                for b in 0 ..< kv where xCol[ov + b] >= 0 {
                    messageRow[mv + b] = rows.count
                    try rows.append(.fixed(0), columns: byB[b] + [xCol[ov + b]],
                                    values: [Double](repeating: 1, count: byB[b].count) + [-1])
                }
            }
            if inst.hasMemory { try addKnapsackRows(inst) }
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError(description: "\(error)")
        }
    }

    /// One row per maximal run of cliques with the same live nodes (the smallest capacity of
    /// the run), usages shifted by each node's least usage; rows that cannot bind are left out.
    private mutating func addKnapsackRows(_ inst: SolverInstance) throws(GLPKError) {
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
        var segClique = [Int](repeating: -1, count: kc)
        for x in 0 ..< kc where inst.capacity[x] < segCap[first[x]] {
            segCap[first[x]] = inst.capacity[x]
            segClique[first[x]] = x
        }
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
            knapsack.append((rows.count, segClique[x]))
            try rows.append(.upper(Double(rhs)), columns: cols, values: vals)
        }
    }

    /// The dual point of `DualCertificate` read off the rows' duals of a solved LP of this
    /// model (GLPK's signs for a minimisation: a `<=` row's dual is at most 0). Its certified
    /// value is at least the LP's dual objective up to rounding; any values give a valid bound.
    /// A strategy without a column (an infinite unary term) has no row and no dual: its
    /// messages are set to minus half the infinite unit over the node's degree, so that its
    /// pairs never undercut an edge's minimum while its own node term stays above half the
    /// infinite unit.
    func dualPoint(_ inst: SolverInstance, rowDuals: [Double]) -> DualPoint {
        var messages = [Double](repeating: 0, count: messageRow.count)
        for x in 0 ..< messageRow.count where messageRow[x] >= 0 { messages[x] = rowDuals[messageRow[x]] }
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
            let slots = Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1])
            let away = -Double(inst.infiniteUnit) / Double(2 * max(1, slots.count))
            for s in 0 ..< k where xCol[o + s] < 0 {
                for p in slots { messages[layout.msgOff[p] + s] = away }
            }
        }
        var mu = [Double](repeating: 0, count: inst.hasMemory ? inst.cliqueCount : 0)
        for (row, clique) in knapsack { mu[clique] = max(0, -rowDuals[row]) }
        return DualPoint(messages: messages, mu: mu)
    }
}
