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
        public init() {}
    }

    public static func reduce(_ problem: Problem, options: Options = Options()) -> SolverInstance {
        var work = Work(problem)
        work.run(options)
        if work.wipedOut && options.pruneInfinite {
            // Every solution has an infinite term: keep all strategies so the search still
            // finds the least bad one.
            var o = options
            o.pruneInfinite = false
            var again = Work(problem)
            again.run(o)
            again.stats.infinitePruningAbandoned = true
            return again.build()
        }
        return work.build()
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
        // Pair edges (u < v), tables over full original dimensions k[u] x k[v].
        var eu: [Int] = []
        var ev: [Int] = []
        var table: [[Int64]] = []
        var edgeAlive: [Bool] = []
        var adj: [[Int]]
        var constant: Int64 = 0
        var stats = ReductionStats()
        var wipedOut = false
        var memoryInfeasible = false
        let cliques: IntervalCliques
        let originalCount: Int

        init(_ p: Problem) {
            problem = p
            originalCount = p.nodeCount
            n = p.nodeCount
            k = (0 ..< p.nodeCount).map { p.strategyCount($0) }
            unaryOff = p.strategyOffset
            unary = p.nodeCost.map(clampCost)
            usage = p.nodeUsage
            alive = k.map { (0 ..< Int32($0)).map { $0 } }
            fixed = [Bool](repeating: false, count: p.nodeCount)
            adj = [[Int]](repeating: [], count: p.nodeCount)
            cliques = IntervalCliques(p)
            stats.originalNodes = p.nodeCount
            stats.originalEdges = p.edgeCount
            stats.originalStrategies = p.strategyTotal
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
                    t[idx] = clampCost(p.edgeCost[base + orig])
                }
                switch distinct.count {
                case 0:
                    constant = addCost(constant, t[0])
                    stats.constantEdges += 1
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
                    adj.append([])
                    for (j, v) in distinct.enumerated() {
                        var stride = 1
                        for jj in (j + 1) ..< distinct.count { stride *= k[distinct[jj]] }
                        // Table (v, h): v < h always.
                        var ct = [Int64](repeating: infiniteCost, count: k[v] * size)
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
            }
        }

        /// Arc consistency on infinite entries.
        mutating func pruneInfinite() -> Bool {
            var any = false
            for e in 0 ..< eu.count where edgeAlive[e] {
                let u = eu[e], v = ev[e]
                // Strategies of u with no finite partner in v.
                let keepU = alive[u].filter { a in alive[v].contains { b in cost(e, Int(a), Int(b)) < infiniteCost } }
                if keepU.isEmpty { wipedOut = true; return any }
                if keepU.count < alive[u].count {
                    stats.strategiesInfinite += alive[u].count - keepU.count
                    alive[u] = keepU
                    any = true
                }
                let keepV = alive[v].filter { b in alive[u].contains { a in cost(e, Int(a), Int(b)) < infiniteCost } }
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
            // Minimum load per clique via a difference array over clique ranges.
            var diff = [Int64](repeating: 0, count: kc + 1)
            var minUse = [Int64](repeating: 0, count: originalCount)
            for i in 0 ..< originalCount {
                let f = Int(cliques.cliqueFirst[i]), l = Int(cliques.cliqueEnd[i])
                if f >= l { continue }
                var m = Int64.max
                for a in alive[i] { m = min(m, usage[unaryOff[i] + Int(a)]) }
                minUse[i] = m
                diff[f] &+= m
                diff[l] &-= m
            }
            var slack = [Int64](repeating: 0, count: kc)
            var load: Int64 = 0
            for c in 0 ..< kc {
                load &+= diff[c]
                slack[c] = limit &- load
                if slack[c] < 0 { memoryInfeasible = true; return false }
            }
            let table = SparseMin(slack)
            var any = false
            for i in 0 ..< originalCount where !fixed[i] {
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
            for i in 0 ..< n where !fixed[i] && alive[i].count == 1 {
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
            // Kept nodes, in original order (auxiliary nodes last).
            var reducedOf = [Int32](repeating: -1, count: n)
            var origNode: [Int32] = []
            for i in 0 ..< n where !fixed[i] {
                reducedOf[i] = Int32(origNode.count)
                origNode.append(i < originalCount ? Int32(i) : -1)
            }
            let rn = origNode.count
            var kk: [Int32] = [], off: [Int32] = [0], un: [Int64] = [], us: [Int64] = [], os: [Int32] = []
            for r in 0 ..< rn {
                let i = origNode[r] >= 0 ? Int(origNode[r]) : auxIndex(r, reducedOf)
                kk.append(Int32(alive[i].count))
                for a in alive[i] {
                    un.append(unary[unaryOff[i] + Int(a)])
                    us.append(usage[unaryOff[i] + Int(a)])
                    os.append(a)
                }
                off.append(Int32(un.count))
            }
            // Fixed strategies (original nodes only).
            var fixedStrategy = [Int32](repeating: -1, count: originalCount)
            for i in 0 ..< originalCount where fixed[i] { fixedStrategy[i] = alive[i][0] }
            // Edges between kept nodes, restricted to alive strategies.
            var eU: [Int32] = [], eV: [Int32] = [], eOff = [0], eC: [Int64] = []
            for e in 0 ..< eu.count where edgeAlive[e] {
                let u = eu[e], v = ev[e]
                let ru = reducedOf[u], rv = reducedOf[v]
                eU.append(ru)
                eV.append(rv)
                for a in alive[u] { for b in alive[v] { eC.append(cost(e, Int(a), Int(b))) } }
                eOff.append(eC.count)
            }
            // Memory: fixed nodes and nodes whose usage cannot vary become base load.
            var hasMemory = false
            var capacity: [Int64] = []
            var cFirst = [Int32](repeating: 0, count: rn)
            var cEnd = [Int32](repeating: 0, count: rn)
            var feasible = !memoryInfeasible
            if let limit = problem.usageLimit, cliques.count > 0 {
                var diff = [Int64](repeating: 0, count: cliques.count + 1)
                for i in 0 ..< originalCount {
                    let f = Int(cliques.cliqueFirst[i]), l = Int(cliques.cliqueEnd[i])
                    if f >= l { continue }
                    let r = Int(reducedOf[i])
                    var lo = Int64.max, hi = Int64.min
                    for a in alive[i] { lo = min(lo, usage[unaryOff[i] + Int(a)]); hi = max(hi, usage[unaryOff[i] + Int(a)]) }
                    if r >= 0 && lo != hi {
                        cFirst[r] = Int32(f)
                        cEnd[r] = Int32(l)
                        hasMemory = true
                        continue
                    }
                    if r >= 0 {
                        s.memoryFreeNodes += 1
                        // Constant usage: move it into the base load, zero it in the instance.
                        for x in Int(off[r]) ..< Int(off[r + 1]) { us[x] = 0 }
                    }
                    diff[f] &+= lo
                    diff[l] &-= lo
                }
                var load: Int64 = 0
                for c in 0 ..< cliques.count {
                    load &+= diff[c]
                    capacity.append(limit &- load)
                    if limit &- load < 0 { feasible = false }
                }
                // The minimum usages must fit too.
                var minDiff = [Int64](repeating: 0, count: cliques.count + 1)
                for r in 0 ..< rn where cFirst[r] < cEnd[r] {
                    var m = Int64.max
                    for x in Int(off[r]) ..< Int(off[r + 1]) { m = min(m, us[x]) }
                    minDiff[Int(cFirst[r])] &+= m
                    minDiff[Int(cEnd[r])] &-= m
                }
                var acc: Int64 = 0
                for c in 0 ..< cliques.count {
                    acc &+= minDiff[c]
                    if acc > capacity[c] { feasible = false }
                }
            } else {
                for r in 0 ..< rn { for x in Int(off[r]) ..< Int(off[r + 1]) { us[x] = 0 } }
            }
            if !hasMemory { capacity = [] }
            s.nodes = rn
            s.edges = eU.count
            s.strategies = un.count
            s.cliques = capacity.count
            return SolverInstance(
                n: rn, k: kk, off: off, unary: un, usage: us, edgeU: eU, edgeV: eV, edgeOff: eOff,
                edgeCost: eC, hasMemory: hasMemory, capacity: capacity, cFirst: cFirst, cEnd: cEnd,
                constant: constant, stats: s, origNode: origNode, origStrategy: os,
                fixedStrategy: fixedStrategy, originalNodeCount: originalCount, feasible: feasible)
        }

        /// The working index of the r-th kept auxiliary node.
        private func auxIndex(_ r: Int, _ reducedOf: [Int32]) -> Int {
            for i in originalCount ..< n where reducedOf[i] == Int32(r) { return i }
            return originalCount
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
