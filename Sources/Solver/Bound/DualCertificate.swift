import Model

// Exact evaluation of dual (Lagrangian + reparametrisation) lower bounds.
//
// Every bound the bound methods report goes through `DualCertificate.evaluate`: the optimisers
// work in `Double`, but a bound is only ever read off their final dual variables after rounding
// them to a fixed-point grid and recomputing everything in `Int128`. Why that is a valid lower
// bound for ANY values of the dual variables:
//
// The reduced problem is: minimise E(x) = sum_i unary_i(x_i) + sum_e table_e(x_u, x_v) subject to
// load_c(x) = sum_{i in c} usage_i(x_i) <= capacity_c for every clique c. For multipliers
// mu_c >= 0 and any feasible x, E(x) >= E(x) + sum_c mu_c (load_c(x) - capacity_c). Give every
// edge e and each of its ends i a vector ("message") m[e,i](s) over i's strategies; adding
// m[e,i](x_i) to node i and subtracting it from edge e changes no labelling's total. So for all x
//
//   E(x) + sum_c mu_c (load_c(x) - cap_c)
//     = sum_i [unary_i + usage_i * M_i + sum_{e at i} m[e,i]](x_i)          (M_i = sum of i's mu_c)
//     + sum_e [table_e - m[e,u] - m[e,v]](x_u, x_v) - sum_c mu_c cap_c
//     >= sum_i min_s [...] + sum_e min_{a,b} [...] - sum_c mu_c cap_c  =: D(m, mu),
//
// hence D(m, mu) <= the optimum, whatever m and mu >= 0 are. With m and mu multiples of 2^-K
// (K = `DualCertificate.scaleBits` = 40) every term is an integer multiple of 2^-K, so D is
// computed exactly in Int128 at scale 2^K (after a check that no partial sum can overflow);
// the optimum is an integer, so ceil(D) is still a bound.
//
// Costs: the certificate uses the reduced instance's own Int64 terms as stored. For every
// assignment, inst.base (constant and offset) plus its stored terms never exceeds the evaluator's
// cost of its postsolved solution: terms are encoded (`Reducer.TermEncoding`) with the shifts in
// the base, so the two agree except that an infinite term counts inst.infiniteUnit <= 1e18 (or is
// clamped at 1e18) and sums saturate at 2e18, both only lowering; folded terms take the minimum
// over the folded nodes, so the reduced optimum equals the encoded optimum of the original. The
// infinite pruning is kept only when some feasible solution has no infinite term (then it keeps
// every optimal solution), so for an instance whose optimum is finite,
// bound(reduced) + inst.base <= optimum(original). When every solution has an infinite term the
// original optimum is >= 1e18 (costs are non-negative in this case, see `originalBound`), so the
// bound is capped at 1e18: still valid either way, including when the pruning was kept because
// the bounded search for a finite solution gave up.

/// Where the messages of a reduced instance live: one vector per adjacency slot (node `i`,
/// slot `p` in `adjOff[i] ..< adjOff[i+1]`), `strategyCount[i]` entries from `msgOff[p]`.
struct DualLayout: Sendable {
    let msgOff: [Int]
    /// Slot of edge `e` at its first node (`edgeU`) and at its second (`edgeV`).
    let slotU: [Int]
    let slotV: [Int]
    let messageCount: Int

    init(_ inst: SolverInstance) {
        let slots = Int(inst.adjOff[inst.nodeCount])
        var msgOff = [Int](repeating: 0, count: slots + 1)
        var su = [Int](repeating: 0, count: inst.edgeCount)
        var sv = [Int](repeating: 0, count: inst.edgeCount)
        for i in 0 ..< inst.nodeCount {
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                msgOff[p + 1] = msgOff[p] + Int(inst.strategyCount[i])
                let e = Int(inst.adjEdge[p])
                if inst.adjIsFirst[p] { su[e] = p } else { sv[e] = p }
            }
        }
        self.msgOff = msgOff
        slotU = su
        slotV = sv
        messageCount = msgOff[slots]
    }
}

/// Dual variables of the reduced instance: messages (by `DualLayout`) and clique multipliers.
/// Any finite values give a valid bound; `mu` is clamped to >= 0 when evaluated.
struct DualPoint: Sendable {
    var messages: [Double]
    var mu: [Double]
}

enum DualCertificate {
    /// Dual variables are rounded to multiples of 2^-scaleBits. Fine enough that rounding the
    /// multipliers (times usages ~1e9 over tens of thousands of nodes) costs nothing visible.
    static let scaleBits = 40
    static let scale = Int128(1) << scaleBits

    /// Largest |value| * 2^scaleBits converted to Int128.
    static let maxScaled = 1e31

    /// Int128 arithmetic is only attempted when a `Double` estimate of the sum of the
    /// magnitudes of all terms (see `magnitudeFits`) stays below this, far from Int128's
    /// 1.7e38: then no partial sum can overflow.
    static let maxMagnitude = 1e36

    /// Whether the exact evaluation is safe: `terms` is an upper estimate (in scaled units, a
    /// factor 2 of slack is applied here) of the sum of |every term|.
    static func magnitudeFits(_ terms: Double) -> Bool { terms.isFinite && 2 * terms < maxMagnitude }

    /// The exact bound D(m, mu) on the reduced problem's optimum (without `inst.constant`),
    /// rounded up to an integer; nil if some dual value is not finite or absurdly large.
    /// `allowed`, if given, restricts each node to the strategies marked true (a bound for that
    /// subproblem); a node with none allowed makes the subproblem empty (returns nil).
    static func evaluate(_ inst: SolverInstance, _ layout: DualLayout, _ point: DualPoint,
                         allowed: [Bool]? = nil) -> Int128? {
        scaledTotal(inst, layout, point, allowed: allowed).map { ceilDiv($0, scale) }
    }

    /// The bound D(m, mu) (as `evaluate`) and, per strategy (flat index), a bound on every
    /// assignment that takes it: D with the strategy's node term in place of its node's least,
    /// rounded up (fixing a node only raises the minima of its edges, so this is valid).
    /// Strategies outside `allowed` get nil.
    static func strategyBounds(_ inst: SolverInstance, _ layout: DualLayout, _ point: DualPoint,
                               allowed: [Bool]? = nil) -> (bound: Int128, strategies: [Int128?])? {
        var terms = [Int128?](repeating: nil, count: inst.unary.count)
        var least = [Int128](repeating: 0, count: inst.nodeCount)
        guard let total = scaledTotal(inst, layout, point, allowed: allowed, nodeTerms: { i, s, v, best in
            terms[s] = v
            least[i] = best
        }) else { return nil }
        var bounds = [Int128?](repeating: nil, count: inst.unary.count)
        for i in 0 ..< inst.nodeCount {
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) {
                if let v = terms[s] { bounds[s] = ceilDiv(total - least[i] + v, scale) }
            }
        }
        return (ceilDiv(total, scale), bounds)
    }

    /// D(m, mu) in scaled units before rounding (see `evaluate`). `nodeTerms`, if given, sees
    /// every allowed strategy's node term with its node's least: (node, flat strategy, term,
    /// least).
    private static func scaledTotal(_ inst: SolverInstance, _ layout: DualLayout, _ point: DualPoint,
                                    allowed: [Bool]?,
                                    nodeTerms: ((Int, Int, Int128, Int128) -> Void)? = nil) -> Int128? {
        guard point.messages.count == layout.messageCount,
              point.mu.count == inst.cliqueCount || !inst.hasMemory else { return nil }
        // Round the dual variables to the grid.
        var mq = [Int128](repeating: 0, count: layout.messageCount)
        for x in 0 ..< layout.messageCount {
            guard let q = quantise(point.messages[x]) else { return nil }
            mq[x] = q
        }
        var total: Int128 = 0
        // Node multipliers M_i as prefix sums over the clique axis.
        var prefix = [Int128](repeating: 0, count: inst.cliqueCount + 1)
        if inst.hasMemory {
            for c in 0 ..< inst.cliqueCount {
                let m = max(0, point.mu[c])
                guard quantise(m, down: true) != nil else { return nil }
            }
        }
        guard magnitudeFits(magnitude(inst, messages: point.messages, mu: point.mu)) else { return nil }
        if inst.hasMemory {
            for c in 0 ..< inst.cliqueCount {
                let q = quantise(max(0, point.mu[c]), down: true)!
                prefix[c + 1] = prefix[c] + q
                total -= q * Int128(inst.capacity[c])
            }
        }
        var nodeTerm = [Int128](repeating: 0, count: Int(inst.strategyCount.max() ?? 0))
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
            let mi = inst.hasMemory ? prefix[Int(inst.cliqueEnd[i])] - prefix[Int(inst.cliqueFirst[i])] : 0
            var best: Int128? = nil
            for s in 0 ..< k {
                if let allowed, !allowed[o + s] { continue }
                var v = Int128(inst.unary[o + s]) * scale + Int128(inst.usage[o + s]) * mi
                for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) { v += mq[layout.msgOff[p] + s] }
                nodeTerm[s] = v
                if best == nil || v < best! { best = v }
            }
            guard let best else { return nil }
            total += best
            if let nodeTerms {
                for s in 0 ..< k where allowed?[o + s] ?? true { nodeTerms(i, o + s, nodeTerm[s], best) }
            }
        }
        for e in 0 ..< inst.edgeCount {
            let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
            let ku = Int(inst.strategyCount[u]), kv = Int(inst.strategyCount[v])
            let ou = layout.msgOff[layout.slotU[e]], ov = layout.msgOff[layout.slotV[e]]
            let base = inst.edgeOff[e]
            let au = Int(inst.strategyStart[u]), av = Int(inst.strategyStart[v])
            var best: Int128? = nil
            for a in 0 ..< ku {
                if let allowed, !allowed[au + a] { continue }
                var rowBest: Int128? = nil
                for b in 0 ..< kv {
                    if let allowed, !allowed[av + b] { continue }
                    let c = Int128(inst.edgeCost[base + a * kv + b]) * scale - mq[ov + b]
                    if rowBest == nil || c < rowBest! { rowBest = c }
                }
                guard let rowBest else { return nil }
                let c = rowBest - mq[ou + a]
                if best == nil || c < best! { best = c }
            }
            guard let best else { return nil }
            total += best
        }
        return total
    }

    /// Upper estimate (scaled units) of the sum of |every term| of D: per node the largest
    /// |unary| and |usage| times the node's multipliers, per edge the largest |table entry|,
    /// the multipliers' constant, and twice every message entry (each appears in one node term
    /// and one edge term). Taken over the whole reduced instance, it also bounds every value an
    /// elimination replay can form, and every partial sum of the evaluation.
    static func magnitude(_ inst: SolverInstance, messages: [Double], mu: [Double]) -> Double {
        let s = Double(1 << scaleBits)
        let cliques = inst.hasMemory ? min(mu.count, inst.cliqueCount) : 0
        var prefix = [Double](repeating: 0, count: cliques + 1)
        for c in 0 ..< cliques { prefix[c + 1] = prefix[c] + abs(mu[c]) }
        var total = 0.0
        for c in 0 ..< cliques { total += abs(mu[c]) * abs(Double(inst.capacity[c])) * s }
        for i in 0 ..< inst.nodeCount {
            var u = 0.0, g = 0.0
            for x in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) {
                u = max(u, abs(Double(inst.unary[x])))
                g = max(g, abs(Double(inst.usage[x])))
            }
            let f = Int(inst.cliqueFirst[i]), l = Int(inst.cliqueEnd[i])
            let mi = inst.hasMemory && f < l && l <= cliques ? prefix[l] - prefix[f] : 0
            total += (u + g * mi) * s
        }
        for e in 0 ..< inst.edgeCount {
            var t = 0.0
            for x in inst.edgeOff[e] ..< inst.edgeOff[e + 1] { t = max(t, abs(Double(inst.edgeCost[x]))) }
            total += t * s
        }
        for m in messages { total += 2 * abs(m) * s }
        return total
    }

    /// x * 2^scaleBits rounded to an integer (down when `down`), or nil if not finite/too large.
    @inline(__always) static func quantise(_ x: Double, down: Bool = false) -> Int128? {
        let y = x * Double(1 << scaleBits)
        guard y.isFinite, abs(y) < maxScaled else { return nil }
        return Int128(down ? y.rounded(.down) : y.rounded())
    }

    static func ceilDiv(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b, r = a % b
        return r > 0 ? q + 1 : q
    }
}

/// Turns a bound on the reduced problem into a bound on the original problem's optimum:
/// adds `inst.base` (constant and offset) and caps at `Problem.infinity` (see the file comment). Both steps rely
/// on non-negative costs when no finite solution exists (an infinite term then costs >= 1e18
/// in total); `nonNegative` says whether the original costs are known to be >= 0 (true for
/// every contest instance). Returns nil when no valid statement is possible.
func originalBound(_ inst: SolverInstance, reducedBound: Int128, nonNegative: Bool) -> Int128? {
    guard nonNegative else { return nil }
    return min(reducedBound + inst.base, Int128(Problem.infinity))
}

/// The original problem's optimum from a proved optimum `x` of the reduced instance (the exact
/// search's): its postsolved solution and that solution's cost by the evaluator. The reductions
/// keep an optimal solution and encode terms so that reduced costs order assignments as the
/// evaluator's costs do (`Reducer.TermEncoding`), so the postsolved solution is optimal even
/// when the encoded cost differs (infinite terms worth less than 1e18 each). Nil when the
/// original costs are not known to be non-negative (as in `originalBound`) or when the solution
/// does not evaluate as feasible.
func originalOptimum(_ problem: Problem, _ inst: SolverInstance, reducedOptimum x: [Int32])
    -> (cost: Int128, solution: [Int])?
{
    guard problem.costsNonNegative else { return nil }
    let solution = inst.postsolve(x)
    guard let ev = try? Evaluator.evaluate(problem, solution), ev.feasible else { return nil }
    return (ev.cost, solution)
}

extension Problem {
    /// Whether every node cost and edge cost is >= 0.
    var costsNonNegative: Bool {
        !nodeCost.contains { $0 < 0 } && !edgeCost.contains { $0 < 0 }
    }
}
