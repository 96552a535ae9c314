import GLPK
import Model

/// Branch and bound on the LP relaxation of the reduced instance (`LocalPolytopeModel`: local
/// polytope plus knapsack rows), every bound certified exactly.
///
/// Proves that no assignment costs less than a value U, as `DualBranchAndBound` does, but a
/// branch's bound is its LP optimum instead of a few hundred Lagrangian iterations: GLPK solves
/// the branch's LP (the parent's basis warm-starts the dual simplex, since a branch only changes
/// column bounds), and the rows' duals, read as messages and clique multipliers
/// (`LocalPolytopeModel.dualPoint`), are certified by `DualCertificate.evaluate` restricted to
/// the branch's allowed strategies. GLPK's tolerances can only make that point a little
/// suboptimal, never the bound invalid: a branch is closed only by its exact certificate
/// (>= U) or by exact arithmetic (its least possible load exceeds a clique's capacity). Where
/// memory binds, the LP optimum mixes strategies of different usage on a few nodes, and one
/// split there raises the bound by far more than the Lagrangian iterations of a branch do
/// (benchmarks/EXACT.md, "Branch and bound on the LP").
///
/// Before the model is built, a short Lagrangian run on the whole instance (`guidingPoint`)
/// gives a dual point whose exact per-strategy bounds (`DualCertificate.strategyBounds`) leave
/// out every strategy no assignment below U can take, with the strategies this leaves without
/// a finite partner (`keepFinitePartners`): their columns and rows never enter the LP, which
/// made the root on the proof family's hardest member ~9x faster (benchmarks/EXACT.md,
/// "Reduced-cost fixing before the LP"). Its messages also rank the starting pair columns.
/// The same fixing runs in the tree: a split branch's own certificate forbids, in both
/// children, every strategy whose bound there reaches U.
///
/// A branch is a set of forbidden strategies. The split: of the nodes whose LP values are
/// fractional, the one whose allowed strategies, ordered by usage, split into two sides of the
/// most even LP mass; each child forbids one side, so the parent's LP solution is in neither.
/// Branches are searched best first (least bound, then deepest); a search stopped early reports
/// the least bound of its open branches. A branch whose LP solution is integral gives an
/// assignment, which lowers U when it fits and is cheaper; if the branch's certificate still
/// falls short of U, the assignment is split off (`splitOff`), so no branch is left undecided
/// for that reason.
final class LPBranchAndBound {
    enum Outcome: Equatable {
        /// Every branch closed: no assignment costs less than `lowerBound` (reduced units);
        /// `best` is an assignment of that cost when one is known.
        case complete(lowerBound: Int128, best: [Int32]?)
        /// Stopped first (time, stop request, or a branch that could be neither closed nor split).
        /// `lowerBound`: nothing costs less (reduced units); nil before the root's certificate.
        case stopped(lowerBound: Int128?, best: [Int32]?)
        /// The model could not be built or GLPK failed before the root's certificate.
        case failed(String)
    }

    let inst: SolverInstance
    let layout: DualLayout
    /// Branches whose LP was solved.
    private(set) var branches = 0
    /// The root LP's certified bound (reduced units) and the seconds it took to get it.
    private(set) var rootBound: Int128?
    private(set) var rootSeconds: Double?
    /// GLPK's objective of the root LP (reduced units), when it was solved to optimality.
    private(set) var rootObjective: Double?
    /// Strategies left out by the guiding dual's reduced-cost fixing.
    private(set) var excludedStrategies = 0
    /// Strategies forbidden in branches' children by the branches' own certificates.
    private(set) var fixedInBranches = 0
    /// Branches given up after GLPK's numerical trouble (their parents' bounds still count).
    private(set) var abandoned = 0
    /// Pair columns the model starts with, and those priced in since.
    private(set) var initialColumns = 0
    private(set) var pricedColumns = 0
    /// Cheapest finite partners per strategy and edge that start as pair columns.
    static let initialPartners = 1
    /// Most pair columns priced in per round (the most negative reduced costs first).
    static let maxPricedPerRound = 20_000
    /// The root LP from the standard basis, which is dual feasible (every column's cost is at
    /// least 0): the dual simplex (on G it took 4.5 s where the primal took 7.5 s,
    /// benchmarks/EXACT.md). The branches start from an optimal basis, which stays dual
    /// feasible when only column bounds change: the dual simplex too.
    static let rootMethod = SimplexMethod.dualThenPrimal
    /// GLPK's tolerance on reduced costs (scaled problem). With GLPK's default 1e-7, strategy
    /// columns scaled down by the knapsack rows' large usages kept reduced costs of -1 to -36
    /// at an "optimal" root, and the certificate fell short of the LP by as much
    /// (benchmarks/EXACT.md, "Reduced-cost fixing before the LP").
    static let dualTolerance = 1e-11
    /// A value below 1 - `integralTolerance` counts as fractional.
    static let integralTolerance = 1e-6

    private struct Branch {
        var forbidden: [Int32]
        /// Nothing allowed here costs less (reduced units); nil for the root.
        var bound: Int128?
        var depth: Int
        /// The branch it was split from (its serial) and that branch's optimal basis: a branch
        /// searched right after its parent starts from the basis GLPK holds anyway; any other
        /// starts from its parent's (the dual simplex then has one split to repair, not the
        /// way from wherever the search was).
        var parent = -1
        var basis: LPBasis?
    }
    /// Row and column statuses the open branches' bases may hold; children made beyond it get
    /// none (they start from whatever basis GLPK holds).
    static let basisBudget = 50_000_000

    /// Units subtracted from every certificate (0; tests set it to weaken the bounds, as GLPK's
    /// tolerances may, and check that the search still completes).
    let certificateLoss: Int128

    init(_ inst: SolverInstance, certificateLoss: Int128 = 0) {
        self.inst = inst
        self.certificateLoss = certificateLoss
        layout = DualLayout(inst)
    }

    /// Searches until every branch is closed, `deadline` (on `now`'s clock) passes or `stop`
    /// says so. `upperBound`: U (reduced units); `incumbent`, an assignment of that cost if
    /// known. `incumbentFeed`, asked before each branch, may offer a cheaper assignment found
    /// elsewhere. `onBound` sees each rise of the least bound of the open branches.
    func run(upperBound: Int128, incumbent: [Int32]?, deadline: Double, now: () -> Double, stop: () -> Bool,
             incumbentFeed: () -> (x: [Int32], cost: Int128)? = { nil },
             onBound: (Int128) -> Void = { _ in }, trace: ((String) -> Void)? = nil) -> Outcome {
        let t0 = now()
        // A short Lagrangian run on the whole instance: its certificate's per-strategy bounds
        // leave out every strategy that no assignment below U can take (reduced-cost fixing,
        // exact), and its messages rank the pairs the model starts with.
        // With non-negative stored terms, an assignment that takes a strategy of infinite unary
        // term, or one left without a finite partner, costs at least the infinite unit: above
        // any U below it. Such strategies, which have no column, are then left out of the
        // branches' certificates and load checks (`finiteOnly`).
        let finiteOnly = upperBound < Int128(inst.infiniteUnit)
            && !inst.unary.contains { $0 < 0 } && !inst.edgeCost.contains { $0 < 0 }
        let guide = guidingPoint(until: min(deadline, t0 + Self.guideSeconds), target: upperBound, now: now, stop: stop, trace: trace)
        var excluded = [Bool](repeating: false, count: inst.unary.count)
        if let guide {
            let bound = guide.bound
            if bound - certificateLoss >= upperBound {
                rootBound = bound - certificateLoss
                rootSeconds = now() - t0
                return .complete(lowerBound: upperBound, best: incumbent)
            }
            for s in reaching(upperBound, guide.strategies) { excluded[Int(s)] = true }
            if finiteOnly && !Self.keepFinitePartners(inst, &excluded) {
                rootSeconds = now() - t0
                return .complete(lowerBound: upperBound, best: incumbent)
            }
            excludedStrategies = excluded.filter { $0 }.count
            trace?("lpbranch: guiding dual certified \(bound), \(excludedStrategies) of \(inst.unary.count) strategies left out at U \(upperBound)")
        }
        let start = initialPairs(incumbent, guide: guide?.point)
        let model: LocalPolytopeModel
        do {
            model = try LocalPolytopeModel(inst, layout, excluded: excluded) { e, a, b in start[self.inst.edgeOff[e] + a * Int(self.inst.strategyCount[Int(self.inst.edgeV[e])]) + b] }
        } catch {
            return .failed(error.description)
        }
        let lp = MIPProblem(direction: .minimise)
        var present = start
        do {
            try lp.addColumns(model.columns)
            // Strategy columns without their upper bound 1 (the node rows imply it): a column
            // at a bound of 1 could hold a negative reduced cost that the row duals, and so
            // the certificate, do not see.
            for c in model.xCol where c >= 0 { try lp.setColumnBounds(column: c, .lower(0)) }
            try lp.addRows(model.rows)
            try lp.setObjectiveConstant(Double(model.constant))
            // Artificial columns: each marginal row may fall short of its strategy's value at
            // a cost above the whole gap, so that every restricted LP is feasible.
            let penalty = max(1, Double(upperBound - model.constant))
            for r in model.messageRow where r >= 0 {
                try lp.addColumn(Column(objective: penalty), rows: [r], values: [1])
            }
        } catch {
            return .failed("GLPK: \(error)")
        }
        initialColumns = model.pairColumns
        var u = upperBound
        var best = incumbent
        var open = BinaryHeap<Branch>(before: { a, b in
            switch (a.bound, b.bound) {
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?): return x < y || (x == y && a.depth > b.depth)
            }
        })
        open.push(Branch(forbidden: [], bound: nil, depth: 0))
        // Branches neither closed nor split (an infeasible LP whose certificate stays below U,
        // or given up): the least of their bounds still counts.
        var stuck: Int128?
        var forbiddenNow = [Bool](repeating: false, count: inst.unary.count)
        var forbiddenList: [Int32] = []
        var reported: Int128?
        var interrupted = false
        // Serial of the branch whose LP was solved last, and the open branches' basis entries.
        var lastSolved = -1
        var basisEntries = 0
        // GLPK scales the model once, before its first solve.
        var scaled = false

        func leastOpen() -> Int128? {
            var b = u
            if let f = open.first {
                guard let fb = f.bound else { return nil }
                b = min(b, fb)
            }
            if let stuck { b = min(b, stuck) }
            return b
        }

        while let branch = open.pop() {
            if let basis = branch.basis { basisEntries -= basis.rows.count + basis.columns.count }
            if let offer = incumbentFeed(), offer.cost < u {
                u = offer.cost
                best = offer.x
            }
            if let b = branch.bound, b >= u { continue }
            if stop() || now() >= deadline {
                open.push(branch)
                interrupted = true
                break
            }
            var allowed = finiteOnly ? model.xCol.map { $0 >= 0 } : excluded.map { !$0 }
            for s in branch.forbidden { allowed[Int(s)] = false }
            // Exact: a branch whose least possible load exceeds a capacity holds nothing.
            if !Self.mayFit(inst, allowed) { continue }
            do {
                for s in forbiddenList where allowed[Int(s)] {
                    forbiddenNow[Int(s)] = false
                    if model.xCol[Int(s)] >= 0 { try lp.setColumnBounds(column: model.xCol[Int(s)], .lower(0)) }
                }
                for s in branch.forbidden where !forbiddenNow[Int(s)] {
                    forbiddenNow[Int(s)] = true
                    if model.xCol[Int(s)] >= 0 { try lp.setColumnBounds(column: model.xCol[Int(s)], .fixed(0)) }
                }
            } catch {
                open.push(branch)
                interrupted = true
                break
            }
            forbiddenList = branch.forbidden
            if let basis = branch.basis, branch.parent != lastSolved { try? lp.setBasis(basis) }
            // The branch's LP, pricing the missing pair columns back in until none has a
            // negative reduced cost (then its optimum is the full LP's) or the certificate
            // closes the branch.
            var r: LPResult?
            var certified: Int128?
            // The last round's per-strategy bounds (for the fixing in a split's children).
            var strategyBounds: [Int128?] = []
            var method = scaled ? SimplexMethod.dualThenPrimal : Self.rootMethod
            // A time limit, a stop or a GLPK error leaves the branch open and ends the search;
            // GLPK's numerical trouble on one branch (a status, not an error) gives it up (its
            // parent's bound still counts) and goes on.
            var interruptedHere = false, givenUp = false
            while true {
                do {
                    r = try lp.solveLP(timeLimit: max(0.01, deadline - now()), method: method,
                                       scaling: !scaled, returnDuals: true, dualTolerance: Self.dualTolerance)
                    scaled = true
                } catch {
                    // A recovered fatal error leaves the problem unusable: the search ends.
                    if rootBound == nil { return .failed("GLPK: \(error)") }
                    interruptedHere = true
                    break
                }
                guard let r, r.status == .optimal || r.status == .infeasible, let duals = r.rowDuals else {
                    if r?.status == .timeLimit || stop() || now() >= deadline { interruptedHere = true } else { givenUp = true }
                    break
                }
                let bounds = DualCertificate.strategyBounds(inst, layout, model.dualPoint(inst, rowDuals: duals), allowed: allowed)
                certified = bounds.map { $0.bound - certificateLoss }
                strategyBounds = bounds?.strategies ?? []
                if let c = certified, c >= u { break }
                guard r.status == .optimal else { break }
                let added: Int
                do {
                    added = try priceIn(lp, model, duals, allowed, &present)
                } catch {
                    interruptedHere = true
                    break
                }
                pricedColumns += added
                trace?("lpbranch: branch \(branches) depth \(branch.depth) \(r.status) objective \(r.objective.map { formatFixed($0, 2) } ?? "-") certified \(certified.map { String($0) } ?? "-") priced \(added) (LP \(formatFixed(r.wallTime, 2)) s, \((try? lp.columnCount()) ?? 0) columns, \((try? lp.rowCount()) ?? 0) rows) at \(formatFixed(now() - t0, 2)) s")
                if added == 0 { break }
                // New columns keep the basis primal feasible.
                method = .primal
                if stop() || now() >= deadline {
                    interruptedHere = true
                    break
                }
            }
            if givenUp, let b = branch.bound {
                abandoned += 1
                trace?("lpbranch: branch \(branches) given up (\(r.map { "\($0.status)" } ?? "GLPK error"))")
                stuck = min(stuck ?? b, b)
                continue
            }
            guard !interruptedHere && !givenUp, let r else {
                // A time limit or a stop (or trouble at the root): the branch stays open.
                open.push(branch)
                interrupted = true
                break
            }
            branches += 1
            lastSolved = branches
            trace?("lpbranch: branch \(branches) ends \(r.status), certified \(certified.map { String($0) } ?? "-"), U \(u)")
            let bound = max(certified ?? Int128.min, branch.bound ?? Int128.min)
            if branch.bound == nil {
                rootBound = certified
                rootSeconds = now() - t0
                rootObjective = r.objective
            }
            if bound >= u { continue }
            guard r.status == .optimal, let values = r.values else {
                stuck = min(stuck ?? bound, bound)
                continue
            }
            var children: (left: [Int32], right: [Int32])? = split(values, model.xCol, allowed)
            if children == nil {
                // Integral: an assignment.
                let x = labelling(values, model.xCol)
                if SearchState.fits(inst, x) {
                    let cost = inst.storedCost(x)
                    if cost < u {
                        u = cost
                        best = x
                    }
                }
                // The certificate can fall a unit short of an integral LP's value (GLPK's
                // tolerances): split the assignment off at a node with other allowed strategies,
                // so that one side fixes it and the other excludes it. A branch where every node
                // has one allowed strategy holds that assignment alone, and its exact cost has
                // just been weighed against U: closed.
                if bound < u { children = splitOff(x, allowed) }
            }
            if let children {
                // Reduced-cost fixing in the branch: the strategies whose bound under this
                // branch's certificate reaches U are forbidden in both children.
                let fixed = reaching(u, strategyBounds)
                fixedInBranches += fixed.count
                let basis = basisEntries < Self.basisBudget ? try? lp.basis() : nil
                for side in [children.left, children.right] {
                    if let basis { basisEntries += basis.rows.count + basis.columns.count }
                    open.push(Branch(forbidden: branch.forbidden + fixed + side, bound: bound, depth: branch.depth + 1,
                                     parent: branches, basis: basis))
                }
            }
            if let b = leastOpen(), reported == nil || b > reported! {
                reported = b
                onBound(b)
            }
        }
        if !interrupted && stuck == nil {
            return .complete(lowerBound: u, best: best)
        }
        return .stopped(lowerBound: leastOpen(), best: best)
    }

    /// The strategies whose bound (less `certificateLoss`) reaches `u`: no assignment below
    /// `u` takes them.
    private func reaching(_ u: Int128, _ strategyBounds: [Int128?]) -> [Int32] {
        var result: [Int32] = []
        for (s, b) in strategyBounds.enumerated() {
            if let b, b - certificateLoss >= u { result.append(Int32(s)) }
        }
        return result
    }

    /// Marks as excluded every strategy with an infinite unary term, or whose finite partners
    /// on some edge are all excluded, until none is left (arc consistency on the finite
    /// pairs): with non-negative terms, an assignment taking one costs at least the infinite
    /// unit. False when a node is left without a strategy (then no assignment is finite).
    static func keepFinitePartners(_ inst: SolverInstance, _ excluded: inout [Bool]) -> Bool {
        let inf = inst.infiniteUnit
        for s in 0 ..< inst.unary.count where inst.unary[s] >= inf { excluded[s] = true }
        var changed = true
        while changed {
            changed = false
            for e in 0 ..< inst.edgeCount {
                let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
                let ku = Int(inst.strategyCount[u]), kv = Int(inst.strategyCount[v])
                let ou = Int(inst.strategyStart[u]), ov = Int(inst.strategyStart[v]), base = inst.edgeOff[e]
                for a in 0 ..< ku where !excluded[ou + a] {
                    if !(0 ..< kv).contains(where: { !excluded[ov + $0] && inst.edgeCost[base + a * kv + $0] < inf }) {
                        excluded[ou + a] = true
                        changed = true
                    }
                }
                for b in 0 ..< kv where !excluded[ov + b] {
                    if !(0 ..< ku).contains(where: { !excluded[ou + $0] && inst.edgeCost[base + $0 * kv + b] < inf }) {
                        excluded[ov + b] = true
                        changed = true
                    }
                }
            }
        }
        for i in 0 ..< inst.nodeCount {
            if !(Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1])).contains(where: { !excluded[$0] }) { return false }
        }
        return true
    }

    /// Most seconds of the guiding dual (`guidingPoint`), and the step halvings planned over
    /// them: it stops once its step has halved that often.
    static let guideSeconds = 5.0
    static let guideHalvings = 8
    /// A run also stops when its best estimate rose by less than `guideStall` (relative) over
    /// the last `guideWindow` iterations.
    static let guideWindow = 200
    static let guideStall = 1e-6
    static let guideFinalScale = 1.0 / Double(1 << guideHalvings)

    /// A dual point of the whole reduced instance from Lagrangian iterations without
    /// eliminations: two runs of half the time to `end` each, one with Polyak's steps aimed at
    /// `target` (U, as the bound command's runs) and one aimed 2% above its best estimate (the
    /// default); each stops early once its step has halved `guideHalvings` times or its
    /// estimate stalls (`guideStall`). The point whose certificate is higher wins, with that
    /// certificate and its per-strategy bounds (`DualCertificate.strategyBounds`); nil when
    /// neither has one. (Each aim leaves one of the proof family's members with a guide far
    /// below its bound: B-limit1.05-s2 at 166,492 of 467,010 when aimed at U, B-limit1.05-s3
    /// at 185,290 of 490,637 otherwise; benchmarks/EXACT.md.)
    private func guidingPoint(until end: Double, target: Int128, now: () -> Double, stop: () -> Bool,
                              trace: ((String) -> Void)?) -> (point: DualPoint, bound: Int128, strategies: [Int128?])? {
        var best: (point: DualPoint, bound: Int128, strategies: [Int128?])?
        for aimed in [true, false] {
            let dual = LagrangianDual(inst, eliminate: false)
            if aimed { dual.target = Double(target) }
            let start = now()
            let stopAt = aimed ? start + (end - start) / 2 : end
            var windowStart = -Double.infinity
            while now() < stopAt && !stop() {
                dual.iterate()
                dual.stepMultipliers()
                if dual.iterations == 20 {
                    let rate = 20 / max(1e-3, now() - start)
                    dual.patience = LagrangianDual.patience(iterationsPerSecond: rate, secondsLeft: stopAt - now(),
                                                            halvings: Double(Self.guideHalvings))
                }
                // Done when the step schedule has run its course, or the estimate has stopped
                // rising (converged, as on small instances, or stuck).
                if dual.stepScale <= Self.guideFinalScale { break }
                if dual.iterations % Self.guideWindow == 0 {
                    if dual.bestEstimate - windowStart <= Self.guideStall * abs(dual.bestEstimate) { break }
                    windowStart = dual.bestEstimate
                }
            }
            guard let point = dual.wholeInstancePoint(layout),
                  let (bound, strategies) = DualCertificate.strategyBounds(inst, layout, point) else { continue }
            trace?("lpbranch: guiding dual (\(aimed ? "aimed at U" : "default aim")) \(dual.iterations) iterations, certified \(bound) in \(formatFixed(now() - start, 2)) s")
            if best == nil || bound > best!.bound { best = (point, bound, strategies) }
        }
        return best
    }

    /// The pair columns the model starts with (flags over `edgeCost`): per edge and strategy
    /// of either end, its `initialPartners` cheapest finite partners (by `guide` when given,
    /// else by cost), and the incumbent's pair.
    private func initialPairs(_ incumbent: [Int32]?, guide: DualPoint?) -> [Bool] {
        let inf = inst.infiniteUnit
        var keep = [Bool](repeating: false, count: inst.edgeCost.count)
        var row: [(Double, Int)] = []
        for e in 0 ..< inst.edgeCount {
            let ku = Int(inst.strategyCount[Int(inst.edgeU[e])]), kv = Int(inst.strategyCount[Int(inst.edgeV[e])])
            let base = inst.edgeOff[e]
            let mu = layout.msgOff[layout.slotU[e]], mv = layout.msgOff[layout.slotV[e]]
            // A pair's cost less the guide's messages (its reduced cost there), else its cost.
            func rank(_ x: Int) -> Double {
                guard let guide else { return Double(inst.edgeCost[x]) }
                let a = (x - base) / kv, b = (x - base) % kv
                return Double(inst.edgeCost[x]) - guide.messages[mu + a] - guide.messages[mv + b]
            }
            for a in 0 ..< ku {
                row.removeAll(keepingCapacity: true)
                for b in 0 ..< kv where inst.edgeCost[base + a * kv + b] < inf { row.append((rank(base + a * kv + b), b)) }
                row.sort { $0 < $1 }
                for (_, b) in row.prefix(Self.initialPartners) { keep[base + a * kv + b] = true }
            }
            for b in 0 ..< kv {
                row.removeAll(keepingCapacity: true)
                for a in 0 ..< ku where inst.edgeCost[base + a * kv + b] < inf { row.append((rank(base + a * kv + b), a)) }
                row.sort { $0 < $1 }
                for (_, a) in row.prefix(Self.initialPartners) { keep[base + a * kv + b] = true }
            }
            if let x = incumbent {
                keep[base + Int(x[Int(inst.edgeU[e])]) * kv + Int(x[Int(inst.edgeV[e])])] = true
            }
        }
        return keep
    }

    /// Adds the pair columns of allowed, finite pairs not in the model whose reduced cost under
    /// the rows' duals is negative (at most `maxPricedPerRound`, most negative first); returns
    /// how many. Any negative one counts: the certificate takes every pair's term, so a pair
    /// left out at -1e-6 per edge would cost the bound that much (and each pair enters once).
    private func priceIn(_ lp: MIPProblem, _ model: LocalPolytopeModel, _ duals: [Double], _ allowed: [Bool],
                         _ present: inout [Bool]) throws(GLPKError) -> Int {
        let inf = inst.infiniteUnit
        var candidates: [(rc: Double, entry: Int, e: Int, a: Int, b: Int)] = []
        for e in 0 ..< inst.edgeCount {
            let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
            let ku = Int(inst.strategyCount[u]), kv = Int(inst.strategyCount[v])
            let ou = Int(inst.strategyStart[u]), ov = Int(inst.strategyStart[v])
            let mu = layout.msgOff[layout.slotU[e]], mv = layout.msgOff[layout.slotV[e]]
            let base = inst.edgeOff[e]
            let shift = Double(model.edgeShift[e])
            for a in 0 ..< ku where allowed[ou + a] && model.messageRow[mu + a] >= 0 {
                let pa = duals[model.messageRow[mu + a]]
                for b in 0 ..< kv where allowed[ov + b] && model.messageRow[mv + b] >= 0 {
                    let entry = base + a * kv + b
                    guard !present[entry], inst.edgeCost[entry] < inf else { continue }
                    let rc = Double(inst.edgeCost[entry]) - shift - pa - duals[model.messageRow[mv + b]]
                    if rc < 0 { candidates.append((rc, entry, e, a, b)) }
                }
            }
        }
        if candidates.count > Self.maxPricedPerRound {
            candidates.sort { $0.rc < $1.rc }
            candidates.removeLast(candidates.count - Self.maxPricedPerRound)
        }
        for c in candidates {
            let mu = layout.msgOff[layout.slotU[c.e]], mv = layout.msgOff[layout.slotV[c.e]]
            try lp.addColumn(Column(objective: Double(inst.edgeCost[c.entry] - model.edgeShift[c.e])),
                             rows: [model.messageRow[mu + c.a], model.messageRow[mv + c.b]], values: [1, 1])
            present[c.entry] = true
        }
        return candidates.count
    }

    /// The search's figures for a log line, ending in ", ": the root LP's certificate
    /// (original units with `base`) and time, the strategies left out (before the root, and
    /// in branches' children), the pair columns, branches given up.
    func statistics(base: Int128) -> String {
        (rootBound.map { "root LP \($0 + base) in \(formatFixed(rootSeconds ?? 0, 2)) s, " } ?? "")
            + "strategies left out \(excludedStrategies) + \(fixedInBranches) in branches, "
            + "pair columns \(initialColumns) + \(pricedColumns) priced, "
            + (abandoned > 0 ? "\(abandoned) given up after GLPK trouble, " : "")
    }

    /// Whether the least usage of each node's allowed strategies fits every clique (false also
    /// when a node has no allowed strategy).
    static func mayFit(_ inst: SolverInstance, _ allowed: [Bool]) -> Bool {
        var least = [Int64](repeating: 0, count: inst.nodeCount)
        for i in 0 ..< inst.nodeCount {
            var lo = Int64.max
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) where allowed[s] {
                lo = min(lo, inst.usage[s])
            }
            if lo == Int64.max { return false }
            least[i] = lo
        }
        guard inst.hasMemory else { return true }
        let loads = inst.cliqueLoads { least[$0] }
        for c in 0 ..< inst.cliqueCount where loads[c] > inst.capacity[c] { return false }
        return true
    }

    /// The assignment of an integral LP solution: each node's strategy of largest value.
    private func labelling(_ values: [Double], _ xCol: [Int]) -> [Int32] {
        var x = [Int32](repeating: 0, count: inst.nodeCount)
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i])
            var top = -1.0
            for s in 0 ..< Int(inst.strategyCount[i]) where xCol[o + s] >= 0 && values[xCol[o + s]] > top {
                top = values[xCol[o + s]]
                x[i] = Int32(s)
            }
        }
        return x
    }

    /// The split that separates assignment `x` from the rest of a branch: at the first node
    /// with another allowed strategy, one child keeps only `x`'s strategy there and the other
    /// forbids it (nil when every node has one allowed strategy). Returns what each forbids.
    private func splitOff(_ x: [Int32], _ allowed: [Bool]) -> (left: [Int32], right: [Int32])? {
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i])
            let others = (o ..< Int(inst.strategyStart[i + 1])).filter { allowed[$0] && $0 != o + Int(x[i]) }
            if !others.isEmpty && allowed[o + Int(x[i])] {
                return (others.map { Int32($0) }, [Int32(o + Int(x[i]))])
            }
        }
        return nil
    }

    /// The split of a fractional node (nil when the LP solution is integral): per node, its
    /// allowed strategies ordered by usage (then unary cost) are cut where their cumulative LP
    /// value crosses one half; the node whose smaller side carries the most value is split, so
    /// that each child excludes the parent's LP solution. Returns the strategies (global
    /// indices) each child forbids.
    private func split(_ values: [Double], _ xCol: [Int], _ allowed: [Bool]) -> (left: [Int32], right: [Int32])? {
        var bestScore = 0.0
        var bestSplit: (left: [Int32], right: [Int32])?
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
            var top = 0.0
            for s in o ..< o + k where allowed[s] && xCol[s] >= 0 { top = max(top, values[xCol[s]]) }
            if top >= 1 - Self.integralTolerance { continue }
            let order = (o ..< o + k).filter { allowed[$0] }.sorted {
                (inst.usage[$0], inst.unary[$0], $0) < (inst.usage[$1], inst.unary[$1], $1)
            }
            var mass = 0.0
            var cut = 0
            while cut < order.count - 1 {
                let v = xCol[order[cut]] >= 0 ? values[xCol[order[cut]]] : 0
                if mass + v > 0.5 && mass > 0 { break }
                mass += v
                cut += 1
                if mass >= 0.5 { break }
            }
            let score = min(mass, 1 - mass)
            if score > bestScore + 1e-12 {
                bestScore = score
                // The left child keeps order[..<cut] and forbids the rest; the right the opposite.
                bestSplit = (order[cut...].map { Int32($0) }, order[..<cut].map { Int32($0) })
            }
        }
        return bestSplit
    }
}
