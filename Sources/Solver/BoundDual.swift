import Model

/// Lower bound by Lagrangian relaxation of the clique rows plus sequential reweighted message
/// passing on the remaining pairwise problem (TRW-S in the "sum of minima" form of SRMP).
///
/// Dual variables: one multiplier `mu[c] >= 0` per clique (a node's penalty is its usage times
/// the sum of its cliques' multipliers) and one message vector per edge end (`DualLayout`).
/// The dual value D(m, mu) of `BoundCertificate.swift` only rises under the message updates:
///
/// - forward pass, node by node in index order: *collect* every incident edge's min-marginal
///   into the node (`m[e,i](s) = min_t table_e(s, t) - m[e,j](t)`), then *distribute* a share
///   `gamma_i = 1 / max(#earlier, #later neighbours)` of the node's reparametrised cost to
///   each edge towards a later node; the node keeps the rest. Collecting never lowers D,
///   distributing leaves it unchanged, so D is monotone for a fixed `mu`. The backward pass is
///   the same in reverse order. On a tree one forward+backward iteration is exact.
/// - after an iteration every edge's reparametrised minimum is 0, so the pass itself yields
///   the dual value (a `Double` estimate used for steering only).
/// - the forward pass also decodes a labelling (each node's best strategy given the earlier
///   nodes' choices and the later nodes' messages); its clique loads give the subgradient
///   `load_c - capacity_c` for a projected Polyak step on `mu` towards a target (the best
///   known cost, or the best bound plus a shrinking margin).
///
/// Bounds are only ever read through `DualCertificate.evaluate` (exact `Int128`); the `Double`
/// state here can be arbitrarily inaccurate without making a reported bound invalid.
/// Not thread-safe: one instance per thread.
final class LagrangianDual {
    let inst: SolverInstance
    let layout: DualLayout
    let n: Int
    private let k: [Int]
    private let off: [Int]
    private let adjOff: [Int]
    private let adjOther: [Int]
    private let adjEdge: [Int]
    private let adjIsU: [Bool]
    /// Partner slot of each slot (the same edge at its other end).
    private let partner: [Int]
    private let edgeOff: [Int]
    private let msgOff: [Int]
    /// Edge tables and unary costs as doubles, infinite terms lowered to `big` (lowering costs
    /// only lowers the optimum, and the certificate uses the true terms anyway). Each edge's
    /// table is stored twice: for slot `p` of node `i`, `mats[matOff[p] ...]` holds the table
    /// with the OTHER node's strategies as rows and `i`'s as columns, so that collecting at `i`
    /// is an element-wise minimum over rows (vectorisable).
    private let mats: [Double]
    private let matOff: [Int]
    private let unary: [Double]
    private let usage: [Double]
    private let gamma: [Double]
    /// The value used for infinite terms inside the optimiser.
    let big: Double
    /// unary + usage * M_i for the current multipliers.
    private var base: [Double]
    private(set) var messages: [Double]
    private(set) var mu: [Double]
    /// The labelling decoded by the last forward pass.
    private(set) var labelling: [Int32]
    private var scratch: [Double]
    private var scratch2: [Double]
    private var accumulator: [Double]

    /// Dual estimate (reduced units, multipliers' constant included) after the last pass.
    private(set) var estimate = -Double.infinity
    private(set) var bestEstimate = -Double.infinity
    private(set) var iterations = 0
    /// Step-size control for the multipliers.
    var stepScale = 1.0
    private var sinceImprovement = 0
    /// Target for Polyak steps (reduced units), e.g. the best known cost minus the constant.
    var target: Double?
    /// Best memory-feasible decoded labelling and its exact reduced cost.
    private(set) var bestLabelling: [Int32]?
    private(set) var bestLabellingCost: Int128?

    init(_ inst: SolverInstance) {
        self.inst = inst
        layout = DualLayout(inst)
        n = inst.n
        k = inst.k.map { Int($0) }
        off = inst.off.map { Int($0) }
        adjOff = inst.adjOff.map { Int($0) }
        adjOther = inst.adjOther.map { Int($0) }
        adjEdge = inst.adjEdge.map { Int($0) }
        adjIsU = inst.adjIsU
        edgeOff = inst.edgeOff
        msgOff = layout.msgOff
        var partner = [Int](repeating: 0, count: adjOther.count)
        for p in 0 ..< adjOther.count {
            let e = adjEdge[p]
            partner[p] = adjIsU[p] ? layout.slotV[e] : layout.slotU[e]
        }
        self.partner = partner
        // Infinite terms: a value well above any finite solution's spread.
        let inf = inst.infinite
        var spread = 1.0
        for i in 0 ..< inst.n {
            var lo = Int64.max, hi = Int64.min
            for s in Int(inst.off[i]) ..< Int(inst.off[i + 1]) where inst.unary[s] < inf {
                lo = min(lo, inst.unary[s]); hi = max(hi, inst.unary[s])
            }
            if lo <= hi { spread += Double(hi) - Double(lo) }
        }
        for e in 0 ..< inst.edgeCount {
            var lo = Int64.max, hi = Int64.min
            for x in inst.edgeOff[e] ..< inst.edgeOff[e + 1] where inst.edgeCost[x] < inf {
                lo = min(lo, inst.edgeCost[x]); hi = max(hi, inst.edgeCost[x])
            }
            if lo <= hi { spread += Double(hi) - Double(lo) }
        }
        big = min(Double(inf), max(1e6, 8 * spread))
        let bigValue = big
        let table = inst.edgeCost.map { $0 >= inf ? bigValue : Double($0) }
        // Matrices in slot order (the order the passes visit them, forwards or backwards).
        var mats = [Double](repeating: 0, count: 2 * table.count)
        var matOff = [Int](repeating: 0, count: partner.count)
        var fill = 0
        for i in 0 ..< inst.n {
            let ki = Int(inst.k[i])
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                let e = Int(inst.adjEdge[p]), j = Int(inst.adjOther[p]), kj = Int(inst.k[j])
                let t0 = inst.edgeOff[e]
                matOff[p] = fill
                if inst.adjIsU[p] {
                    // i = u: row r = b (j's strategy), column s = a.
                    for r in 0 ..< kj { for s in 0 ..< ki { mats[fill + r * ki + s] = table[t0 + s * kj + r] } }
                } else {
                    // i = v: row r = a, column s = b: the table as stored.
                    for x in 0 ..< ki * kj { mats[fill + x] = table[t0 + x] }
                }
                fill += ki * kj
            }
        }
        self.mats = mats
        self.matOff = matOff
        unary = inst.unary.map { $0 >= inf ? bigValue : Double($0) }
        usage = inst.usage.map { Double($0) }
        var gamma = [Double](repeating: 0, count: inst.n)
        for i in 0 ..< inst.n {
            var earlier = 0, later = 0
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                if Int(inst.adjOther[p]) > i { later += 1 } else { earlier += 1 }
            }
            gamma[i] = 1.0 / Double(max(1, max(earlier, later)))
        }
        self.gamma = gamma
        base = unary
        messages = [Double](repeating: 0, count: layout.messageCount)
        mu = [Double](repeating: 0, count: inst.hasMemory ? inst.cliqueCount : 0)
        labelling = [Int32](repeating: 0, count: inst.n)
        let kmax = k.max() ?? 1
        scratch = [Double](repeating: 0, count: kmax)
        scratch2 = [Double](repeating: 0, count: kmax)
        accumulator = [Double](repeating: 0, count: kmax)
    }

    var point: DualPoint { DualPoint(messages: messages, mu: mu) }

    /// The exact bound of the current dual point on the reduced problem (ceil), or nil.
    func certify() -> Int128? { DualCertificate.evaluate(inst, layout, point) }

    // MARK: - Multipliers

    /// Sets the multipliers (clamped at 0) and recomputes the penalised unary costs.
    func setMultipliers(_ newMu: [Double]) {
        guard inst.hasMemory else { return }
        for c in 0 ..< mu.count { mu[c] = max(0, newMu[c].isFinite ? newMu[c] : 0) }
        refreshBase()
    }

    private func refreshBase() {
        guard inst.hasMemory else { return }
        var prefix = [Double](repeating: 0, count: mu.count + 1)
        for c in 0 ..< mu.count { prefix[c + 1] = prefix[c] + mu[c] }
        for i in 0 ..< n {
            let f = Int(inst.cFirst[i]), l = Int(inst.cEnd[i])
            let m = f < l ? prefix[l] - prefix[f] : 0
            for s in off[i] ..< off[i] + k[i] { base[s] = unary[s] + usage[s] * m }
        }
    }

    private var multiplierConstant: Double {
        var t = 0.0
        for c in 0 ..< mu.count where mu[c] > 0 { t += mu[c] * Double(inst.capacity[c]) }
        return t
    }

    // MARK: - Message passing

    /// One forward (decoding) and one backward pass with the current multipliers. Returns the
    /// dual estimate afterwards (the state to certify); `stepMultipliers` then moves `mu`.
    @discardableResult
    func iterate() -> Double {
        _ = pass(forward: true)
        let dual = pass(forward: false) - multiplierConstant
        estimate = dual
        iterations += 1
        if dual > bestEstimate + 1e-9 * abs(dual) {
            bestEstimate = dual
            sinceImprovement = 0
        } else {
            sinceImprovement += 1
            if sinceImprovement >= 15 {
                stepScale = max(stepScale * 0.5, 1e-4)
                sinceImprovement = 0
            }
        }
        recordLabelling()
        return dual
    }

    /// A projected Polyak step on the multipliers from the last decoded labelling.
    func stepMultipliers() {
        if inst.hasMemory { multiplierStep(estimate) }
    }

    /// Message passing only (multipliers fixed); returns the estimate.
    @discardableResult
    func passes(_ count: Int) -> Double {
        var d = estimate
        for _ in 0 ..< count {
            _ = pass(forward: true)
            d = pass(forward: false) - multiplierConstant
        }
        estimate = d
        return d
    }

    /// One pass over the nodes; returns the dual estimate without the multipliers' constant.
    private func pass(forward: Bool) -> Double {
        var dual = 0.0
        let n = self.n
        k.withUnsafeBufferPointer { K in
        off.withUnsafeBufferPointer { O in
        adjOff.withUnsafeBufferPointer { AO in
        adjOther.withUnsafeBufferPointer { AT in
        partner.withUnsafeBufferPointer { PT in
        msgOff.withUnsafeBufferPointer { MO in
        mats.withUnsafeBufferPointer { W in
        matOff.withUnsafeBufferPointer { MT in
        accumulator.withUnsafeMutableBufferPointer { acc in
        base.withUnsafeBufferPointer { B in
        gamma.withUnsafeBufferPointer { G in
        messages.withUnsafeMutableBufferPointer { M in
        scratch.withUnsafeMutableBufferPointer { th in
        scratch2.withUnsafeMutableBufferPointer { dec in
        labelling.withUnsafeMutableBufferPointer { X in
            for idx in 0 ..< n {
                let i = forward ? idx : n - 1 - idx
                let ki = K[i], o = O[i]
                let p0 = AO[i], p1 = AO[i + 1]
                // Collect the min-marginal of every incident edge:
                // m[e,i](s) = min_r mats_p[r, s] - m[e,j](r).
                for p in p0 ..< p1 {
                    let kj = K[AT[p]]
                    let mi = MO[p], mj = MO[PT[p]]
                    let r0 = MT[p]
                    for s in 0 ..< ki { acc[s] = .infinity }
                    var row = r0
                    for r in 0 ..< kj {
                        let mr = M[mj &+ r]
                        for s in 0 ..< ki { acc[s] = Swift.min(acc[s], W[row &+ s] - mr) }
                        row = row &+ ki
                    }
                    for s in 0 ..< ki { M[mi &+ s] = acc[s] }
                }
                for s in 0 ..< ki { th[s] = B[o + s] }
                var later = 0
                for p in p0 ..< p1 {
                    let m0 = MO[p]
                    for s in 0 ..< ki { th[s] += M[m0 + s] }
                    if (AT[p] > i) == forward { later += 1 }
                }
                if forward {
                    // Decode: the earlier nodes' choices, the later nodes' messages.
                    for s in 0 ..< ki { dec[s] = B[o + s] }
                    for p in p0 ..< p1 {
                        let j = AT[p]
                        if j > i {
                            let m0 = MO[p]
                            for s in 0 ..< ki { dec[s] += M[m0 + s] }
                        } else {
                            let row = MT[p] &+ Int(X[j]) &* ki
                            for s in 0 ..< ki { dec[s] += W[row &+ s] }
                        }
                    }
                    var arg = 0
                    for s in 1 ..< max(ki, 1) where dec[s] < dec[arg] { arg = s }
                    X[i] = Int32(arg)
                }
                var lo = Double.infinity
                for s in 0 ..< ki where th[s] < lo { lo = th[s] }
                if later > 0 {
                    let g = G[i]
                    for p in p0 ..< p1 where (AT[p] > i) == forward {
                        let m0 = MO[p]
                        for s in 0 ..< ki { M[m0 + s] -= g * th[s] }
                    }
                    dual += (1 - Double(later) * g) * lo
                } else {
                    dual += lo
                }
            }
        }}}}}}}}}}}}}}}
        return dual
    }

    /// One diagnostic line: iteration, estimates, step scale, multipliers, decoded labelling.
    func traceLine(constant: Int64) -> String {
        let over = overload(labelling)
        let overloaded = over.filter { $0 > 0 }.count
        let positive = mu.filter { $0 > 0 }.count
        var line = "it \(iterations) est \(formatFixed(estimate + Double(constant), 0)) best \(formatFixed(bestEstimate + Double(constant), 0))"
        line += " step \(formatFixed(stepScale, 4)) mu>0 \(positive)/\(mu.count) overloaded \(overloaded)"
        line += " maxover \(over.max() ?? 0) cost \(cost(labelling) + Int128(constant))"
        if let b = bestLabellingCost { line += " feasible \(b + Int128(constant))" }
        return line
    }

    // MARK: - Labellings and multiplier steps

    /// Clique loads of a labelling minus the capacities.
    func overload(_ x: [Int32]) -> [Int64] {
        guard inst.hasMemory else { return [] }
        var diff = [Int64](repeating: 0, count: inst.cliqueCount + 1)
        for i in 0 ..< n where inst.cFirst[i] < inst.cEnd[i] {
            let u = inst.usage[off[i] + Int(x[i])]
            diff[Int(inst.cFirst[i])] &+= u
            diff[Int(inst.cEnd[i])] &-= u
        }
        var out = [Int64](repeating: 0, count: inst.cliqueCount)
        var load: Int64 = 0
        for c in 0 ..< inst.cliqueCount {
            load &+= diff[c]
            out[c] = load &- inst.capacity[c]
        }
        return out
    }

    /// Exact reduced cost of a labelling (stored terms).
    func cost(_ x: [Int32]) -> Int128 {
        var t: Int128 = 0
        for i in 0 ..< n { t += Int128(inst.unary[off[i] + Int(x[i])]) }
        for e in 0 ..< inst.edgeCount { t += Int128(inst.pairCost(e, Int(x[Int(inst.edgeU[e])]), Int(x[Int(inst.edgeV[e])]))) }
        return t
    }

    private func recordLabelling() {
        let over = overload(labelling)
        if over.contains(where: { $0 > 0 }) { return }
        let c = cost(labelling)
        if bestLabellingCost == nil || c < bestLabellingCost! {
            bestLabellingCost = c
            bestLabelling = labelling
        }
    }

    private func multiplierStep(_ dual: Double) {
        let over = overload(labelling)
        var norm2 = 0.0
        var g = [Double](repeating: 0, count: mu.count)
        for c in 0 ..< mu.count {
            var v = Double(over[c])
            if mu[c] <= 0 && v < 0 { v = 0 }
            g[c] = v
            norm2 += v * v
        }
        if norm2 <= 0 { return }
        var goal: Double
        if let target, target > bestEstimate {
            goal = target
        } else {
            goal = bestEstimate + max(1, 0.02 * abs(bestEstimate))
        }
        if let known = bestLabellingCost, Double(known) < goal { goal = Double(known) }
        let gap = max(goal - dual, 1e-9 * max(1, abs(dual)))
        let t = stepScale * gap / norm2
        for c in 0 ..< mu.count where g[c] != 0 { mu[c] = max(0, mu[c] + t * g[c]) }
        refreshBase()
    }
}
