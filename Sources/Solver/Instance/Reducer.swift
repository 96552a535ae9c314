import Model

/// Builds the reduced pairwise instance with exact reductions (each keeps every optimal
/// solution among the finite ones, and the postsolve map gives back original indices):
/// edges of arity 0/1 become constants/unary costs, arity >= 3 an auxiliary node; parallel
/// edges are summed; strategies that are infinite against every remaining strategy of a
/// neighbour, or that need more extra memory than some clique they live in can spare, are
/// dropped; nodes left with one strategy are fixed and their edges folded into unary costs;
/// nodes whose usage cannot vary leave the memory model. Iterated to a fixpoint.
public enum Reducer {
    public struct Options: Sendable {
        public var pruneInfinite = true
        public var pruneMemory = true
        public var fixSingletons = true
        /// Fold leaves and degree-2 chain links that can never be memory-critical.
        public var eliminate = true
        /// Largest k_u * k_v * k_w table work for folding one chain link.
        public var maxChainWork = 4_000_000
        public init() {}
    }

    public static func reduce(_ problem: Problem, options: Options = Options()) -> SolverInstance {
        var work = Work(problem)
        work.run(options)
        let inst = work.wipedOut ? nil : work.build()
        if !options.pruneInfinite { return inst ?? work.build() }
        // Dropping strategies with an infinite term is exact only when some feasible solution
        // has none: then every solution with one is worse. When none exists (the pruning wiped
        // a node out, the memory no longer fits, or the bounded search proves it), keep all
        // strategies so that the search still finds the least bad one.
        if let inst, inst.feasible,
           FiniteSolutionSearch.run(inst, constantFinite: work.constant < work.unit) != false { return inst }
        var o = options
        o.pruneInfinite = false
        var again = Work(problem)
        again.run(o)
        again.stats.infinitePruningAbandoned = true
        return again.build()
    }

    /// How input terms are stored inside the solver (chosen from the input before any
    /// reduction by `Reducer.termEncoding`).
    ///
    /// An input term `c` is `count * 1e18 + part` with `count = c >= 1e18 ? 1 : 0`. With an exact
    /// unit `U`, every node's and edge's terms are first lowered by a shift `m` (into the
    /// constant, or into `SolverInstance.offset`), then stored as `count * U + part` of what is
    /// left: `.exact` shifts by `min(0, least part)` (nothing on non-negative costs), `.relative`
    /// by the least term itself (for costs near the ends of Int64). Let `S` be the sum over
    /// nodes and edges of the largest part left. Every sum of terms from distinct nodes and
    /// edges, which is all the reductions and the search ever form, is then `count * U + f` with
    /// `0 <= f <= S`, while the evaluator's cost is `shifts + count * 1e18 + f`. With `U > S`
    /// costs order exactly like the evaluator's (count first, then `f`), and a sum counts its
    /// infinite terms (`f < U`) until it saturates at 2e18.
    ///
    /// `U` is 1e15 when `S <= 1e12` (the search's unit so far when every reduced term was below
    /// 1e12: 2000 infinite terms are counted), else 1e18 when `S <= 1e17` (still exact between
    /// no and one infinite term, but sums of two or more saturate alike: a known limitation,
    /// kept so that instances with large finite costs search with the same unit as before). `.clamped` (S above 1e17 either way): terms are clamped at 1e18 and
    /// sums saturate, so counts and large finite sums are lost.
    public enum TermEncoding: Sendable, Equatable {
        case exact(unit: Int64)
        case relative(unit: Int64)
        case clamped

        public var unit: Int64 {
            switch self {
            case let .exact(u), let .relative(u): u
            case .clamped: infiniteCost
            }
        }

        public var description: String {
            switch self {
            case let .exact(u): "\(u) (exact)"
            case let .relative(u): "\(u) (exact, relative to each node's and edge's least term)"
            case .clamped: "clamped at \(infiniteCost)"
            }
        }
    }

    /// Largest `S` (see `TermEncoding`) that allows an exact unit, and the largest for 1e15.
    static let exactPartLimit: Int128 = 100_000_000_000_000_000
    static let smallPartLimit: Int128 = 1_000_000_000_000

    /// The encoding of the input's terms (see `TermEncoding`).
    public static func termEncoding(_ p: Problem) -> TermEncoding {
        let inf = infiniteCost
        // S for both shifts, each nil once it passes the limit.
        var sumExact: Int128? = 0, sumRelative: Int128? = 0
        func add(_ terms: ArraySlice<Int64>) {
            guard let least = terms.min() else { return }
            var lo = Int64.max, hi = Int64.min, hiRelative = Int64.min
            for c in terms {
                let part = c >= inf ? c - inf : c
                lo = min(lo, part)
                hi = max(hi, part)
                let (r, overflow) = c.subtractingReportingOverflow(least)
                hiRelative = max(hiRelative, overflow ? Int64.max : r >= inf ? r - inf : r)
            }
            let exact = Int128(hi) - Int128(min(0, lo)), relative = Int128(hiRelative)
            if let t = sumExact { sumExact = t + exact <= exactPartLimit ? t + exact : nil }
            if let t = sumRelative { sumRelative = t + relative <= exactPartLimit ? t + relative : nil }
        }
        for i in 0 ..< p.nodeCount {
            let o = p.strategyOffset[i]
            add(p.nodeCost[o ..< o + p.strategyCount(i)])
            if sumExact == nil && sumRelative == nil { return .clamped }
        }
        for e in 0 ..< p.edgeCount {
            add(p.edgeCost[p.edgeCostOffset[e] ..< p.edgeCostOffset[e + 1]])
            if sumExact == nil && sumRelative == nil { return .clamped }
        }
        func unit(_ total: Int128) -> Int64 {
            total <= smallPartLimit ? 1_000_000_000_000_000 : infiniteCost
        }
        if let t = sumExact { return .exact(unit: unit(t)) }
        if let t = sumRelative { return .relative(unit: unit(t)) }
        return .clamped
    }

    /// Mutable working form over the original strategy indices.
    struct Work {
        let problem: Problem
        var n: Int  // original nodes + auxiliary nodes
        var k: [Int]
        var unaryOff: [Int]
        var unary: [Int64]
        var usage: [Int64]
        var alive: [[Int32]]
        var fixed: [Bool]
        var eliminated: [Bool]
        var eliminations: [Elimination] = []
        // Pair edges (u < v), tables over full original dimensions k[u] x k[v].
        var eu: [Int] = []
        var ev: [Int] = []
        var table: [[Int64]] = []
        var edgeAlive: [Bool] = []
        var adj: [[Int]]
        /// Sum of the fixed terms (with an exact unit: >= 0, and >= unit iff one is infinite).
        var constant: Int64 = 0
        /// Sum of the shifts (<= 0) that made the stored terms non-negative; part of the
        /// instance's constant.
        var shifts: Int64 = 0
        var stats = ReductionStats()
        var wipedOut = false
        var memoryInfeasible = false
        let cliques: IntervalCliques
        let originalCount: Int
        /// How input terms are stored (`Reducer.termEncoding`).
        let encoding: TermEncoding
        /// The value of one infinite term (1e18 when clamped).
        let unit: Int64
        /// Whether `unit` is exact; else terms are clamped at 1e18.
        let exact: Bool
        /// `.relative`: the sum of the least terms taken out of every node and edge.
        var offset: Int128 = 0

        /// Stores one node's or edge's input terms (see `TermEncoding`); the shift goes into
        /// `shifts` or `offset`, so every assignment's cost is unchanged.
        mutating func encode(_ t: inout [Int64]) {
            let inf = infiniteCost
            switch encoding {
            case .clamped:
                for x in 0 ..< t.count { t[x] = clampCost(t[x]) }
            case let .exact(unit):
                var lo: Int64 = 0
                for c in t { lo = min(lo, c >= inf ? c - inf : c) }
                for x in 0 ..< t.count { t[x] = (t[x] >= inf ? unit + (t[x] - inf) : t[x]) - lo }
                shifts += lo
            case let .relative(unit):
                guard let least = t.min() else { return }
                offset += Int128(least)
                for x in 0 ..< t.count {
                    let r = Int128(t[x]) - Int128(least)
                    t[x] = r >= Int128(inf) ? unit + Int64(r - Int128(inf)) : Int64(r)
                }
            }
        }

        init(_ p: Problem) {
            problem = p
            originalCount = p.nodeCount
            n = p.nodeCount
            k = (0 ..< p.nodeCount).map { p.strategyCount($0) }
            unaryOff = p.strategyOffset
            encoding = Reducer.termEncoding(p)
            unit = encoding.unit
            exact = encoding != .clamped
            stats.encoding = encoding
            unary = p.nodeCost
            usage = p.nodeUsage
            alive = k.map { (0 ..< Int32($0)).map { $0 } }
            fixed = [Bool](repeating: false, count: p.nodeCount)
            eliminated = [Bool](repeating: false, count: p.nodeCount)
            adj = [[Int]](repeating: [], count: p.nodeCount)
            cliques = IntervalCliques(p)
            stats.originalNodes = p.nodeCount
            stats.originalEdges = p.edgeCount
            stats.originalStrategies = p.strategyTotal
            for i in 0 ..< p.nodeCount {
                var t = Array(unary[unaryOff[i] ..< unaryOff[i] + k[i]])
                encode(&t)
                unary.replaceSubrange(unaryOff[i] ..< unaryOff[i] + k[i], with: t)
            }
            var pairIndex: [UInt64: Int] = [:]
            for e in 0 ..< p.edgeCount {
                let nodes = p.edgeNodeList(e).map { Int($0) }
                var distinct: [Int] = []
                for v in nodes where !distinct.contains(v) { distinct.append(v) }
                let base = p.edgeCostOffset[e]
                // Table over the distinct nodes, row-major in `distinct` order.
                let size = distinct.reduce(1) { $0 * k[$1] }
                var t = [Int64](repeating: 0, count: size)
                var choice = [Int](repeating: 0, count: distinct.count)
                for idx in 0 ..< size {
                    var rest = idx
                    for j in stride(from: distinct.count - 1, through: 0, by: -1) {
                        choice[j] = rest % k[distinct[j]]
                        rest /= k[distinct[j]]
                    }
                    var orig = 0
                    for v in nodes { orig = orig * k[v] + choice[distinct.firstIndex(of: v)!] }
                    t[idx] = p.edgeCost[base + orig]
                }
                encode(&t)
                switch distinct.count {
                case 0:
                    constant = addCost(constant, t[0])
                case 1:
                    let v = distinct[0]
                    for s in 0 ..< k[v] { unary[unaryOff[v] + s] = addCost(unary[unaryOff[v] + s], t[s]) }
                    stats.unaryEdges += 1
                case 2:
                    var (u, v) = (distinct[0], distinct[1])
                    if u > v {
                        // Transpose to u < v.
                        var tt = [Int64](repeating: 0, count: size)
                        for a in 0 ..< k[u] { for b in 0 ..< k[v] { tt[b * k[u] + a] = t[a * k[v] + b] } }
                        t = tt
                        swap(&u, &v)
                    }
                    let key = UInt64(u) << 32 | UInt64(v)
                    if let existing = pairIndex[key] {
                        for x in 0 ..< size { table[existing][x] = addCost(table[existing][x], t[x]) }
                        stats.parallelEdgesMerged += 1
                    } else {
                        pairIndex[key] = addPair(u, v, t)
                    }
                default:
                    // Auxiliary node: one strategy per combination; consistency edges forbid
                    // combinations that disagree with the real nodes.
                    stats.hyperEdges += 1
                    let h = n
                    n += 1
                    k.append(size)
                    unaryOff.append(unary.count + size)
                    unary.append(contentsOf: t)
                    usage.append(contentsOf: [Int64](repeating: 0, count: size))
                    alive.append((0 ..< Int32(size)).map { $0 })
                    fixed.append(false)
                    eliminated.append(false)
                    adj.append([])
                    for (j, v) in distinct.enumerated() {
                        var stride = 1
                        for jj in (j + 1) ..< distinct.count { stride *= k[distinct[jj]] }
                        // Table (v, h): v < h always.
                        // Violations cost more than any count of real infinite terms the
                        // search tells apart (with an exact unit, one unit would let the
                        // auxiliary node trade a real infinite entry for a violation).
                        var ct = [Int64](repeating: exact ? saturatedCost : infiniteCost, count: k[v] * size)
                        for idx in 0 ..< size {
                            let sv = (idx / stride) % k[v]
                            ct[sv * size + idx] = 0
                        }
                        _ = addPair(v, h, ct)
                    }
                }
            }
        }

        mutating func addPair(_ u: Int, _ v: Int, _ t: [Int64]) -> Int {
            let id = eu.count
            eu.append(u)
            ev.append(v)
            table.append(t)
            edgeAlive.append(true)
            adj[u].append(id)
            adj[v].append(id)
            return id
        }

        @inline(__always) func cost(_ e: Int, _ a: Int, _ b: Int) -> Int64 {
            table[e][a * k[ev[e]] + b]
        }

        mutating func run(_ options: Options) {
            var changed = true
            var rounds = 0
            while changed && rounds < 1000 {
                changed = false
                rounds += 1
                if options.pruneInfinite && pruneInfinite() { changed = true }
                if wipedOut { return }
                if options.pruneMemory && pruneMemory() { changed = true }
                if memoryInfeasible { return }
                if options.fixSingletons && fixSingletons() { changed = true }
                if !changed && options.eliminate && eliminate(maxChainWork: options.maxChainWork) { changed = true }
            }
        }

        /// Per clique: can the largest possible load exceed the limit? Only such cliques can
        /// bind; the others are dropped from the memory model.
        func unsafeCliques() -> [Bool] {
            guard let limit = problem.usageLimit, cliques.count > 0 else { return [] }
            let largest: [Int64] = cliqueLoads(cliqueCount: cliques.count, items: originalCount) { i in
                let f = Int(cliques.cliqueFirst[i]), l = Int(cliques.cliqueEnd[i])
                if f >= l { return nil }
                var m = Int64.min
                for a in alive[i] { m = max(m, usage[unaryOff[i] + Int(a)]) }
                return (f, l, m)
            }
            return largest.map { $0 > limit }
        }

        /// Nodes whose choice can matter for memory: a varying usage in some unsafe clique.
        func memoryCritical(_ unsafe: [Bool]) -> [Bool] {
            var out = [Bool](repeating: false, count: n)
            if unsafe.isEmpty { return out }
            var prefix = [Int](repeating: 0, count: unsafe.count + 1)
            for c in 0 ..< unsafe.count { prefix[c + 1] = prefix[c] + (unsafe[c] ? 1 : 0) }
            for i in 0 ..< originalCount where !fixed[i] && !eliminated[i] {
                let f = Int(cliques.cliqueFirst[i]), l = Int(cliques.cliqueEnd[i])
                if f >= l || prefix[l] == prefix[f] { continue }
                var lo = Int64.max, hi = Int64.min
                for a in alive[i] { lo = min(lo, usage[unaryOff[i] + Int(a)]); hi = max(hi, usage[unaryOff[i] + Int(a)]) }
                out[i] = lo != hi
            }
            return out
        }

        /// Live neighbours (through live edges) of node i, with the edge ids.
        func liveEdges(_ i: Int) -> [Int] {
            adj[i].filter { edgeAlive[$0] }
        }

        /// Folds memory-free leaves into their neighbour's unary costs and memory-free degree-2
        /// nodes into an edge between their neighbours. Exact: the folded node's best strategy
        /// for every neighbour choice is kept for the postsolve.
        mutating func eliminate(maxChainWork: Int) -> Bool {
            let critical = memoryCritical(unsafeCliques())
            var any = false
            for i in 0 ..< n where !fixed[i] && !eliminated[i] && !critical[i] {
                let es = liveEdges(i)
                if es.count == 1 {
                    let e = es[0]
                    let u = eu[e] == i ? ev[e] : eu[e]
                    var choice = [Int32](repeating: 0, count: k[u])
                    for b in 0 ..< k[u] {
                        var best = Int64.max
                        var arg: Int32 = alive[i][0]
                        for a in alive[i] {
                            let c = addCost(unary[unaryOff[i] + Int(a)], eu[e] == i ? cost(e, Int(a), b) : cost(e, b, Int(a)))
                            if c < best { best = c; arg = a }
                        }
                        choice[b] = arg
                        unary[unaryOff[u] + b] = addCost(unary[unaryOff[u] + b], best)
                    }
                    edgeAlive[e] = false
                    eliminated[i] = true
                    eliminations.append(Elimination(node: Int32(i), neighbours: [Int32(u)], kNeighbours: [Int32(k[u])], choice: choice))
                    stats.leavesFolded += 1
                    any = true
                } else if es.count == 2 {
                    let e1 = es[0], e2 = es[1]
                    var u = eu[e1] == i ? ev[e1] : eu[e1]
                    var v = eu[e2] == i ? ev[e2] : eu[e2]
                    var (f1, f2) = (e1, e2)
                    if u == v { continue }
                    if u > v { swap(&u, &v); swap(&f1, &f2) }
                    if k[u] * k[v] * alive[i].count > maxChainWork { continue }
                    var t = [Int64](repeating: 0, count: k[u] * k[v])
                    var choice = [Int32](repeating: 0, count: k[u] * k[v])
                    for a in alive[u] {
                        for b in alive[v] {
                            var best = Int64.max
                            var arg: Int32 = alive[i][0]
                            for w in alive[i] {
                                var c = unary[unaryOff[i] + Int(w)]
                                c = addCost(c, eu[f1] == i ? cost(f1, Int(w), Int(a)) : cost(f1, Int(a), Int(w)))
                                c = addCost(c, eu[f2] == i ? cost(f2, Int(w), Int(b)) : cost(f2, Int(b), Int(w)))
                                if c < best { best = c; arg = w }
                            }
                            t[Int(a) * k[v] + Int(b)] = best
                            choice[Int(a) * k[v] + Int(b)] = arg
                        }
                    }
                    edgeAlive[f1] = false
                    edgeAlive[f2] = false
                    eliminated[i] = true
                    eliminations.append(Elimination(node: Int32(i), neighbours: [Int32(u), Int32(v)],
                                                    kNeighbours: [Int32(k[u]), Int32(k[v])], choice: choice))
                    stats.chainsFolded += 1
                    if let existing = liveEdges(u).first(where: { eu[$0] == u && ev[$0] == v }) {
                        for x in 0 ..< t.count { table[existing][x] = addCost(table[existing][x], t[x]) }
                        stats.parallelEdgesMerged += 1
                    } else {
                        _ = addPair(u, v, t)
                    }
                    any = true
                }
            }
            return any
        }

        /// Arc consistency on infinite entries.
        mutating func pruneInfinite() -> Bool {
            var any = false
            for e in 0 ..< eu.count where edgeAlive[e] {
                let u = eu[e], v = ev[e]
                // Strategies of u with no finite partner in v.
                let keepU = alive[u].filter { a in alive[v].contains { b in cost(e, Int(a), Int(b)) < unit } }
                if keepU.isEmpty { wipedOut = true; return any }
                if keepU.count < alive[u].count {
                    stats.strategiesInfinite += alive[u].count - keepU.count
                    alive[u] = keepU
                    any = true
                }
                let keepV = alive[v].filter { b in alive[u].contains { a in cost(e, Int(a), Int(b)) < unit } }
                if keepV.isEmpty { wipedOut = true; return any }
                if keepV.count < alive[v].count {
                    stats.strategiesInfinite += alive[v].count - keepV.count
                    alive[v] = keepV
                    any = true
                }
            }
            return any
        }

        /// Drops strategies whose extra usage over the node's minimum exceeds the slack of a
        /// clique it lives in (slack = limit - sum of minimum usages over the clique).
        mutating func pruneMemory() -> Bool {
            guard let limit = problem.usageLimit, cliques.count > 0 else { return false }
            let kc = cliques.count
            // Minimum load per clique.
            var minUse = [Int64](repeating: 0, count: originalCount)
            let minLoad: [Int64] = cliqueLoads(cliqueCount: kc, items: originalCount) { i in
                let f = Int(cliques.cliqueFirst[i]), l = Int(cliques.cliqueEnd[i])
                if f >= l { return nil }
                var m = Int64.max
                for a in alive[i] { m = min(m, usage[unaryOff[i] + Int(a)]) }
                minUse[i] = m
                return (f, l, m)
            }
            let slack = minLoad.map { limit &- $0 }
            if slack.contains(where: { $0 < 0 }) { memoryInfeasible = true; return false }
            let table = SparseMin(slack)
            var any = false
            for i in 0 ..< originalCount where !fixed[i] && !eliminated[i] {
                let f = Int(cliques.cliqueFirst[i]), l = Int(cliques.cliqueEnd[i])
                if f >= l { continue }
                let s = table.min(f, l)
                let keep = alive[i].filter { usage[unaryOff[i] + Int($0)] - minUse[i] <= s }
                if keep.count < alive[i].count {
                    stats.strategiesMemory += alive[i].count - keep.count
                    alive[i] = keep
                    any = true
                }
            }
            return any
        }

        /// Nodes with one strategy left: fold their edges into the neighbours' unary costs.
        mutating func fixSingletons() -> Bool {
            var any = false
            for i in 0 ..< n where !fixed[i] && !eliminated[i] && alive[i].count == 1 {
                let a = Int(alive[i][0])
                fixed[i] = true
                stats.nodesFixed += 1
                constant = addCost(constant, unary[unaryOff[i] + a])
                for e in adj[i] where edgeAlive[e] {
                    edgeAlive[e] = false
                    stats.edgesFoldedIntoUnary += 1
                    let j = eu[e] == i ? ev[e] : eu[e]
                    if fixed[j] {
                        // Both ends fixed (j was fixed earlier in this pass).
                        let bj = Int(alive[j][0])
                        constant = addCost(constant, eu[e] == i ? cost(e, a, bj) : cost(e, bj, a))
                        continue
                    }
                    for b in 0 ..< k[j] {
                        let c = eu[e] == i ? cost(e, a, b) : cost(e, b, a)
                        unary[unaryOff[j] + b] = addCost(unary[unaryOff[j] + b], c)
                    }
                }
                any = true
            }
            return any
        }

        func build() -> SolverInstance {
            var s = stats
            // Kept nodes, in working order (original nodes, then auxiliary ones).
            var reducedOf = [Int32](repeating: -1, count: n)
            var workOf: [Int32] = []
            for i in 0 ..< n where !fixed[i] && !eliminated[i] {
                reducedOf[i] = Int32(workOf.count)
                workOf.append(Int32(i))
            }
            let origNode = workOf.map { $0 < Int32(originalCount) ? $0 : -1 }
            let rn = workOf.count
            var kk: [Int32] = [], off: [Int32] = [0], un: [Int64] = [], us: [Int64] = [], os: [Int32] = []
            for r in 0 ..< rn {
                let i = Int(workOf[r])
                kk.append(Int32(alive[i].count))
                for a in alive[i] {
                    un.append(unary[unaryOff[i] + Int(a)])
                    us.append(usage[unaryOff[i] + Int(a)])
                    os.append(a)
                }
                off.append(Int32(un.count))
            }
            var fixedWork = [Int32](repeating: -1, count: n)
            for i in 0 ..< n where fixed[i] { fixedWork[i] = alive[i][0] }
            // Edges between kept nodes, restricted to alive strategies.
            var eU: [Int32] = [], eV: [Int32] = [], eOff = [0], eC: [Int64] = []
            for e in 0 ..< eu.count where edgeAlive[e] {
                let u = eu[e], v = ev[e]
                eU.append(reducedOf[u])
                eV.append(reducedOf[v])
                for a in alive[u] { for b in alive[v] { eC.append(cost(e, Int(a), Int(b))) } }
                eOff.append(eC.count)
            }
            // Without an exact unit, infinite terms (clamped at 1e18, so their count and finite
            // part are lost anyway) are softened to 1e15 when all finite terms are far below it.
            var inf = unit
            var constantTerm = constant + shifts
            if !exact {
                var maxFinite: Int64 = 0
                for c in un where c < infiniteCost { maxFinite = max(maxFinite, c) }
                for c in eC where c < infiniteCost { maxFinite = max(maxFinite, c) }
                inf = maxFinite < 1_000_000_000_000 ? 1_000_000_000_000_000 : infiniteCost
                if inf != infiniteCost {
                    for x in 0 ..< un.count where un[x] >= infiniteCost { un[x] = inf }
                    for x in 0 ..< eC.count where eC[x] >= infiniteCost { eC[x] = inf }
                }
                constantTerm = constant >= infiniteCost ? inf : constant
            }
            // Memory: only cliques whose largest possible load exceeds the limit are kept.
            // Nodes that are not kept with a varying usage there contribute a base load.
            var capacity: [Int64] = []
            var cFirst = [Int32](repeating: 0, count: rn)
            var cEnd = [Int32](repeating: 0, count: rn)
            var feasible = !memoryInfeasible
            let unsafe = unsafeCliques()
            if let limit = problem.usageLimit, unsafe.contains(true) {
                var newIndex = [Int32](repeating: 0, count: cliques.count + 1)
                for c in 0 ..< cliques.count { newIndex[c + 1] = newIndex[c] + (unsafe[c] ? 1 : 0) }
                let kc = Int(newIndex[cliques.count])
                let baseLoad: [Int64] = cliqueLoads(cliqueCount: kc, items: originalCount) { i in
                    let f = Int(newIndex[Int(cliques.cliqueFirst[i])]), l = Int(newIndex[Int(cliques.cliqueEnd[i])])
                    if f >= l { return nil }
                    let r = Int(reducedOf[i])
                    var lo = Int64.max, hi = Int64.min
                    for a in alive[i] { lo = min(lo, usage[unaryOff[i] + Int(a)]); hi = max(hi, usage[unaryOff[i] + Int(a)]) }
                    if r >= 0 && lo != hi {
                        cFirst[r] = Int32(f)
                        cEnd[r] = Int32(l)
                        return nil
                    }
                    // Fixed, folded (constant usage here) or constant: base load.
                    return (f, l, lo)
                }
                capacity = baseLoad.map { limit &- $0 }
                if capacity.contains(where: { $0 < 0 }) { feasible = false }
                // The minimum usages must fit too.
                let minLoad: [Int64] = cliqueLoads(cliqueCount: kc, items: rn) { r in
                    if cFirst[r] >= cEnd[r] { return nil }
                    var m = Int64.max
                    for x in Int(off[r]) ..< Int(off[r + 1]) { m = min(m, us[x]) }
                    return (Int(cFirst[r]), Int(cEnd[r]), m)
                }
                for c in 0 ..< kc where minLoad[c] > capacity[c] { feasible = false }
            }
            // Nodes outside the memory model carry no usage inside the solver.
            for r in 0 ..< rn where cFirst[r] >= cEnd[r] {
                s.memoryFreeNodes += 1
                for x in Int(off[r]) ..< Int(off[r + 1]) { us[x] = 0 }
            }
            let hasMemory = !capacity.isEmpty && (0 ..< rn).contains { cFirst[$0] < cEnd[$0] }
            if !hasMemory { capacity = [] }
            s.nodes = rn
            s.edges = eU.count
            s.strategies = un.count
            s.cliques = capacity.count
            return SolverInstance(
                n: rn, k: kk, off: off, unary: un, usage: us, edgeU: eU, edgeV: eV, edgeOff: eOff,
                edgeCost: eC, infinite: inf, exactInfinite: exact, offset: offset, hasMemory: hasMemory, capacity: capacity, cFirst: cFirst, cEnd: cEnd,
                constant: constantTerm, stats: s, origNode: origNode, origStrategy: os,
                fixedWork: fixedWork, workOf: workOf, eliminations: eliminations,
                originalNodeCount: originalCount, feasible: feasible)
        }
    }
}

/// Range-minimum queries over a fixed array (sparse table).
struct SparseMin {
    var levels: [[Int64]]

    init(_ a: [Int64]) {
        levels = [a]
        var len = 1
        while 2 * len <= a.count {
            let prev = levels[levels.count - 1]
            var next = [Int64](repeating: 0, count: a.count - 2 * len + 1)
            for i in 0 ..< next.count { next[i] = Swift.min(prev[i], prev[i + len]) }
            levels.append(next)
            len *= 2
        }
    }

    /// Minimum of a[lo ..< hi], hi > lo.
    func min(_ lo: Int, _ hi: Int) -> Int64 {
        var level = 0
        while (2 << level) <= hi - lo { level += 1 }
        return Swift.min(levels[level][lo], levels[level][hi - (1 << level)])
    }
}
