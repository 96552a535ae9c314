/// One worker's current assignment with incremental cost and per-clique slack.
///
/// `cost` is the internal objective (the instance's constant and offset plus every unary and
/// edge term as stored, see `SolverInstance.infinite`), kept exact against `recomputeCost()`. `slack` holds
/// `capacity - load` per clique; the assignment is feasible while its minimum is >= 0.
final class SearchState {
    let inst: SolverInstance
    private(set) var x: [Int32]
    private(set) var cost: Int128
    private(set) var slack: MinSegmentTree

    init(_ inst: SolverInstance, _ x: [Int32]) {
        self.inst = inst
        self.x = x
        cost = SearchState.computeCost(inst, x)
        slack = MinSegmentTree(SearchState.computeSlack(inst, x))
    }

    static func computeCost(_ inst: SolverInstance, _ x: [Int32]) -> Int128 {
        inst.base + inst.storedCost(x)
    }

    static func computeSlack(_ inst: SolverInstance, _ x: [Int32]) -> [Int64] {
        guard inst.hasMemory else { return [] }
        var slack = inst.cliqueLoads { inst.usage[Int(inst.strategyStart[$0]) + Int(x[$0])] }
        for c in 0 ..< inst.cliqueCount { slack[c] = inst.capacity[c] &- slack[c] }
        return slack
    }

    /// Whether the assignment `x` fits every clique.
    static func fits(_ inst: SolverInstance, _ x: [Int32]) -> Bool {
        !inst.hasMemory || !computeSlack(inst, x).contains { $0 < 0 }
    }

    var feasible: Bool { !inst.hasMemory || slack.globalMin >= 0 }

    /// Smallest slack over the cliques node `i` lives in (huge when it has none).
    @inline(__always) func nodeSlack(_ i: Int) -> Int64 {
        let f = Int(inst.cliqueFirst[i]), l = Int(inst.cliqueEnd[i])
        return f < l ? slack.min(f, l) : Int64.max / 4
    }

    /// Extra usage of switching node `i` to local strategy `b`.
    @inline(__always) func usageDelta(_ i: Int, _ b: Int) -> Int64 {
        let o = Int(inst.strategyStart[i])
        return inst.usage[o + b] - inst.usage[o + Int(x[i])]
    }

    /// Cost change of switching node `i` to `b`, all else fixed.
    func delta(_ i: Int, _ b: Int) -> Int128 {
        let a = Int(x[i])
        if a == b { return 0 }
        let o = Int(inst.strategyStart[i])
        var d = Int128(inst.unary[o + b]) - Int128(inst.unary[o + a])
        for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
            let y = Int(x[Int(inst.adjOther[p])])
            d += Int128(inst.slotCost(p, b, y)) - Int128(inst.slotCost(p, a, y))
        }
        return d
    }

    /// Sets node `i` to `b`, with its cost change `d` (from `delta`).
    func apply(_ i: Int, _ b: Int, _ d: Int128) {
        let du = usageDelta(i, b)
        if du != 0 && inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            slack.add(Int(inst.cliqueFirst[i]), Int(inst.cliqueEnd[i]), -du)
        }
        x[i] = Int32(b)
        cost += d
    }

    /// For block moves that apply node changes with zero deltas and settle the cost once.
    func adjustCost(_ d: Int128) { cost += d }

    /// Replaces the whole assignment.
    func reset(_ newX: [Int32]) {
        x = newX
        cost = SearchState.computeCost(inst, x)
        slack = MinSegmentTree(SearchState.computeSlack(inst, x))
    }

    /// Debug check: recomputes from scratch and names the first difference, or nil when exact.
    func verify() -> String? {
        let c = SearchState.computeCost(inst, x)
        if c != cost { return "cost drifted: incremental \(cost), recomputed \(c)" }
        if inst.hasMemory {
            let s = SearchState.computeSlack(inst, x)
            for (k, v) in s.enumerated() where slack.value(k) != v {
                return "slack drifted at clique \(k): incremental \(slack.value(k)), recomputed \(v)"
            }
        }
        return nil
    }
}
