import Model
import GLPK

/// Solves a subproblem exactly with GLPK: a given set of FREE nodes may change strategy, every
/// other node keeps its current one. It only solves; which nodes are free is chosen elsewhere.
///
/// The model is the local-polytope MIP of the problem (one binary per node and strategy, one
/// continuous pair variable per edge and strategy pair) restricted to the free nodes:
/// - `x[i,s]` binary per free node and kept strategy, `sum_s x[i,s] = 1`. Edges to fixed nodes
///   are folded into the unary costs (at the fixed neighbour's current strategy).
/// - `y[e,a,b] >= 0` per edge with both ends free and kept pair, with
///   `sum_b y[e,a,b] = x[u,a]` and `sum_a y[e,a,b] = x[v,b]`.
/// - Infinite terms: a cost `c` counts as `c / I` infinite terms plus the finite part `c % I`,
///   where `I = inst.infiniteUnit` is the value of one infinite term (a folded sum may hold several).
///   When the current assignment has no infinite term inside the subproblem, every solution with
///   one is worse, so they are left out: a strategy with an infinite term (unary or towards a
///   fixed neighbour) is dropped, infinite pairs get no column, and strategies without a finite
///   partner on some free edge are dropped (arc consistency, to a fixpoint). When the current
///   assignment has some, every strategy and pair is kept and each infinite term costs a
///   penalty `M` that exceeds the spread of the finite part over all solutions, so GLPK
///   minimises (number of infinite terms, finite part) lexicographically: the order of the true
///   cost as long as that spread stays below `I` (checked). If that model's objective would
///   reach 2^52, the fallback keeps only the current assignment's infinite terms (the current
///   strategy of a node, the current pair of an edge): it can then remove infinite terms but
///   not trade them for others.
/// - A strategy that needs more extra memory than some clique it lives in can spare (the other
///   free nodes at their least usage) is dropped. A node left with one strategy (its current
///   one) is treated as fixed.
/// - Memory: the free nodes' clique ranges cut the clique axis into segments on which the set
///   of live free nodes is constant. Per segment, with usages shifted by each node's least kept
///   usage, `sum (usage[i,s] - umin[i]) x[i,s] <= min slack + sum (usage[i,cur] - umin[i])`.
///   Rows that can never bind, and rows implied by a row over a superset with a right-hand side
///   no larger, are not emitted.
/// - Objective: per free node its least kept finite part and per edge its least kept finite part
///   are subtracted (a constant per term, also on infinite entries), so coefficients are small; a
///   subproblem whose largest possible objective reaches 2^52 is skipped (doubles are exact below
///   2^53).
/// - Only an improvement of at least 1 is wanted (costs are integers; GLPK's optimality claims can
///   be off by small amounts): see ``StartMode``.
///
/// Every GLPK answer is re-checked: the solution is rounded, must pick exactly one strategy per
/// node, and its improvement is recomputed exactly in `Int128` with the instance's integer costs
/// and its memory checked in integer arithmetic against the state's slack.
///
/// The state should be memory-feasible; if it is not, a result only promises that no clique's
/// slack drops below zero (or further below) because of it.
///
/// Not `Sendable`: one per worker, used by one thread at a time. GLPK problems must be created,
/// solved and freed on one thread; each `solve` builds, solves and frees its own problem on the
/// calling thread, so none outlives a call. GLPK's per-thread environment stays with the thread
/// (`GLPKEnvironment.releaseCurrentThread()` frees it; the solve's workers run on pooled
/// dispatch threads and leave it).
final class MIPSubproblemSolver {
    enum StartMode: Sendable {
        /// A row `objective <= current - 1`. The current assignment is not handed to GLPK: it
        /// violates that row, so GLPK's warm-start check would reject it anyway. With this mode
        /// `.infeasible` means "no improvement exists" and GLPK may presolve.
        case cutoff
        /// The current assignment as GLPK's first incumbent, no cutoff row (GLPK itself prunes
        /// nodes whose bound cannot beat an integral incumbent by 1, up to its tolerances).
        case warmStart
    }

    /// Defaults: a cutoff row without presolve solved whole reduced instances and balls two to
    /// three times faster than with presolve or a warm start (benchmarks/CONSTANTS.md).
    struct Options: Sendable {
        /// Subproblems with more columns are refused.
        var maxColumns = 60_000
        /// Subproblems with more constraint coefficients (cutoff row included) are refused.
        var maxNonzeros = 400_000
        var startMode = StartMode.cutoff
        /// GLPK's MIP presolver (only used without a warm start).
        var presolve = false
        var cuts = MIPCuts()
    }

    struct Result {
        /// The free nodes whose strategy changes, with their new local strategy.
        var assignment: [(node: Int32, strategy: Int32)]
        /// Cost decrease in internal cost units, exact; always > 0.
        var improvement: Int128
        /// GLPK's status of the solve, e.g. "optimal" or "feasible (timeLimit)".
        var status: String
        /// GLPK claimed optimality of the subproblem (a hint, not a proof).
        var provedOptimal: Bool
        var seconds: Double
        var columns: Int
        var rows: Int
    }

    let inst: SolverInstance
    var options: Options
    /// The value of one infinite term in the instance's costs.
    let unit: Int64

    // Statistics.
    private(set) var calls = 0
    private(set) var improvements = 0
    /// Solves stopped by the time limit (with or without a solution).
    private(set) var timeouts = 0
    /// GLPK errors, failures, or answers that did not survive the exact check.
    private(set) var failures = 0
    /// Subproblems refused as too large (size caps or objective magnitude).
    private(set) var skipped = 0
    /// Solves where the current assignment had infinite terms but the model keeping all of
    /// them was too wide, so only the current ones were kept.
    private(set) var restrictedSolves = 0
    /// Seconds spent in `solve` (building and solving).
    private(set) var seconds = 0.0
    /// What the last call did, for logs and measurements.
    private(set) var lastOutcome = ""

    /// When set, only the strategies marked true (per instance strategy slot) may be chosen
    /// (each free node's current strategy always may): a restricted, no longer exact,
    /// subproblem, e.g. the strategies of small reduced cost in the Lagrangian dual.
    var strategyMask: [Bool]?

    // Scratch over all nodes: `mark[i] == curMark` for free nodes, `local[i]` their index.
    private var mark: [UInt32]
    private var curMark: UInt32 = 0
    private var local: [Int32]

    /// Finite objective ranges must stay below this (doubles are exact below 2^53).
    static let magnitudeLimit: Int128 = 1 << 52

    init(_ inst: SolverInstance, options: Options = Options()) {
        self.inst = inst
        self.options = options
        unit = inst.infiniteUnit
        mark = [UInt32](repeating: 0, count: inst.nodeCount)
        local = [Int32](repeating: -1, count: inst.nodeCount)
    }

    // MARK: - Subproblem data

    /// An edge with both ends free, by the free indices of `edgeU` and `edgeV`.
    private struct FreeEdge {
        var e: Int
        var fu: Int
        var fv: Int
    }

    /// The free nodes with their kept strategies and folded costs. Local strategy slots: free
    /// node `f` has slots `sOff[f] ..< sOff[f + 1]`, one per strategy of the node.
    private struct Sub {
        var nodes: [Int] = []
        var cur: [Int] = []
        var sOff: [Int] = [0]
        var alive: [Bool] = []
        /// Infinite terms per slot (unary and edges to fixed or pinned neighbours).
        var inf: [Int32] = []
        /// Sum of the finite terms per slot.
        var fin: [Int128] = []
        var edges: [FreeEdge] = []
        /// Whether strategies and pairs with infinite terms are kept (at a penalty).
        var keepInfinite = false
        /// Infinite terms of the current assignment inside the subproblem.
        var currentInfinite = 0
        /// Segments of the clique axis cut by the free nodes' ranges (memory only).
        var segLo: [Int] = []
        var segHi: [Int] = []
        var segSlack: [Int64] = []
        /// Per free node its segments `segFirst ..< segEnd` (empty when it has no cliques).
        var segFirst: [Int] = []
        var segEnd: [Int] = []

        var count: Int { nodes.count }

        func aliveCount(_ f: Int) -> Int {
            var c = 0
            for t in sOff[f] ..< sOff[f + 1] where alive[t] { c += 1 }
            return c
        }
    }

    // MARK: - Solve

    /// Solves the subproblem over `free` (all other nodes fixed at `state`'s strategies) and
    /// returns the changes that lower the cost, or nil when no improvement was found, the
    /// subproblem was too large, or the solve failed. `stop` is polled during the search.
    func solve(
        state: SearchState, free: [Int32], timeLimit: Double, stop: @escaping () -> Bool
    ) -> Result? {
        precondition(state.inst === inst, "MIPSubproblemSolver used with another instance's state")
        let t0 = MonotonicClock.seconds()
        calls += 1
        defer { seconds += MonotonicClock.seconds() - t0 }

        // Without infinite terms in the current subproblem, every solution using one is worse,
        // so leaving them out is exact. With some, first try the model that keeps every
        // infinite term at the penalty `M` (exact too); if its objective range is too wide for
        // doubles, fall back to the one where only the current assignment's infinite terms stay.
        var sub = prepare(state, free, keepInfinite: false)
        if sub.count == 0 {
            lastOutcome = "no free nodes"
            return nil
        }
        var built: Swift.Result<Model, Refusal>?
        if sub.currentInfinite > 0 {
            // Same nodes in the same order, so `mark` and `local` stay valid for either.
            let full = prepare(state, free, keepInfinite: true)
            let fullModel = buildModel(state, full)
            if case .success = fullModel {
                sub = full
                built = fullModel
            } else {
                restrictedSolves += 1
            }
        }
        var model: Model
        switch built ?? buildModel(state, sub) {
        case .success(let m): model = m
        case .failure(let refusal):
            lastOutcome = refusal.text
            if refusal.tooLarge { skipped += 1 }
            return nil
        }
        return run(state, sub, &model, timeLimit: timeLimit, stop: stop, t0: t0)
    }

    /// Applies a result to the state it was computed from: the changed nodes, then the exact
    /// cost change. Returns false (and leaves the state as it was) if a feasible state would
    /// become infeasible, which the exact check in `solve` rules out.
    @discardableResult
    func apply(_ r: Result, to state: SearchState) -> Bool {
        let wasFeasible = state.feasible
        var old: [(Int, Int)] = []
        old.reserveCapacity(r.assignment.count)
        for (node, s) in r.assignment {
            let i = Int(node)
            old.append((i, Int(state.x[i])))
            state.apply(i, Int(s), 0)
        }
        if wasFeasible && !state.feasible {
            for (i, a) in old.reversed() { state.apply(i, a, 0) }
            assertionFailure("MIP subproblem result breaks memory")
            return false
        }
        state.adjustCost(-r.improvement)
        return true
    }

    // MARK: - Gathering and pruning

    private func newMark() {
        curMark &+= 1
        if curMark == 0 {
            for i in 0 ..< mark.count { mark[i] = 0 }
            curMark = 1
        }
    }

    /// The subproblem over `free`, pruned and with pinned nodes folded.
    private func prepare(_ state: SearchState, _ free: [Int32], keepInfinite: Bool) -> Sub {
        var sub = gather(state, free, keepInfinite: keepInfinite)
        if sub.count == 0 { return sub }
        if inst.hasMemory {
            cutSegments(state, &sub)
            pruneByMemory(state, &sub)
        }
        if !keepInfinite { pruneArcConsistent(&sub) }
        foldPinned(&sub)
        return sub
    }

    /// Deduplicates the free nodes (ignoring out-of-range ones), folds their edges to fixed
    /// nodes into the unary terms, lists the free-free edges and keeps the strategies without
    /// infinite terms plus the current one.
    private func gather(_ state: SearchState, _ free: [Int32], keepInfinite: Bool) -> Sub {
        newMark()
        var sub = Sub()
        sub.keepInfinite = keepInfinite
        for v in free {
            let i = Int(v)
            guard i >= 0 && i < inst.nodeCount && mark[i] != curMark else { continue }
            mark[i] = curMark
            local[i] = Int32(sub.nodes.count)
            sub.nodes.append(i)
        }
        let x = state.x
        for i in sub.nodes {
            sub.cur.append(Int(x[i]))
            sub.sOff.append(sub.sOff[sub.sOff.count - 1] + Int(inst.strategyCount[i]))
        }
        let slots = sub.sOff[sub.count]
        sub.inf = [Int32](repeating: 0, count: slots)
        sub.fin = [Int128](repeating: 0, count: slots)
        for f in 0 ..< sub.count {
            let i = sub.nodes[f]
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i]), base = sub.sOff[f]
            for s in 0 ..< k { add(&sub, base + s, inst.unary[o + s]) }
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                let w = Int(inst.adjOther[p])
                if mark[w] == curMark {
                    if inst.adjIsFirst[p] { sub.edges.append(FreeEdge(e: Int(inst.adjEdge[p]), fu: f, fv: Int(local[w]))) }
                    continue
                }
                let y = Int(x[w])
                for s in 0 ..< k { add(&sub, base + s, inst.slotCost(p, s, y)) }
            }
        }
        sub.alive = [Bool](repeating: keepInfinite, count: slots)
        for f in 0 ..< sub.count {
            if !keepInfinite {
                for s in sub.sOff[f] ..< sub.sOff[f + 1] { sub.alive[s] = sub.inf[s] == 0 }
            }
            if let mask = strategyMask {
                let o = Int(inst.strategyStart[sub.nodes[f]]), base = sub.sOff[f]
                for s in base ..< sub.sOff[f + 1] where !mask[o + s - base] { sub.alive[s] = false }
            }
            sub.alive[sub.sOff[f] + sub.cur[f]] = true
            sub.currentInfinite += Int(sub.inf[sub.sOff[f] + sub.cur[f]])
        }
        for ed in sub.edges {
            sub.currentInfinite += Int(split(inst.pairCost(ed.e, sub.cur[ed.fu], sub.cur[ed.fv])).infinite)
        }
        return sub
    }

    /// A term as (number of infinite terms, finite part): `c = infinite * unit + finite`. A term
    /// below the unit is finite; folded sums of several infinite terms count several.
    @inline(__always) private func split(_ c: Int64) -> (infinite: Int64, finite: Int64) {
        c < unit ? (0, c) : (c / unit, c % unit)
    }

    @inline(__always) private func add(_ sub: inout Sub, _ slot: Int, _ c: Int64) {
        let (i, f) = split(c)
        sub.inf[slot] += Int32(i)
        sub.fin[slot] += Int128(f)
    }

    @inline(__always) private func usage(_ sub: Sub, _ f: Int, _ s: Int) -> Int64 {
        inst.usage[Int(inst.strategyStart[sub.nodes[f]]) + s]
    }

    /// Cuts the clique axis at every end of a free node's clique range.
    private func cutSegments(_ state: SearchState, _ sub: inout Sub) {
        var cuts: [Int] = []
        for i in sub.nodes where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
            cuts.append(Int(inst.cliqueFirst[i]))
            cuts.append(Int(inst.cliqueEnd[i]))
        }
        cuts.sort()
        var unique: [Int] = []
        for c in cuts where unique.last != c { unique.append(c) }
        sub.segFirst = [Int](repeating: 0, count: sub.count)
        sub.segEnd = [Int](repeating: 0, count: sub.count)
        guard unique.count >= 2 else { return }
        for t in 0 ..< unique.count - 1 {
            sub.segLo.append(unique[t])
            sub.segHi.append(unique[t + 1])
            sub.segSlack.append(state.slack.min(unique[t], unique[t + 1]))
        }
        func position(_ c: Int) -> Int {
            var lo = 0, hi = unique.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if unique[mid] < c { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        for f in 0 ..< sub.count {
            let i = sub.nodes[f]
            if inst.cliqueFirst[i] < inst.cliqueEnd[i] {
                sub.segFirst[f] = position(Int(inst.cliqueFirst[i]))
                sub.segEnd[f] = position(Int(inst.cliqueEnd[i]))
            }
        }
    }

    /// Per free node the least and largest kept usage; per segment the right-hand side of its
    /// shifted knapsack row (`min slack + sum over live nodes of usage[cur] - umin`) and the
    /// largest possible shifted load (`sum of umax - umin`).
    private func segmentSums(_ sub: Sub) -> (rhs: [Int128], extra: [Int128], umin: [Int64], umax: [Int64]) {
        let segments = sub.segLo.count
        var umin = [Int64](repeating: 0, count: sub.count)
        var umax = [Int64](repeating: 0, count: sub.count)
        var dBase = [Int128](repeating: 0, count: segments + 1)
        var dExtra = [Int128](repeating: 0, count: segments + 1)
        for f in 0 ..< sub.count {
            var lo = Int64.max, hi = Int64.min
            for s in 0 ..< sub.sOff[f + 1] - sub.sOff[f] where sub.alive[sub.sOff[f] + s] {
                let u = usage(sub, f, s)
                lo = min(lo, u)
                hi = max(hi, u)
            }
            umin[f] = lo
            umax[f] = hi
            if sub.segFirst[f] < sub.segEnd[f] {
                let base = Int128(usage(sub, f, sub.cur[f])) - Int128(lo)
                let extra = Int128(hi) - Int128(lo)
                dBase[sub.segFirst[f]] += base
                dBase[sub.segEnd[f]] -= base
                dExtra[sub.segFirst[f]] += extra
                dExtra[sub.segEnd[f]] -= extra
            }
        }
        var rhs = [Int128](repeating: 0, count: segments)
        var extra = [Int128](repeating: 0, count: segments)
        var accBase: Int128 = 0, accExtra: Int128 = 0
        for t in 0 ..< segments {
            accBase += dBase[t]
            accExtra += dExtra[t]
            rhs[t] = Int128(sub.segSlack[t]) + accBase
            extra[t] = accExtra
        }
        return (rhs, extra, umin, umax)
    }

    /// Drops strategies whose extra usage alone exceeds some segment's room (the other free
    /// nodes at their least usage). The current strategy is always kept.
    private func pruneByMemory(_ state: SearchState, _ sub: inout Sub) {
        guard !sub.segLo.isEmpty else { return }
        let sums = segmentSums(sub)
        for f in 0 ..< sub.count where sub.segFirst[f] < sub.segEnd[f] {
            var room = Int128.max
            for t in sub.segFirst[f] ..< sub.segEnd[f] { room = min(room, sums.rhs[t]) }
            for s in 0 ..< sub.sOff[f + 1] - sub.sOff[f] where s != sub.cur[f] {
                if Int128(usage(sub, f, s)) - Int128(sums.umin[f]) > room { sub.alive[sub.sOff[f] + s] = false }
            }
        }
    }

    /// A pair of a free-free edge may get a column: finite, the current pair, or any when
    /// infinite terms are kept.
    @inline(__always) private func allowed(_ sub: Sub, _ ed: FreeEdge, _ a: Int, _ b: Int) -> Bool {
        sub.keepInfinite || inst.pairCost(ed.e, a, b) < unit || (a == sub.cur[ed.fu] && b == sub.cur[ed.fv])
    }

    /// Drops strategies without an allowed partner on some free-free edge, to a fixpoint.
    private func pruneArcConsistent(_ sub: inout Sub) {
        var changed = true
        while changed {
            changed = false
            for ed in sub.edges {
                let bu = sub.sOff[ed.fu], bv = sub.sOff[ed.fv]
                let ku = sub.sOff[ed.fu + 1] - bu, kv = sub.sOff[ed.fv + 1] - bv
                for a in 0 ..< ku where sub.alive[bu + a] {
                    var ok = false
                    for b in 0 ..< kv where sub.alive[bv + b] && allowed(sub, ed, a, b) {
                        ok = true
                        break
                    }
                    if !ok {
                        sub.alive[bu + a] = false
                        changed = true
                    }
                }
                for b in 0 ..< kv where sub.alive[bv + b] {
                    var ok = false
                    for a in 0 ..< ku where sub.alive[bu + a] && allowed(sub, ed, a, b) {
                        ok = true
                        break
                    }
                    if !ok {
                        sub.alive[bv + b] = false
                        changed = true
                    }
                }
            }
        }
    }

    /// Nodes left with one strategy (their current one) act as fixed: their free edges fold
    /// into the other end's unary terms and leave the edge list.
    private func foldPinned(_ sub: inout Sub) {
        var pinned = [Bool](repeating: false, count: sub.count)
        for f in 0 ..< sub.count { pinned[f] = sub.aliveCount(f) == 1 }
        var kept: [FreeEdge] = []
        for ed in sub.edges {
            switch (pinned[ed.fu], pinned[ed.fv]) {
            case (false, false): kept.append(ed)
            case (true, true): break
            case (false, true):
                let b = sub.cur[ed.fv], base = sub.sOff[ed.fu]
                for a in 0 ..< sub.sOff[ed.fu + 1] - base where sub.alive[base + a] {
                    add(&sub, base + a, inst.pairCost(ed.e, a, b))
                }
            case (true, false):
                let a = sub.cur[ed.fu], base = sub.sOff[ed.fv]
                for b in 0 ..< sub.sOff[ed.fv + 1] - base where sub.alive[base + b] {
                    add(&sub, base + b, inst.pairCost(ed.e, a, b))
                }
            }
        }
        sub.edges = kept
    }

    // MARK: - Model

    private struct Model {
        var columns: [Column] = []
        var rows = SparseRows()
        var warm: [Double] = []
        /// GLPK objective of the current assignment (an integer).
        var current: Double = 0
        /// Column of each slot's `x`, -1 when none (dropped strategy or pinned node).
        var xCol: [Int] = []
        /// Nodes with columns.
        var modelNodes: [Int] = []
    }

    private struct Refusal: Error {
        var text: String
        var tooLarge: Bool
    }

    private func buildModel(_ state: SearchState, _ sub: Sub) -> Swift.Result<Model, Refusal> {
        var m = Model()
        m.xCol = [Int](repeating: -1, count: sub.sOff[sub.count])
        for f in 0 ..< sub.count where sub.aliveCount(f) > 1 { m.modelNodes.append(f) }
        if m.modelNodes.isEmpty {
            return .failure(Refusal(text: "nothing left to choose after pruning", tooLarge: false))
        }

        // Objective ranges and sizes.
        var finiteRange: Int128 = 0
        var infTerms: Int128 = 0
        var columns = 0, nonzeros = 0
        var nodeMin = [Int128](repeating: 0, count: sub.count)
        for f in m.modelNodes {
            var lo = Int128.max, hi = Int128.min, alive = 0, worst: Int32 = 0
            for t in sub.sOff[f] ..< sub.sOff[f + 1] where sub.alive[t] {
                lo = min(lo, sub.fin[t])
                hi = max(hi, sub.fin[t])
                worst = max(worst, sub.inf[t])
                alive += 1
            }
            nodeMin[f] = lo
            finiteRange += hi - lo
            infTerms += Int128(worst)
            columns += alive
            nonzeros += alive
        }
        var edgeMin = [Int64](repeating: 0, count: sub.edges.count)
        for (q, ed) in sub.edges.enumerated() {
            let bu = sub.sOff[ed.fu], bv = sub.sOff[ed.fv]
            var lo = Int64.max, hi = Int64.min, pairs = 0, worst: Int64 = 0
            for a in 0 ..< sub.sOff[ed.fu + 1] - bu where sub.alive[bu + a] {
                for b in 0 ..< sub.sOff[ed.fv + 1] - bv where sub.alive[bv + b] && allowed(sub, ed, a, b) {
                    pairs += 1
                    let (i, f) = split(inst.pairCost(ed.e, a, b))
                    lo = min(lo, f)
                    hi = max(hi, f)
                    worst = max(worst, i)
                }
            }
            if lo <= hi {
                edgeMin[q] = lo
                finiteRange += Int128(hi) - Int128(lo)
            }
            infTerms += Int128(worst)
            columns += pairs
            nonzeros += 2 * pairs + sub.aliveCount(ed.fu) + sub.aliveCount(ed.fv)
        }
        let penalty = finiteRange + 1
        let largest = finiteRange + infTerms * penalty
        if largest >= MIPSubproblemSolver.magnitudeLimit {
            return .failure(Refusal(text: "objective range \(largest) >= 2^52", tooLarge: true))
        }
        // (number of infinite terms, finite part) orders like the true cost only while the
        // finite part's spread stays below one infinite term.
        if finiteRange >= Int128(unit) {
            return .failure(Refusal(text: "finite spread \(finiteRange) >= one infinite term", tooLarge: true))
        }
        if columns > options.maxColumns {
            return .failure(Refusal(text: "\(columns) columns > \(options.maxColumns)", tooLarge: true))
        }
        // The cutoff row holds every column with a nonzero objective: at most all of them.
        if options.startMode == .cutoff { nonzeros += columns }
        if nonzeros > options.maxNonzeros {
            return .failure(Refusal(text: "\(nonzeros) nonzeros > \(options.maxNonzeros)", tooLarge: true))
        }

        // x columns and assignment rows.
        m.columns.reserveCapacity(columns)
        m.warm.reserveCapacity(columns)
        m.rows.reserveCapacity(rows: m.modelNodes.count + 2 * columns, nonzeros: nonzeros)
        var rowColumns: [Int] = []
        var rowValues: [Double] = []
        do {
            for f in m.modelNodes {
                rowColumns.removeAll(keepingCapacity: true)
                for t in sub.sOff[f] ..< sub.sOff[f + 1] where sub.alive[t] {
                    let c = Int128(sub.inf[t]) * penalty + sub.fin[t] - nodeMin[f]
                    let isCurrent = t == sub.sOff[f] + sub.cur[f]
                    m.xCol[t] = m.columns.count
                    rowColumns.append(m.columns.count)
                    m.columns.append(.binary(objective: Double(c)))
                    m.warm.append(isCurrent ? 1 : 0)
                    if isCurrent { m.current += Double(c) }
                }
                try m.rows.append(.fixed(1), columns: rowColumns, values: [Double](repeating: 1, count: rowColumns.count))
            }

            // y columns and marginal rows, per edge.
            var pairA: [Int] = [], pairB: [Int] = [], pairCol: [Int] = []
            var byB: [Int] = []
            for (q, ed) in sub.edges.enumerated() {
                let bu = sub.sOff[ed.fu], bv = sub.sOff[ed.fv]
                let ku = sub.sOff[ed.fu + 1] - bu, kv = sub.sOff[ed.fv + 1] - bv
                let cu = sub.cur[ed.fu], cv = sub.cur[ed.fv]
                pairA.removeAll(keepingCapacity: true)
                pairB.removeAll(keepingCapacity: true)
                pairCol.removeAll(keepingCapacity: true)
                for a in 0 ..< ku where sub.alive[bu + a] {
                    for b in 0 ..< kv where sub.alive[bv + b] && allowed(sub, ed, a, b) {
                        let (i, f) = split(inst.pairCost(ed.e, a, b))
                        let c = Int128(i) * penalty + Int128(f) - Int128(edgeMin[q])
                        let isCurrent = a == cu && b == cv
                        pairA.append(a)
                        pairB.append(b)
                        pairCol.append(m.columns.count)
                        m.columns.append(Column(objective: Double(c)))
                        m.warm.append(isCurrent ? 1 : 0)
                        if isCurrent { m.current += Double(c) }
                    }
                }
                // Rows over a (pairs are grouped by a already).
                var p = 0
                while p < pairA.count {
                    let a = pairA[p]
                    rowColumns.removeAll(keepingCapacity: true)
                    rowValues.removeAll(keepingCapacity: true)
                    while p < pairA.count && pairA[p] == a {
                        rowColumns.append(pairCol[p])
                        rowValues.append(1)
                        p += 1
                    }
                    rowColumns.append(m.xCol[bu + a])
                    rowValues.append(-1)
                    try m.rows.append(.fixed(0), columns: rowColumns, values: rowValues)
                }
                // Rows over b: counting sort of the pairs by b.
                var start = [Int](repeating: 0, count: kv + 1)
                for b in pairB { start[b + 1] += 1 }
                for b in 0 ..< kv { start[b + 1] += start[b] }
                var fill = start
                byB = [Int](repeating: 0, count: pairB.count)
                for (p, b) in pairB.enumerated() {
                    byB[fill[b]] = p
                    fill[b] += 1
                }
                for b in 0 ..< kv where start[b] < start[b + 1] {
                    rowColumns.removeAll(keepingCapacity: true)
                    rowValues.removeAll(keepingCapacity: true)
                    for r in start[b] ..< start[b + 1] {
                        rowColumns.append(pairCol[byB[r]])
                        rowValues.append(1)
                    }
                    rowColumns.append(m.xCol[bv + b])
                    rowValues.append(-1)
                    try m.rows.append(.fixed(0), columns: rowColumns, values: rowValues)
                }
            }
        } catch {
            return .failure(Refusal(text: "model construction: \(error)", tooLarge: false))
        }

        if inst.hasMemory && !sub.segLo.isEmpty {
            if let refusal = addMemoryRows(sub, &m, nonzeros: &nonzeros) { return .failure(refusal) }
        }
        return .success(m)
    }

    /// Knapsack rows of the segments that can bind and are not implied by another row.
    private func addMemoryRows(_ sub: Sub, _ m: inout Model, nonzeros: inout Int) -> Refusal? {
        let sums = segmentSums(sub)
        let segments = sub.segLo.count
        // Nodes whose usage can still vary; the others are constants inside `rhs`.
        var count = [Int](repeating: 0, count: segments)
        var minEnd = [Int](repeating: Int.max, count: segments)
        var maxFirst = [Int](repeating: Int.min, count: segments)
        var variable: [Int] = []
        for f in 0 ..< sub.count where sub.segFirst[f] < sub.segEnd[f] && sums.umax[f] > sums.umin[f] {
            variable.append(f)
            for t in sub.segFirst[f] ..< sub.segEnd[f] {
                count[t] += 1
                minEnd[t] = min(minEnd[t], sub.segEnd[f])
                maxFirst[t] = max(maxFirst[t], sub.segFirst[f])
            }
        }
        for t in 0 ..< segments where sums.rhs[t] >= MIPSubproblemSolver.magnitudeLimit
            || sums.rhs[t] <= -MIPSubproblemSolver.magnitudeLimit || sums.extra[t] >= MIPSubproblemSolver.magnitudeLimit
        {
            return Refusal(text: "memory row magnitude >= 2^52 at segment \(t)", tooLarge: true)
        }
        // Row t is implied by row l when the live set of l contains that of t (l lies in
        // maxFirst[t] ..< minEnd[t]) and l's right-hand side is no larger; ties keep the larger
        // set, then the lower index, so one row of each chain survives.
        var rowOf = [Int](repeating: -1, count: segments)
        var emitted: [Int] = []
        for t in 0 ..< segments {
            if count[t] == 0 {
                if sums.rhs[t] < 0 { return Refusal(text: "memory infeasible at segment \(t)", tooLarge: false) }
                continue
            }
            if sums.extra[t] <= sums.rhs[t] { continue }
            var implied = false
            for l in maxFirst[t] ..< minEnd[t] where l != t {
                if sums.rhs[l] < sums.rhs[t]
                    || (sums.rhs[l] == sums.rhs[t] && (count[l] > count[t] || (count[l] == count[t] && l < t)))
                {
                    implied = true
                    break
                }
            }
            if implied { continue }
            rowOf[t] = emitted.count
            emitted.append(t)
        }
        guard !emitted.isEmpty else { return nil }
        var members = [[Int]](repeating: [], count: emitted.count)
        for f in variable {
            for t in sub.segFirst[f] ..< sub.segEnd[f] where rowOf[t] >= 0 { members[rowOf[t]].append(f) }
        }
        var rowColumns: [Int] = []
        var rowValues: [Double] = []
        for (r, t) in emitted.enumerated() {
            rowColumns.removeAll(keepingCapacity: true)
            rowValues.removeAll(keepingCapacity: true)
            for f in members[r] {
                for s in 0 ..< sub.sOff[f + 1] - sub.sOff[f] where sub.alive[sub.sOff[f] + s] {
                    let u = usage(sub, f, s) - sums.umin[f]
                    if u > 0 {
                        rowColumns.append(m.xCol[sub.sOff[f] + s])
                        rowValues.append(Double(u))
                    }
                }
            }
            nonzeros += rowColumns.count
            if nonzeros > options.maxNonzeros {
                return Refusal(text: "\(nonzeros)+ nonzeros > \(options.maxNonzeros)", tooLarge: true)
            }
            do {
                try m.rows.append(.upper(Double(sums.rhs[t])), columns: rowColumns, values: rowValues)
            } catch {
                return Refusal(text: "memory row: \(error)", tooLarge: false)
            }
        }
        return nil
    }

    // MARK: - Solve and check

    private func run(
        _ state: SearchState, _ sub: Sub, _ model: inout Model, timeLimit: Double,
        stop: @escaping () -> Bool, t0: Double
    ) -> Result? {
        let r: MIPResult
        do {
            let problem = MIPProblem(direction: .minimise)
            try problem.addColumns(model.columns)
            try problem.addRows(model.rows)
            var o = MIPOptions(
                timeLimit: timeLimit, absoluteGap: 0.999, presolve: options.presolve, cuts: options.cuts,
                shouldStop: stop)
            switch options.startMode {
            case .cutoff: o.objectiveCutoff = model.current - 1
            case .warmStart: o.warmStart = model.warm
            }
            r = try problem.solveMIP(o)
        } catch {
            failures += 1
            lastOutcome = "GLPK error: \(error)"
            return nil
        }
        let statusText = r.stopReason.map { "\(r.status) (\($0))" } ?? "\(r.status)"
        if r.stopReason == .timeLimit { timeouts += 1 }
        switch r.status {
        case .optimal, .feasible: break
        case .infeasible:
            lastOutcome = "no improvement (\(statusText))"
            return nil
        case .noSolutionFound:
            lastOutcome = "no solution (\(statusText))"
            return nil
        case .unbounded, .failed:
            failures += 1
            lastOutcome = "failed: \(statusText) \(r.message ?? "")"
            return nil
        }
        guard let values = r.values, values.count == model.columns.count else {
            failures += 1
            lastOutcome = "failed: \(statusText) without values"
            return nil
        }

        // Round x: exactly one strategy per node.
        var newS = sub.cur
        for f in model.modelNodes {
            var chosen = -1
            for s in 0 ..< sub.sOff[f + 1] - sub.sOff[f] where model.xCol[sub.sOff[f] + s] >= 0 {
                if values[model.xCol[sub.sOff[f] + s]] > 0.5 {
                    if chosen >= 0 { chosen = -2 }
                    if chosen == -1 { chosen = s }
                }
            }
            guard chosen >= 0 else {
                failures += 1
                lastOutcome = "failed: \(statusText) with \(chosen == -1 ? "no" : "several") strategies for node \(sub.nodes[f])"
                return nil
            }
            newS[f] = chosen
        }

        let change = exactChange(state, sub, newS)
        if change >= 0 {
            // With a cutoff row GLPK should only return improvements.
            if options.startMode == .cutoff && change > 0 { failures += 1 }
            lastOutcome = "no improvement (\(statusText), exact change \(change))"
            return nil
        }
        if let violation = memoryViolation(sub, newS) {
            failures += 1
            lastOutcome = "failed: \(statusText) but \(violation)"
            return nil
        }
        var assignment: [(node: Int32, strategy: Int32)] = []
        for f in 0 ..< sub.count where newS[f] != sub.cur[f] {
            assignment.append((Int32(sub.nodes[f]), Int32(newS[f])))
        }
        improvements += 1
        lastOutcome = "improved by \(-change) (\(statusText))"
        return Result(
            assignment: assignment, improvement: -change, status: statusText,
            provedOptimal: r.status == .optimal, seconds: MonotonicClock.seconds() - t0,
            columns: model.columns.count, rows: model.rows.count)
    }

    /// Exact cost change (new - old) of moving the free nodes to `newS`, with the instance's
    /// clamped integer terms, as `SearchState.cost` counts them.
    private func exactChange(_ state: SearchState, _ sub: Sub, _ newS: [Int]) -> Int128 {
        let x = state.x
        var d: Int128 = 0
        for f in 0 ..< sub.count where newS[f] != sub.cur[f] {
            let i = sub.nodes[f]
            let o = Int(inst.strategyStart[i])
            let a = sub.cur[f], b = newS[f]
            d += Int128(inst.unary[o + b]) - Int128(inst.unary[o + a])
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                let w = Int(inst.adjOther[p])
                let wOld = Int(x[w])
                var wNew = wOld
                if mark[w] == curMark {
                    wNew = newS[Int(local[w])]
                    // An edge between two changed nodes is counted from its first node.
                    if wNew != wOld && !inst.adjIsFirst[p] { continue }
                }
                d += Int128(inst.slotCost(p, b, wNew)) - Int128(inst.slotCost(p, a, wOld))
            }
        }
        return d
    }

    /// Whether moving to `newS` pushes some clique below zero slack (or further below, if it
    /// was already there); a description of the first such segment, or nil.
    private func memoryViolation(_ sub: Sub, _ newS: [Int]) -> String? {
        guard inst.hasMemory && !sub.segLo.isEmpty else { return nil }
        let rise: [Int128] = cliqueLoads(cliqueCount: sub.segLo.count, items: sub.count) { f in
            guard newS[f] != sub.cur[f] && sub.segFirst[f] < sub.segEnd[f] else { return nil }
            return (sub.segFirst[f], sub.segEnd[f], Int128(usage(sub, f, newS[f])) - Int128(usage(sub, f, sub.cur[f])))
        }
        for t in 0 ..< sub.segLo.count {
            let acc = rise[t]
            if acc > 0 && acc > Int128(sub.segSlack[t]) {
                return "cliques \(sub.segLo[t])..<\(sub.segHi[t]) overflow by \(acc - Int128(sub.segSlack[t]))"
            }
        }
        return nil
    }
}
