import Model

/// Lower bound by Lagrangian relaxation of the clique rows plus sequential reweighted message
/// passing on the remaining pairwise problem (TRW-S in the "sum of minima" form of SRMP).
///
/// Multipliers: one `mu[c] >= 0` per clique; a node's penalty is its usage times the sum of its
/// cliques' multipliers. The penalised pairwise problem has no memory constraint, so leaves and
/// degree-2 nodes are eliminated exactly first (`CoreGraph`), for every new `mu`; messages live
/// on the core. With core costs `U` (node) and `W` (edge) and messages `m[e,i]`, the dual value
///
///   D = sum_c min_s [U_c(s) + sum_{e at c} m[e,c](s)] + sum_e min_{a,b} [W_e(a,b) - m[e,u](a) - m[e,v](b)]
///       - sum_cliques mu * capacity
///
/// is a lower bound of the reduced optimum for any messages (the identity behind
/// `DualCertificate.swift`), and the message updates never lower it:
///
/// - forward pass, core node by core node: *collect* every incident edge's min-marginal into
///   the node (`m[e,i](s) = min_t W_e(s, t) - m[e,j](t)`), then *distribute* a share
///   `gamma_i = 1 / max(#earlier, #later neighbours)` of the node's reparametrised cost to each
///   edge towards a later node; the node keeps the rest. Backward pass: the same in reverse.
///   After a pass every edge's reparametrised minimum is 0, so the pass yields D as a `Double`
///   estimate (for steering only).
/// - the forward pass also decodes a labelling (each node's best strategy given the earlier
///   nodes' choices and the later nodes' messages), extended to the eliminated nodes; its
///   clique loads give the subgradient `load - capacity` for a projected Polyak step on `mu`.
/// - a polish (`startPolish`, when the caller sees the best estimate stall) returns to the best
///   state and passes messages at its frozen multipliers until the estimate stops rising: with
///   one pass pair per step the messages lag the multipliers, so the best state is rarely
///   converged.
///
/// Bounds are only ever read through `certify()`: the eliminations are replayed in exact
/// `Int128` fixed point with the multipliers and messages rounded to a grid, and D evaluated
/// exactly. The `Double` state can be arbitrarily inaccurate without a reported bound being
/// invalid. Not thread-safe: one instance per thread.
final class LagrangianDual {
    let inst: SolverInstance
    let core: CoreGraph
    /// Core nodes.
    let n: Int
    private let k: [Int]
    private let off: [Int]
    private let adjOff: [Int]
    private let adjOther: [Int]
    /// Partner slot of each slot (the same edge at its other end).
    private let partner: [Int]
    private let msgOff: [Int]
    /// Per slot `p` of core node `i`: the edge table with the OTHER node's strategies as rows
    /// and `i`'s as columns (`mats[matOff[p] ...]`), so collecting at `i` is an element-wise
    /// minimum over rows. In slot order, so passes stream through it.
    private var mats: [Double]
    private let matOff: [Int]
    private let gamma: [Double]
    /// Core edges whose table changes with the multipliers, with their two slots.
    private let foldedCoreEdges: [(edge: Int, slotU: Int, slotV: Int)]

    /// Reduced-level unary costs with infinite terms lowered to `big` (lowering costs only
    /// lowers the optimum; certificates use the true terms), and usages.
    private let unary: [Double]
    private let usage: [Double]
    /// Penalised reduced unary costs after the eliminations' replay.
    private var reducedUnary: [Double]
    /// Working edge tables (`core.wOff`) after the replay; `pristine` holds the instance's
    /// own tables of folded instance edges.
    private var store: [Double]
    private let pristine: [Int: [Double]]
    /// The value used for infinite terms inside the optimiser.
    let big: Double
    /// Core unary costs (penalised, folded) for the current multipliers.
    private var base: [Double]
    private(set) var messages: [Double]
    /// Per slot: its message holds exactly the min-marginal that collecting it again would
    /// compute, because neither the partner slot's message nor the slot's table has changed
    /// since, and the node did not move the message after collecting it. A pass skips such
    /// slots: in each pass about half of them (the edges to nodes the pass has not reached
    /// yet, collected when the previous pass left this node), with bitwise the same values.
    private var fresh: [Bool]
    /// Whether passes skip fresh slots (always, except in the test that compares both ways).
    var skipsFreshSlots = true
    /// Slots collected and slots skipped as fresh, over all passes.
    private(set) var collected = 0
    private(set) var skippedFresh = 0
    private(set) var mu: [Double]
    /// The labelling whose overloads gave the last multiplier step (the backward pass's
    /// argmins, extended); empty before the first step.
    private(set) var stepLabelling: [Int32] = []
    /// The core labelling decoded by the last forward pass, and its extension.
    private(set) var coreLabelling: [Int32]
    private(set) var labelling: [Int32]
    /// Core argmins of the node terms after collection (backward or drain pass).
    private var argminLabelling: [Int32]
    private var scratch: [Double]
    private var scratch2: [Double]
    private var accumulator: [Double]

    /// Dual estimate (reduced units, multipliers' constant included) after the last pass.
    private(set) var estimate = -Double.infinity
    private(set) var bestEstimate = -Double.infinity
    private(set) var iterations = 0
    /// Step-size control for the multipliers: the scale halves after `patience` iterations
    /// without a new best estimate. The runner sets the patience from the time left
    /// (`LagrangianDual.patience`: the step should shrink over the whole run, not in its
    /// first minute).
    var stepScale = 1.0
    var patience = LagrangianDual.minimumPatience
    private var sinceImprovement = 0
    private var bestMu: [Double]?
    private var skipStep = false
    private var direction: [Double] = []
    /// Cliques whose multiplier may be positive: per maximal run of cliques with the same live
    /// nodes (no node's range starts or ends inside), only the one of least capacity, which
    /// implies the others' rows.
    private(set) var activeClique: [Bool] = []
    private var replayScratch: [Double] = []
    /// The eliminations' outputs of the last replay, and per reduced node its penalty then
    /// (NaN before the first) and whether it changed since: a replay recomputes only what
    /// changed (`CoreGraph.replayDouble`).
    private let replayCache: CoreGraph.ReplayCache
    private var lastPenalty: [Double]
    private var penaltyChanged: [Bool]
    /// The state with the best estimate so far (what `certifyBest` certifies).
    private var bestMessages: [Double]?
    private var bestStateMu: [Double]?
    private(set) var bestStateCertified = true
    /// Target for Polyak steps (reduced units), e.g. the best known cost minus the constant.
    var target: Double?
    /// Best memory-feasible decoded labelling and its exact reduced cost.
    private(set) var bestLabelling: [Int32]?
    private(set) var bestLabellingCost: Int128?

    // MARK: - Step control

    /// Factor applied to the step scale after `patience` iterations without a new best
    /// estimate.
    static let stepHalving = 0.5
    /// Floor of the step scale (about 2^-13, about 13 halvings from the start): the step never
    /// vanishes, so the multipliers keep following the subgradient.
    static let minimumStepScale = 1e-4
    /// Weight of the newest subgradient in the step direction (the rest is the previous
    /// direction): damps the zig-zag of plain subgradient steps between cliques.
    static let directionWeight = 0.3
    /// Without a target (or once the estimate passed it), the Polyak step aims this share
    /// above the best estimate.
    static let targetMargin = 0.02
    /// Bounds of the patience: at least 15 iterations (the fixed patience used before it
    /// followed the time left), at most 1000, so that the step still shrinks on small
    /// instances that run tens of thousands of iterations per second.
    static let minimumPatience = 15
    static let maximumPatience = 1000
    /// Halvings of the step planned over the time left by `iopddl bound`: many short patience
    /// periods, so long runs keep refining (benchmarks/BOUNDS.md, "Step patience").
    static let boundRunHalvings = 60.0
    /// Halvings planned by short runs (`quickBound`, `iopddl bound`'s spare runs): about 12
    /// reach the step floor, so the step stays large while the multipliers still move.
    static let shortRunHalvings = 12.0

    /// The patience that spreads `halvings` step halvings over `secondsLeft` at
    /// `iterationsPerSecond`, within [`minimumPatience`, `maximumPatience`].
    static func patience(iterationsPerSecond rate: Double, secondsLeft: Double, halvings: Double) -> Int {
        let periods = rate * max(0, secondsLeft) / halvings
        // Clamped before the conversion, so that no rate can trap it.
        return Int(min(Double(maximumPatience), max(Double(minimumPatience), periods)))
    }

    /// Iterations between two decoded labellings (extended to the whole reduced instance).
    static let labellingInterval = 10

    // MARK: - Memory

    /// Bytes per edge-table entry of the reduced instance: the working copy and both
    /// orientations of the core tables as Doubles (24), and an allowance of 8 for the pristine
    /// copies of folded tables, the messages and the certificate's Int128 replay of folded
    /// tables (sized so that the estimate covers the measurement below).
    static let bytesPerTableEntry = 32
    /// Bytes per strategy slot: unary costs, usages and penalised costs as Doubles (24), core
    /// and reduced costs (16), the certificate's Int128 unary costs (16), rounded up.
    static let bytesPerStrategy = 64

    /// Rough peak bytes a dual of `inst` allocates, certificates included. Upper estimate:
    /// one thread, 5.4M table entries and 536k strategies measured +173 MB of peak RSS, this
    /// says 207 MB.
    static func estimatedBytes(_ inst: SolverInstance) -> Int {
        bytesPerTableEntry * inst.edgeOff[inst.edgeCount] + bytesPerStrategy * Int(inst.strategyStart[inst.nodeCount])
    }

    init(_ inst: SolverInstance, eliminate: Bool = true) {
        self.inst = inst
        let core = CoreGraph(inst, eliminate: eliminate)
        self.core = core
        replayCache = CoreGraph.ReplayCache(core)
        lastPenalty = [Double](repeating: .nan, count: inst.nodeCount)
        penaltyChanged = [Bool](repeating: true, count: inst.nodeCount)
        n = core.coreN
        k = core.coreK
        off = core.coreOff
        adjOff = core.coreAdjOff
        adjOther = core.coreAdjOther
        let slots = adjOff[n]
        var msgOff = [Int](repeating: 0, count: slots + 1)
        var slotU = [Int](repeating: 0, count: core.coreEdgeCount)
        var slotV = [Int](repeating: 0, count: core.coreEdgeCount)
        for i in 0 ..< n {
            for p in adjOff[i] ..< adjOff[i + 1] {
                msgOff[p + 1] = msgOff[p] + k[i]
                if core.coreAdjIsU[p] { slotU[core.coreAdjEdge[p]] = p } else { slotV[core.coreAdjEdge[p]] = p }
            }
        }
        self.msgOff = msgOff
        var partner = [Int](repeating: 0, count: slots)
        for p in 0 ..< slots {
            let e = core.coreAdjEdge[p]
            partner[p] = core.coreAdjIsU[p] ? slotV[e] : slotU[e]
        }
        self.partner = partner
        var foldedCoreEdges: [(Int, Int, Int)] = []
        for (ce, w) in core.coreEdge.enumerated() where core.isFolded[w] { foldedCoreEdges.append((ce, slotU[ce], slotV[ce])) }
        self.foldedCoreEdges = foldedCoreEdges

        // Infinite terms: a value well above any finite solution's spread.
        let inf = inst.infiniteUnit
        var spread = 1.0
        for i in 0 ..< inst.nodeCount {
            var lo = Int64.max, hi = Int64.min
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) where inst.unary[s] < inf {
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
        let bigValue = min(Double(inf), max(1e6, 8 * spread))
        big = bigValue
        unary = inst.unary.map { $0 >= inf ? bigValue : Double($0) }
        usage = inst.usage.map { Double($0) }
        var store = [Double](repeating: 0, count: core.storeSize)
        for x in 0 ..< inst.edgeOff[inst.edgeCount] {
            store[x] = inst.edgeCost[x] >= inf ? bigValue : Double(inst.edgeCost[x])
        }
        var pristine: [Int: [Double]] = [:]
        for w in core.folded where w < inst.edgeCount { pristine[w] = Array(store[core.wOff[w] ..< core.wOff[w + 1]]) }
        self.pristine = pristine
        self.store = store
        reducedUnary = unary

        var gamma = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            var earlier = 0, later = 0
            for p in adjOff[i] ..< adjOff[i + 1] {
                if adjOther[p] > i { later += 1 } else { earlier += 1 }
            }
            gamma[i] = 1.0 / Double(max(1, max(earlier, later)))
        }
        self.gamma = gamma
        var matOff = [Int](repeating: 0, count: slots)
        var fill = 0
        for i in 0 ..< n {
            for p in adjOff[i] ..< adjOff[i + 1] {
                matOff[p] = fill
                fill += k[i] * k[adjOther[p]]
            }
        }
        self.matOff = matOff
        mats = [Double](repeating: 0, count: fill)
        base = [Double](repeating: 0, count: off[n])
        messages = [Double](repeating: 0, count: msgOff[slots])
        fresh = [Bool](repeating: false, count: slots)
        mu = [Double](repeating: 0, count: inst.hasMemory ? inst.cliqueCount : 0)
        coreLabelling = [Int32](repeating: 0, count: n)
        labelling = [Int32](repeating: 0, count: inst.nodeCount)
        argminLabelling = [Int32](repeating: 0, count: n)
        let kmax = max(1, k.max() ?? 1)
        scratch = [Double](repeating: 0, count: kmax)
        scratch2 = [Double](repeating: 0, count: kmax)
        accumulator = [Double](repeating: 0, count: kmax)
        for p in 0 ..< slots { fillMatrix(p) }
        if inst.hasMemory {
            var boundary = [Bool](repeating: false, count: inst.cliqueCount + 1)
            for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
                boundary[Int(inst.cliqueFirst[i])] = true
                boundary[Int(inst.cliqueEnd[i])] = true
            }
            var active = [Bool](repeating: false, count: inst.cliqueCount)
            var c = 0
            while c < inst.cliqueCount {
                var end = c + 1
                while end < inst.cliqueCount && !boundary[end] { end += 1 }
                var best = c
                for x in c ..< end where inst.capacity[x] < inst.capacity[best] { best = x }
                active[best] = true
                c = end
            }
            activeClique = active
        }
        refresh()
    }

    /// Copies slot `p`'s matrix from the working store.
    private func fillMatrix(_ p: Int) {
        let i = coreNodeOfSlot(p)
        let j = adjOther[p], ki = k[i], kj = k[j]
        let w = core.coreEdge[core.coreAdjEdge[p]]
        let t0 = core.wOff[w], m0 = matOff[p]
        let isU = core.coreAdjIsU[p]
        fresh[p] = false
        mats.withUnsafeMutableBufferPointer { M in
        store.withUnsafeBufferPointer { S in
            if isU {
                // i = u: row r = j's strategy b, column s = a; the table is a * kj + b.
                for r in 0 ..< kj { for s in 0 ..< ki { M[m0 &+ r &* ki &+ s] = S[t0 &+ s &* kj &+ r] } }
            } else {
                for x in 0 ..< ki * kj { M[m0 &+ x] = S[t0 &+ x] }
            }
        }}
    }

    private lazy var slotNode: [Int] = {
        var out = [Int](repeating: 0, count: adjOff[n])
        for i in 0 ..< n { for p in adjOff[i] ..< adjOff[i + 1] { out[p] = i } }
        return out
    }()

    private func coreNodeOfSlot(_ p: Int) -> Int { slotNode[p] }

    // MARK: - Multipliers and eliminations

    /// Sets the multipliers (clamped at 0) and recomputes the penalised, folded costs.
    func setMultipliers(_ newMu: [Double]) {
        guard inst.hasMemory else { return }
        for c in 0 ..< mu.count { mu[c] = max(0, newMu[c].isFinite ? newMu[c] : 0) }
        refresh()
    }

    /// Penalised unary costs, the eliminations' replay, core unary costs and folded tables.
    private func refresh() {
        if inst.hasMemory {
            var prefix = [Double](repeating: 0, count: mu.count + 1)
            for c in 0 ..< mu.count { prefix[c + 1] = prefix[c] + mu[c] }
            let first = inst.cliqueFirst, end = inst.cliqueEnd, start = inst.strategyStart
            reducedUnary.withUnsafeMutableBufferPointer { R in
            unary.withUnsafeBufferPointer { U in
            usage.withUnsafeBufferPointer { G in
            lastPenalty.withUnsafeMutableBufferPointer { P in
            penaltyChanged.withUnsafeMutableBufferPointer { C in
                for i in 0 ..< inst.nodeCount {
                    let f = Int(first[i]), l = Int(end[i])
                    let m = f < l ? prefix[l] - prefix[f] : 0
                    for s in Int(start[i]) ..< Int(start[i + 1]) { R[s] = U[s] + G[s] * m }
                    // Exact comparison: equal penalties give bitwise equal costs.
                    C[i] = m != P[i]
                    P[i] = m
                }
            }}}}}
        } else {
            reducedUnary = unary
            for i in 0 ..< penaltyChanged.count { penaltyChanged[i] = false }
        }
        let wOff = core.wOff
        store.withUnsafeMutableBufferPointer { S in
            for w in core.folded {
                let t0 = wOff[w]
                if let orig = pristine[w] {
                    orig.withUnsafeBufferPointer { O in
                        for x in 0 ..< O.count { S[t0 &+ x] = O[x] }
                    }
                } else {
                    for x in t0 ..< wOff[w + 1] { S[x] = 0 }
                }
            }
        }
        let firstReplay = !replayCache.primed
        core.replayDouble(unary: &reducedUnary, store: &store, scratch: &replayScratch,
                          cache: replayCache, changed: penaltyChanged)
        let start = inst.strategyStart, coreNode = core.coreNode
        base.withUnsafeMutableBufferPointer { B in
        reducedUnary.withUnsafeBufferPointer { R in
            for c in 0 ..< n {
                let o = Int(start[coreNode[c]]), b0 = off[c]
                for s in 0 ..< k[c] { B[b0 &+ s] = R[o &+ s] }
            }
        }}
        // A folded core table changes only through eliminations that changed.
        for (ce, su, sv) in foldedCoreEdges where firstReplay || replayCache.dirtyEdge[core.coreEdge[ce]] {
            fillMatrix(su)
            fillMatrix(sv)
        }
    }

    private var multiplierConstant: Double {
        var t = 0.0
        for c in 0 ..< mu.count where mu[c] > 0 { t += mu[c] * Double(inst.capacity[c]) }
        return t
    }

    // MARK: - Certificate

    /// The exact bound of the current dual point on the reduced problem (rounded up), or nil
    /// (non-finite values). See `DualCertificate.swift` for why any point gives a bound.
    func certify() -> Int128? { certify(messages: messages, mu: mu) }

    /// Certifies the state with the best estimate so far (once per new best state).
    func certifyBest() -> Int128? {
        bestStateCertified = true
        guard let m = bestMessages, let u = bestStateMu else { return certify() }
        return certify(messages: m, mu: u)
    }

    func certify(messages: [Double], mu: [Double]) -> Int128? {
        let scale = DualCertificate.scale
        guard DualCertificate.magnitudeFits(DualCertificate.magnitude(inst, messages: messages, mu: mu)) else { return nil }
        var total: Int128 = 0
        // Multipliers on the grid; node multipliers as prefix sums.
        var prefix = [Int128](repeating: 0, count: inst.cliqueCount + 1)
        if inst.hasMemory {
            for c in 0 ..< inst.cliqueCount {
                guard let q = DualCertificate.quantise(max(0, mu[c]), down: true) else { return nil }
                prefix[c + 1] = prefix[c] + q
                total -= q * Int128(inst.capacity[c])
            }
        }
        var exactUnary = [Int128](repeating: 0, count: inst.unary.count)
        for i in 0 ..< inst.nodeCount {
            let mi = inst.hasMemory && inst.cliqueFirst[i] < inst.cliqueEnd[i] ? prefix[Int(inst.cliqueEnd[i])] - prefix[Int(inst.cliqueFirst[i])] : 0
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) {
                exactUnary[s] = Int128(inst.unary[s]) * scale + Int128(inst.usage[s]) * mi
            }
        }
        // The tables the eliminations touch, in a compact store.
        var compactOff = [Int](repeating: 0, count: core.wU.count + 1)
        var size = 0
        for w in core.opEdges {
            compactOff[w] = size
            size += core.wOff[w + 1] - core.wOff[w]
        }
        var exactStore = [Int128](repeating: 0, count: size)
        for w in core.opEdges where w < inst.edgeCount {
            let t0 = core.wOff[w], c0 = compactOff[w]
            for x in 0 ..< core.wOff[w + 1] - t0 { exactStore[c0 + x] = Int128(inst.edgeCost[t0 + x]) * scale }
        }
        let top = Int128.max / 4
        core.replay(unary: &exactUnary, store: &exactStore, offsets: compactOff, top: top)
        // Messages on the grid.
        var mq = [Int128](repeating: 0, count: messages.count)
        for x in 0 ..< messages.count {
            guard let q = DualCertificate.quantise(messages[x]) else { return nil }
            mq[x] = q
        }
        for c in 0 ..< n {
            let o = Int(inst.strategyStart[core.coreNode[c]])
            var best = top
            for s in 0 ..< k[c] {
                var v = exactUnary[o + s]
                for p in adjOff[c] ..< adjOff[c + 1] { v += mq[msgOff[p] + s] }
                if v < best { best = v }
            }
            total += best
        }
        for p in 0 ..< adjOff[n] where core.coreAdjIsU[p] {
            // Each core edge once, from its first node's slot.
            let i = slotNode[p], j = adjOther[p], ku = k[i], kv = k[j]
            let w = core.coreEdge[core.coreAdjEdge[p]]
            let ou = msgOff[p], ov = msgOff[partner[p]]
            var best = top
            for a in 0 ..< ku {
                var rowBest = top
                for b in 0 ..< kv {
                    let t: Int128
                    if core.isFolded[w] {
                        t = exactStore[compactOff[w] + a * kv + b]
                    } else {
                        t = Int128(inst.edgeCost[core.wOff[w] + a * kv + b]) * scale
                    }
                    let c = t - mq[ov + b]
                    if c < rowBest { rowBest = c }
                }
                let c = rowBest - mq[ou + a]
                if c < best { best = c }
            }
            total += best
        }
        return DualCertificate.ceilDiv(total, scale)
    }

    // MARK: - Reduced costs

    /// The dual value of the current messages and multipliers (reduced units, in `Double`)
    /// and, per instance strategy slot, a reduced cost: for a core node's strategy `s`,
    /// `theta_c(s) - min theta_c`, where `theta_c = U_c + sum of incoming messages`. Since
    /// `D` is a sum of minima, every memory-feasible labelling choosing `s` at that node costs
    /// at least `D + rc` (up to floating-point error; for pruning and steering, not proofs).
    /// Strategies of eliminated (non-core) nodes get 0: nothing is known about them.
    func reducedCosts() -> (dual: Double, rc: [Double]) {
        var rc = [Double](repeating: 0, count: inst.unary.count)
        var total = -multiplierConstant
        let kmax = max(1, k.max() ?? 1)
        var th = [Double](repeating: 0, count: kmax)
        var collected = [Double](repeating: 0, count: kmax)
        for c in 0 ..< n {
            let ki = k[c], o = off[c]
            for s in 0 ..< ki { th[s] = base[o + s]; collected[s] = base[o + s] }
            for p in adjOff[c] ..< adjOff[c + 1] {
                let m0 = msgOff[p], mj = msgOff[partner[p]], kj = k[adjOther[p]], w0 = matOff[p]
                for s in 0 ..< ki { th[s] += messages[m0 + s] }
                // The edge's min-marginal collected into this node (messages unchanged): the
                // dual of that reparametrisation is at least D, so the reduced cost below is
                // valid against D and not diluted by the share a pass moved into the edges.
                for s in 0 ..< ki {
                    var best = Double.infinity
                    for r in 0 ..< kj { best = min(best, mats[w0 + r * ki + s] - messages[mj + r]) }
                    collected[s] += best
                }
            }
            var lo = Double.infinity, thLo = Double.infinity
            for s in 0 ..< ki {
                thLo = min(thLo, th[s])
                lo = min(lo, collected[s])
            }
            if ki > 0 { total += thLo } else { lo = 0 }
            let io = Int(inst.strategyStart[core.coreNode[c]])
            for s in 0 ..< ki { rc[io + s] = collected[s] - lo }
        }
        for p in 0 ..< adjOff[n] where core.coreAdjIsU[p] {
            let i = slotNode[p], ki = k[i], kj = k[adjOther[p]]
            let m0 = matOff[p], mi = msgOff[p], mj = msgOff[partner[p]]
            var lo = Double.infinity
            for r in 0 ..< kj {
                for s in 0 ..< ki { lo = min(lo, mats[m0 + r * ki + s] - messages[mi + s] - messages[mj + r]) }
            }
            if lo.isFinite { total += lo }
        }
        return (total, rc)
    }

    /// The best state as a dual point of the whole reduced instance (`DualLayout` order, for
    /// `DualCertificate`), when the core is the whole instance (a dual built without
    /// eliminations); nil otherwise.
    func wholeInstancePoint(_ layout: DualLayout) -> DualPoint? {
        guard n == inst.nodeCount, core.coreEdgeCount == inst.edgeCount else { return nil }
        let (m, bestMu) = bestState
        var messages = [Double](repeating: 0, count: layout.messageCount)
        for p in 0 ..< adjOff[n] {
            let w = core.coreEdge[core.coreAdjEdge[p]]
            guard w < inst.edgeCount, !core.isFolded[w] else { return nil }
            let q = core.coreAdjIsU[p] ? layout.slotU[w] : layout.slotV[w]
            for s in 0 ..< k[slotNode[p]] { messages[layout.msgOff[q] + s] = m[msgOff[p] + s] }
        }
        return DualPoint(messages: messages, mu: inst.hasMemory ? bestMu : [])
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
        if !dual.isFinite {
            recover()
            return estimate
        }
        if dual > bestEstimate + 1e-9 * abs(dual) {
            bestEstimate = dual
            bestMu = mu
            bestMessages = messages
            bestStateMu = mu
            bestStateCertified = false
            sinceImprovement = 0
        } else {
            sinceImprovement += 1
            if sinceImprovement >= patience && !polishing {
                stepScale = max(stepScale * Self.stepHalving, Self.minimumStepScale)
                sinceImprovement = 0
            }
        }
        checkPolish()
        // The forward pass's labelling is extended to the eliminated nodes and priced every
        // `labellingInterval` iterations, the rhythm at which `DualPrimal` loads it.
        if iterations % Self.labellingInterval == 1 {
            labelling = core.expandCached(coreLabelling, cache: replayCache)
            recordLabelling()
        }
        return dual
    }

    /// The state with the best estimate so far (messages and multipliers), or the current one.
    var bestState: (messages: [Double], mu: [Double]) { (bestMessages ?? messages, bestStateMu ?? mu) }

    /// Starts from another dual's state on an instance with the same graph and strategy counts
    /// (e.g. a parent branch's): its messages and multipliers, with this instance's costs.
    func adopt(messages m: [Double], mu newMu: [Double]) {
        precondition(m.count == messages.count && newMu.count == mu.count)
        replaceMessages(m)
        for c in 0 ..< mu.count { mu[c] = max(0, newMu[c].isFinite ? newMu[c] : 0) }
        refresh()
    }

    /// Puts another state's messages in place; no slot is fresh against them.
    private func replaceMessages(_ m: [Double]) {
        messages = m
        for p in 0 ..< fresh.count { fresh[p] = false }
    }

    /// Back to the best state after a numerical breakdown (non-finite values).
    private func recover() {
        replaceMessages(bestMessages ?? [Double](repeating: 0, count: messages.count))
        if inst.hasMemory { mu = bestMu ?? [Double](repeating: 0, count: mu.count) }
        direction = []
        stepScale = max(stepScale * 0.25, 1e-4)
        refresh()
        skipStep = true
        estimate = bestEstimate
    }

    // MARK: - Polishing

    /// Iterations over which a polish's progress is measured...
    static let polishWindow = 100
    /// ... and the least relative rise of the best estimate over them that keeps it going.
    static let polishTolerance = 1e-6

    /// Whether the multipliers are frozen at the best state's (see `startPolish`).
    private(set) var polishing = false
    /// Polishes started, and the best estimate's total rise during them.
    private(set) var polishes = 0
    private(set) var polishGain = 0.0
    private var polishWatch = RiseWindow(window: LagrangianDual.polishWindow, tolerance: LagrangianDual.polishTolerance)

    /// Goes back to the best state and freezes the multipliers there: the next iterations
    /// are plain message passing at those multipliers, which never lowers the estimate. The
    /// state whose estimate is best was reached with messages that lag the multiplier steps
    /// (one pass pair per step), so it usually gains when its messages converge (benchmarks/
    /// BOUNDS.md, "polishing the best state"). The polish ends by itself once the best estimate
    /// rises by less than `polishTolerance` over `polishWindow` iterations; the steps then
    /// resume from the polished state.
    func startPolish() {
        guard !polishing else { return }
        if let m = bestMessages, let u = bestStateMu {
            replaceMessages(m)
            mu = u
            refresh()
        }
        polishing = true
        polishes += 1
        polishWatch = RiseWindow(window: Self.polishWindow, tolerance: Self.polishTolerance,
                                 from: iterations, best: bestEstimate)
        direction = []
        sinceImprovement = 0
    }

    /// Ends the polish when it has stopped paying (called after each iteration).
    private func checkPolish() {
        guard polishing, let window = polishWatch.check(iteration: iterations, best: bestEstimate) else { return }
        polishGain += max(0, window.rise)
        if window.flat {
            polishing = false
            sinceImprovement = 0
        }
    }

    /// A projected Polyak step on the multipliers. The subgradient comes from the backward
    /// pass's argmin labelling (each core node's best strategy after collecting its messages),
    /// extended to the eliminated nodes. No step while polishing.
    func stepMultipliers() {
        if polishing { return }
        if skipStep {
            skipStep = false
            return
        }
        guard inst.hasMemory else { return }
        let x = core.expandCached(argminLabelling, cache: replayCache)
        stepLabelling = x
        multiplierStep(estimate, x)
    }

    /// One pass over the core nodes; returns the dual estimate without the multipliers' constant.
    private func pass(forward: Bool) -> Double {
        var dual = 0.0
        let n = self.n
        let recordArgmin = !forward
        let skips = skipsFreshSlots
        var collectedHere = 0
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
        fresh.withUnsafeMutableBufferPointer { F in
        scratch.withUnsafeMutableBufferPointer { th in
        scratch2.withUnsafeMutableBufferPointer { dec in
        coreLabelling.withUnsafeMutableBufferPointer { X in
        argminLabelling.withUnsafeMutableBufferPointer { Y in
            for idx in 0 ..< n {
                let i = forward ? idx : n - 1 - idx
                let ki = K[i], o = O[i]
                let p0 = AO[i], p1 = AO[i + 1]
                // Collect the min-marginal of every incident edge:
                // m[e,i](s) = min_r mats_p[r, s] - m[e,j](r).
                for p in p0 ..< p1 where !(skips && F[p]) {
                    collectedHere += 1
                    let kj = K[AT[p]]
                    let mi = MO[p], mj = MO[PT[p]]
                    for s in 0 ..< ki { acc[s] = .infinity }
                    var row = MT[p]
                    for r in 0 ..< kj {
                        let mr = M[mj &+ r]
                        for s in 0 ..< ki { acc[s] = Swift.min(acc[s], W[row &+ s] - mr) }
                        row = row &+ ki
                    }
                    for s in 0 ..< ki { M[mi &+ s] = acc[s] }
                    // The partner collects from this message: it changed.
                    F[p] = true
                    F[PT[p]] = false
                }
                for s in 0 ..< ki { th[s] = B[o + s] }
                var later = 0
                for p in p0 ..< p1 {
                    let m0 = MO[p]
                    for s in 0 ..< ki { th[s] += M[m0 + s] }
                    if (AT[p] > i) == forward { later += 1 }
                }
                if recordArgmin {
                    var arg = 0
                    for s in 1 ..< max(ki, 1) where th[s] < th[arg] { arg = s }
                    Y[i] = Int32(arg)
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
                        F[p] = false
                        F[PT[p]] = false
                    }
                    dual += (1 - Double(later) * g) * lo
                } else {
                    dual += lo
                }
            }
        }}}}}}}}}}}}}}}}}
        collected += collectedHere
        skippedFresh += adjOff[n] - collectedHere
        return dual
    }

    /// One diagnostic line: iteration, estimates, step scale, multipliers, decoded labelling.
    func traceLine(constant: Int64) -> String {
        let over = overload(labelling)
        let overloaded = over.filter { $0 > 0 }.count
        let positive = mu.filter { $0 > 0 }.count
        var line = "it \(iterations) est \(formatFixed(estimate + Double(constant), 0)) best \(formatFixed(bestEstimate + Double(constant), 0))"
        line += " step \(formatFixed(stepScale, 4)) mu>0 \(positive)/\(activeClique.filter { $0 }.count)/\(mu.count) overloaded \(overloaded)"
        line += " maxover \(over.max() ?? 0) cost \(cost(labelling) + Int128(constant))"
        if let b = bestLabellingCost { line += " feasible \(b + Int128(constant))" }
        return line
    }

    // MARK: - Labellings and multiplier steps

    /// Clique loads of a labelling minus the capacities.
    func overload(_ x: [Int32]) -> [Int64] {
        guard inst.hasMemory else { return [] }
        var out = inst.cliqueLoads { i in inst.usage[Int(inst.strategyStart[i]) + Int(x[i])] }
        for c in 0 ..< inst.cliqueCount { out[c] &-= inst.capacity[c] }
        return out
    }

    /// Exact reduced cost of a labelling (stored terms).
    func cost(_ x: [Int32]) -> Int128 { inst.storedCost(x) }

    private func recordLabelling() {
        let over = overload(labelling)
        if over.contains(where: { $0 > 0 }) { return }
        let c = cost(labelling)
        if bestLabellingCost == nil || c < bestLabellingCost! {
            bestLabellingCost = c
            bestLabelling = labelling
        }
    }

    private func multiplierStep(_ dual: Double, _ x: [Int32]) {
        let over = overload(x)
        let alpha = Self.directionWeight
        if direction.count != mu.count { direction = [Double](repeating: 0, count: mu.count) }
        var norm2 = 0.0
        for c in 0 ..< mu.count {
            var v = alpha * Double(over[c]) + (1 - alpha) * direction[c]
            if (mu[c] <= 0 && v < 0) || !activeClique[c] { v = 0 }
            direction[c] = v
            norm2 += v * v
        }
        if norm2 <= 0 { return }
        var goal: Double
        if let target, target > bestEstimate {
            goal = target
        } else {
            goal = bestEstimate + max(1, Self.targetMargin * abs(bestEstimate))
        }
        if let known = bestLabellingCost, Double(known) < goal { goal = Double(known) }
        // Polyak's step measured from the best estimate (the current one oscillates).
        let gap = max(goal - bestEstimate, 1e-9 * max(1, abs(dual)))
        let t = stepScale * gap / norm2
        for c in 0 ..< mu.count where direction[c] != 0 { mu[c] = max(0, mu[c] + t * direction[c]) }
        refresh()
    }
}
