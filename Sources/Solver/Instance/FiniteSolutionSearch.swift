/// A bounded depth-first search for an assignment of a reduced instance with no infinite term
/// that fits the memory. The reducer uses it to decide whether dropping strategies with infinite
/// terms was exact: it is when such an assignment exists (every solution with an infinite term
/// is then worse), and not when none does (the least bad solution may need a dropped strategy).
///
/// Nodes are taken in breadth-first order; a strategy is tried when its unary term and its
/// terms towards assigned neighbours are finite and every clique still fits with the minimum
/// usage (over finite strategies) of the unassigned nodes. Exhausting the search proves that
/// no finite feasible assignment exists.
enum FiniteSolutionSearch {
    /// Work units (one per strategy tried, edge checked or clique checked) before giving up:
    /// tens of milliseconds, so it decides small instances and gives up quickly on large ones
    /// (the pruning is then kept).
    static let defaultBudget = 5_000_000

    /// True when a finite feasible assignment exists, false when none does, nil when the
    /// budget ran out first. `constantFinite`: the terms fixed by the reductions are finite.
    static func run(_ inst: SolverInstance, constantFinite: Bool, budget: Int = defaultBudget) -> Bool? {
        if !constantFinite { return false }
        let n = inst.nodeCount
        if n == 0 { return true }
        let inf = inst.infiniteUnit
        // Finite strategies per node (local indices).
        var domain = [[Int32]](repeating: [], count: n)
        for i in 0 ..< n {
            let o = Int(inst.strategyStart[i])
            for s in 0 ..< Int(inst.strategyCount[i]) where inst.unary[o + s] < inf { domain[i].append(Int32(s)) }
            if domain[i].isEmpty { return false }
        }
        // Clique loads with every node at its least usage over its finite strategies.
        var minUse = [Int64](repeating: 0, count: n)
        var load = [Int64](repeating: 0, count: inst.cliqueCount)
        if inst.hasMemory {
            load = inst.cliqueLoads { i in
                let o = Int(inst.strategyStart[i])
                minUse[i] = domain[i].map { inst.usage[o + Int($0)] }.min() ?? 0
                return minUse[i]
            }
            for c in 0 ..< inst.cliqueCount where load[c] > inst.capacity[c] { return false }
        }
        // Breadth-first order over every component.
        var order: [Int] = []
        order.reserveCapacity(n)
        var seen = [Bool](repeating: false, count: n)
        for root in 0 ..< n where !seen[root] {
            seen[root] = true
            var head = order.count
            order.append(root)
            while head < order.count {
                let i = order[head]
                head += 1
                for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                    let j = Int(inst.adjOther[p])
                    if !seen[j] { seen[j] = true; order.append(j) }
                }
            }
        }
        var x = [Int32](repeating: -1, count: n)
        // next[d]: index into the domain of order[d] of the next strategy to try.
        var next = [Int](repeating: 0, count: n)
        var work = 0
        var d = 0
        while d >= 0 {
            if d == n { return true }
            let i = order[d]
            let o = Int(inst.strategyStart[i])
            // Undo the node's current strategy, if any.
            if x[i] >= 0 {
                let delta = inst.usage[o + Int(x[i])] &- minUse[i]
                for c in Int(inst.cliqueFirst[i]) ..< Int(inst.cliqueEnd[i]) { load[c] &-= delta }
                x[i] = -1
            }
            var placed = false
            while next[d] < domain[i].count && !placed {
                let s = Int(domain[i][next[d]])
                next[d] += 1
                work += 1
                var ok = true
                for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                    work += 1
                    let j = Int(inst.adjOther[p])
                    if x[j] >= 0 && inst.slotCost(p, s, Int(x[j])) >= inf { ok = false; break }
                }
                if ok && inst.cliqueFirst[i] < inst.cliqueEnd[i] {
                    let delta = inst.usage[o + s] &- minUse[i]
                    work += Int(inst.cliqueEnd[i] - inst.cliqueFirst[i])
                    for c in Int(inst.cliqueFirst[i]) ..< Int(inst.cliqueEnd[i]) {
                        let (v, overflow) = load[c].addingReportingOverflow(delta)
                        if overflow || v > inst.capacity[c] { ok = false; break }
                    }
                    if ok { for c in Int(inst.cliqueFirst[i]) ..< Int(inst.cliqueEnd[i]) { load[c] &+= delta } }
                }
                if ok {
                    x[i] = Int32(s)
                    placed = true
                }
                if work > budget { return nil }
            }
            if placed {
                d += 1
                if d < n { next[d] = 0 }
            } else {
                d -= 1
            }
        }
        return false
    }
}
