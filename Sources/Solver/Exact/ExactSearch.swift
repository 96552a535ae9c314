// Complete branch and bound over a reduced instance: proves optimality (or infeasibility) of
// small reduced instances in exact integer arithmetic.
//
// Why a completed search is a proof: nodes are fixed one at a time in a static order; a
// subtree is skipped only when a valid lower bound on every assignment in it is >= the cost of
// a known feasible assignment, or when a strategy would overfill a clique (the memory test
// below only removes assignments that exceed some capacity). So when the search ends without
// being stopped, no feasible assignment is cheaper than the best one known.
//
// The lower bound. Before the search, the costs are reparametrised exactly (Int128): first by
// integer min-sum diffusion (`diffuse`, which raises the sum of node and edge minima), then,
// walking the order backwards, each node's unary costs are moved into the edge to its latest earlier
// neighbour, and every edge's rows are then projected onto its earlier end (each row's minimum
// moves into that node's unary costs). Every assignment keeps its total, and afterwards every
// row of every edge table (earlier end fixed) has minimum 0. With the nodes before position t
// fixed, any completion costs at least
//   g + sum over unfixed nodes j of min_s acc_j(s),
// where g is the cost of the fixed part (unary and edge terms between fixed nodes) and acc_j(s)
// is j's unary term plus its edge terms to fixed neighbours: the edges between two unfixed
// nodes are >= 0 (row minimum 0), and they are all the remaining terms. The bound needs one row
// addition per later neighbour when a node is fixed. That neighbour's minimum is then taken over
// the strategies that fit the memory reserves (below): those only shrink deeper in the tree, so
// the minimum stays a valid bound for the whole subtree.
//
// Memory: `reserve[c]` is the capacity of clique c minus the usage of the fixed nodes and the
// least usage of each unfixed node living in it. A strategy whose usage exceeds its node's least
// usage by more than the smallest reserve over the node's cliques cannot lead to a feasible
// assignment, and every other choice keeps all reserves >= 0 (so the least-usage completion
// still fits).

/// An assignment of a reduced instance (local strategy per node) with its cost as
/// `SearchState.computeCost` gives it (`inst.base` plus every unary and edge term).
public struct ExactSolution: Sendable, Equatable {
    public var x: [Int32]
    public var cost: Int128

    public init(x: [Int32], cost: Int128) {
        self.x = x
        self.cost = cost
    }
}

/// Outcome of `ExactSearch`.
public enum ExactResult: Sendable, Equatable {
    /// The whole tree was searched: `x` is feasible and no feasible assignment costs less.
    case optimal(x: [Int32], cost: Int128)
    /// The whole tree was searched (or the reductions proved it): no assignment fits the memory.
    case infeasible
    /// Stopped (deadline or `stop`) before the search completed: nothing is proved. `bestFound`
    /// is the cheapest feasible assignment known (the incumbent if nothing cheaper was found).
    case unknown(bestFound: ExactSolution?, nodesSearched: Int)
}

/// Depth-first branch and bound with a static variable order (see the file comment).
public final class ExactSearch {
    /// The deadline and `stop` are checked after this many search nodes (a node costs
    /// microseconds, so the answer to a stop comes within milliseconds).
    static let checkInterval = 1024

    let inst: SolverInstance
    /// Position -> node, and node -> position.
    let order: [Int32]
    let position: [Int32]
    /// Reparametrised unary costs (flat, `inst.strategyStart`): the starting value of `acc`.
    private(set) var unaryR: [Int128]
    /// Per position t, the edges to later neighbours: `laterNode[q]` for q in
    /// `laterOff[t] ..< laterOff[t+1]`, with the table oriented (node at t, later node) from
    /// `laterTable[q]` in `table`, row-major.
    let laterOff: [Int]
    let laterNode: [Int32]
    let laterTable: [Int]
    /// Reparametrised edge tables, each oriented from its earlier end to its later end.
    private(set) var table: [Int128]
    /// Start of edge e's table in `table`.
    let tableOff: [Int]
    /// Whether the costs were reparametrised (`prepare`); done once, by the first run.
    private(set) var prepared = false
    /// Diffusion rounds done and seconds spent reparametrising.
    public private(set) var diffusionRoundsDone = 0
    public private(set) var prepareSeconds = 0.0
    /// Least usage of each node (0 for nodes outside the memory model).
    let minUse: [Int64]

    // Search state.
    var acc: [Int128]
    var minAcc: [Int128]
    var reserve: [Int64]
    var x: [Int32]
    /// Cost of the fixed part, `inst.base` included.
    var fixedCost: Int128 = 0
    /// Sum of `minAcc` over the unfixed nodes.
    var openBound: Int128 = 0
    var upper: Int128? = nil
    var best: [Int32]? = nil
    /// Search nodes expanded (calls that branch on a node).
    public private(set) var nodes = 0
    var stopped = false
    var deadline = 0.0
    var clock = ProcessClock()
    /// Search nodes left until the next look at the clock and `stop`.
    var countdown = 0
    var onImprove: (([Int32], Int128) -> Void)? = nil
    /// Asked at every look at the clock for a better assignment found elsewhere (see `run`).
    var incumbentFeed: (() -> [Int32]?)? = nil
    /// Old minima of the later neighbours, restored on backtracking.
    var minStack: [Int128] = []

    public init(_ inst: SolverInstance) {
        self.inst = inst
        let n = inst.nodeCount
        let order = ExactSearch.frontierOrder(inst)
        var position = [Int32](repeating: 0, count: n)
        for (t, i) in order.enumerated() { position[Int(i)] = Int32(t) }
        self.order = order
        self.position = position

        // Tables oriented from the earlier end, in Int128.
        var tableOff = [Int](repeating: 0, count: inst.edgeCount + 1)
        for e in 0 ..< inst.edgeCount { tableOff[e + 1] = tableOff[e] + (inst.edgeOff[e + 1] - inst.edgeOff[e]) }
        var table = [Int128](repeating: 0, count: tableOff[inst.edgeCount])
        for e in 0 ..< inst.edgeCount {
            let u = Int(inst.edgeU[e]), v = Int(inst.edgeV[e])
            let ku = Int(inst.strategyCount[u]), kv = Int(inst.strategyCount[v])
            let src = inst.edgeOff[e], dst = tableOff[e]
            if position[u] < position[v] {
                for z in 0 ..< ku * kv { table[dst + z] = Int128(inst.edgeCost[src + z]) }
            } else {
                for a in 0 ..< ku { for b in 0 ..< kv { table[dst + b * ku + a] = Int128(inst.edgeCost[src + a * kv + b]) } }
            }
        }
        self.tableOff = tableOff
        self.table = table
        unaryR = inst.unary.map { Int128($0) }

        var laterOff = [Int](repeating: 0, count: n + 1)
        var laterNode: [Int32] = [], laterTable: [Int] = []
        for t in 0 ..< n {
            let i = Int(order[t])
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) where position[Int(inst.adjOther[p])] > Int32(t) {
                laterNode.append(inst.adjOther[p])
                laterTable.append(tableOff[Int(inst.adjEdge[p])])
            }
            laterOff[t + 1] = laterNode.count
        }
        self.laterOff = laterOff
        self.laterNode = laterNode
        self.laterTable = laterTable

        var minUse = [Int64](repeating: 0, count: n)
        if inst.hasMemory {
            for i in 0 ..< n where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
                minUse[i] = inst.usage[Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1])].min() ?? 0
            }
        }
        self.minUse = minUse
        acc = unaryR
        minAcc = [Int128](repeating: 0, count: n)
        reserve = []
        x = [Int32](repeating: 0, count: n)
    }

    /// Proves the optimum of `inst` (costs as `SearchState.computeCost`), or stops at
    /// `deadline` (seconds on `clock`) or when `stop()` turns true. A feasible `incumbent`
    /// prunes from the start; its stated cost is not trusted (it is recomputed). `onImprove`,
    /// if given, sees every assignment found that is cheaper than all before (and than the
    /// incumbent), with its cost, as soon as it is found. `incumbentFeed`, if given, is asked
    /// at every look at the clock for an assignment found elsewhere (nil: nothing new); a
    /// feasible one cheaper than the best so far becomes the best and prunes from then on (a
    /// completed search still proves: nothing cheaper than the best is left unexplored).
    public static func solve(_ inst: SolverInstance, incumbent: (x: [Int32], cost: Int128)?,
                             deadline: Double, clock: ProcessClock, stop: () -> Bool,
                             onImprove: (([Int32], Int128) -> Void)? = nil,
                             incumbentFeed: (() -> [Int32]?)? = nil) -> ExactResult {
        ExactSearch(inst).run(incumbent: incumbent?.x, deadline: deadline, clock: clock, stop: stop,
                              onImprove: onImprove, incumbentFeed: incumbentFeed)
    }

    /// The solve and the bound command run the search on reduced instances with at most this
    /// many nodes (its cost is set by the root gap rather than the size: benchmarks/EXACT.md)...
    public static let maxNodes = 2_000
    /// ...and at most this many edge-table entries (it keeps Int128 copies, 16 B each).
    public static let maxTableEntries = 8_000_000

    /// Whether `inst` is small enough for the solve and the bound command to search it.
    public static func fits(_ inst: SolverInstance) -> Bool {
        inst.nodeCount <= maxNodes && inst.edgeCost.count <= maxTableEntries
    }

    /// Share of the time left to the deadline that the diffusion may use.
    static let diffusionShare = 0.5

    /// Reparametrises the costs (see the file comment): diffusion until it stalls or `until`,
    /// then the backward pass that the search's bound relies on (always completed).
    func prepare(until: Double, clock: ProcessClock) {
        let t0 = clock.seconds
        diffusionRoundsDone = ExactSearch.diffuse(inst, order, position, tableOff, &table, &unaryR, until: until, clock: clock)
        ExactSearch.projectBackward(inst, order, position, tableOff, &table, &unaryR)
        prepared = true
        prepareSeconds = clock.seconds - t0
    }

    /// Walking the order backwards: extends each node's unary costs into the edge to its
    /// latest earlier neighbour, then projects the rows of all its edges to earlier neighbours
    /// onto them (afterwards every row has minimum 0).
    static func projectBackward(_ inst: SolverInstance, _ order: [Int32], _ position: [Int32], _ tableOff: [Int],
                                _ table: inout [Int128], _ unary: inout [Int128]) {
        for t in stride(from: inst.nodeCount - 1, through: 0, by: -1) {
            let j = Int(order[t])
            let oj = Int(inst.strategyStart[j]), kj = Int(inst.strategyCount[j])
            var target = -1, targetPos: Int32 = -1
            for p in Int(inst.adjOff[j]) ..< Int(inst.adjOff[j + 1]) {
                let i = Int(inst.adjOther[p])
                if position[i] < Int32(t) && position[i] > targetPos { targetPos = position[i]; target = Int(inst.adjEdge[p]) }
            }
            for p in Int(inst.adjOff[j]) ..< Int(inst.adjOff[j + 1]) {
                let i = Int(inst.adjOther[p])
                if position[i] >= Int32(t) { continue }
                let e = Int(inst.adjEdge[p])
                let oi = Int(inst.strategyStart[i]), ki = Int(inst.strategyCount[i]), base = tableOff[e]
                if e == target {
                    for a in 0 ..< ki { for b in 0 ..< kj { table[base + a * kj + b] += unary[oj + b] } }
                    for b in 0 ..< kj { unary[oj + b] = 0 }
                }
                for a in 0 ..< ki {
                    var m = table[base + a * kj]
                    for b in 1 ..< kj { m = Swift.min(m, table[base + a * kj + b]) }
                    for b in 0 ..< kj { table[base + a * kj + b] -= m }
                    unary[oi + a] += m
                }
            }
        }
    }

    /// Runs the search once (see `solve`).
    public func run(incumbent: [Int32]?, deadline: Double, clock: ProcessClock, stop: () -> Bool,
                    onImprove: (([Int32], Int128) -> Void)? = nil,
                    incumbentFeed: (() -> [Int32]?)? = nil) -> ExactResult {
        self.onImprove = onImprove
        self.incumbentFeed = incumbentFeed
        defer {
            self.onImprove = nil
            self.incumbentFeed = nil
        }
        let n = inst.nodeCount
        upper = nil
        best = nil
        nodes = 0
        stopped = false
        if let y = incumbent, isFeasible(y) {
            upper = SearchState.computeCost(inst, y)
            best = y
        }
        if !inst.feasible { return .infeasible }
        if clock.seconds >= deadline || stop() { return unknownResult() }
        if !prepared {
            let now = clock.seconds
            prepare(until: now + ExactSearch.diffusionShare * (deadline - now), clock: clock)
        }

        // Memory reserves with every node at its least usage.
        reserve = inst.hasMemory ? inst.capacity : []
        if inst.hasMemory {
            let least = inst.cliqueLoads { minUse[$0] }
            for c in 0 ..< inst.cliqueCount {
                reserve[c] -= least[c]
                if reserve[c] < 0 { return .infeasible }
            }
        }
        acc = unaryR
        fixedCost = inst.base
        openBound = 0
        for i in 0 ..< n {
            let o = Int(inst.strategyStart[i])
            var m = acc[o]
            for s in 1 ..< Int(inst.strategyCount[i]) { m = Swift.min(m, acc[o + s]) }
            minAcc[i] = m
            openBound += m
        }
        minStack.removeAll(keepingCapacity: true)

        self.deadline = deadline
        self.clock = clock
        countdown = ExactSearch.checkInterval
        if beatsUpper(fixedCost + openBound) { search(0, stop) }
        if stopped { return unknownResult() }
        guard let best else { return .infeasible }
        return .optimal(x: best, cost: SearchState.computeCost(inst, best))
    }

    func unknownResult() -> ExactResult {
        .unknown(bestFound: best.map { ExactSolution(x: $0, cost: SearchState.computeCost(inst, $0)) },
                 nodesSearched: nodes)
    }

    /// Whether a subtree with lower bound `bound` can hold an assignment cheaper than the best.
    @inline(__always) func beatsUpper(_ bound: Int128) -> Bool {
        guard let u = upper else { return true }
        return bound < u
    }

    /// Takes the feed's assignment as the best when it is feasible and cheaper. Only `upper`
    /// and `best` change: the search below continues with the tighter pruning.
    func adoptFedIncumbent() {
        guard let feed = incumbentFeed, let y = feed(), isFeasible(y) else { return }
        let c = SearchState.computeCost(inst, y)
        if beatsUpper(c) {
            upper = c
            best = y
        }
    }

    /// Whether `y` is a complete assignment that fits the memory.
    func isFeasible(_ y: [Int32]) -> Bool {
        guard inst.feasible, y.count == inst.nodeCount else { return false }
        for i in 0 ..< inst.nodeCount where y[i] < 0 || y[i] >= inst.strategyCount[i] { return false }
        return !inst.hasMemory || SearchState.computeSlack(inst, y).allSatisfy { $0 >= 0 }
    }

    /// Branches on the node at position `t` (all earlier positions fixed).
    func search(_ t: Int, _ stop: () -> Bool) {
        if t == inst.nodeCount {
            // Pruning let only assignments cheaper than the incumbent through.
            assert(SearchState.computeCost(inst, x) == fixedCost, "reparametrised cost drifted")
            upper = fixedCost
            best = x
            onImprove?(x, fixedCost)
            return
        }
        nodes += 1
        countdown -= 1
        if countdown <= 0 {
            countdown = ExactSearch.checkInterval
            if clock.seconds >= deadline || stop() {
                stopped = true
                return
            }
            adoptFedIncumbent()
        }
        let i = Int(order[t])
        let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
        // Strategies that fit the memory, cheapest first.
        var slack = Int64.max
        let cf = Int(inst.cliqueFirst[i]), ce = Int(inst.cliqueEnd[i])
        let memory = inst.hasMemory && cf < ce
        if memory { for c in cf ..< ce { slack = Swift.min(slack, reserve[c]) } }
        var cand: [Int32] = []
        cand.reserveCapacity(k)
        for s in 0 ..< k where !memory || inst.usage[o + s] - minUse[i] <= slack { cand.append(Int32(s)) }
        cand.sort { acc[o + Int($0)] < acc[o + Int($1)] || (acc[o + Int($0)] == acc[o + Int($1)] && $0 < $1) }

        let rest = openBound - minAcc[i]
        let savedFixed = fixedCost
        let q0 = laterOff[t], q1 = laterOff[t + 1]
        for s32 in cand {
            let s = Int(s32)
            let here = acc[o + s]
            // Later neighbours' minima can only rise below: the rows added are >= 0, and
            // fewer strategies fit as the reserves shrink.
            if let u = upper, savedFixed + here + rest >= u { break }
            fixedCost = savedFixed + here
            openBound = rest
            let du = memory ? inst.usage[o + s] - minUse[i] : 0
            if du != 0 { for c in cf ..< ce { reserve[c] -= du } }
            for q in q0 ..< q1 {
                let j = Int(laterNode[q])
                let oj = Int(inst.strategyStart[j]), kj = Int(inst.strategyCount[j])
                let row = laterTable[q] + s * kj
                // Only strategies that fit the reserves count for j's minimum: the reserves
                // only shrink below this search node, so the minimum stays valid there.
                var room = Int64.max
                let jf = Int(inst.cliqueFirst[j]), je = Int(inst.cliqueEnd[j])
                if inst.hasMemory && jf < je { for c in jf ..< je { room = Swift.min(room, reserve[c]) } }
                var m: Int128? = nil
                for b in 0 ..< kj {
                    let v = acc[oj + b] + table[row + b]
                    acc[oj + b] = v
                    if inst.usage[oj + b] - minUse[j] <= room, m.map({ v < $0 }) ?? true { m = v }
                }
                // The least-usage strategy always fits (reserves stay >= 0).
                let newMin = m ?? minAcc[j]
                minStack.append(minAcc[j])
                openBound += newMin - minAcc[j]
                minAcc[j] = newMin
            }
            x[i] = s32
            if beatsUpper(fixedCost + openBound) { search(t + 1, stop) }
            if du != 0 { for c in cf ..< ce { reserve[c] += du } }
            for q in stride(from: q1 - 1, through: q0, by: -1) {
                let j = Int(laterNode[q])
                let oj = Int(inst.strategyStart[j]), kj = Int(inst.strategyCount[j])
                let row = laterTable[q] + s * kj
                for b in 0 ..< kj { acc[oj + b] -= table[row + b] }
                minAcc[j] = minStack.removeLast()
            }
            if stopped { break }
        }
        fixedCost = savedFixed
        openBound = rest + minAcc[i]
    }

    /// Rounds of min-sum diffusion before the search, at most (see `diffuse`).
    static let diffusionRounds = 300
    /// Diffusion stops after this many rounds without a rise of the bound.
    static let diffusionStall = 3

    /// Min-sum diffusion in integers: for each node in turn, the row minima of its edges move
    /// into its unary costs, and the result is spread back equally (rounded down) over the
    /// node and its edges. Every step adds a vector to a node and subtracts it from an edge's
    /// rows, so every assignment keeps its cost exactly; the bound
    /// sum of node minima + sum of edge minima tends to rise toward the pairwise LP bound.
    static func diffuse(_ inst: SolverInstance, _ order: [Int32], _ position: [Int32], _ tableOff: [Int],
                        _ table: inout [Int128], _ unary: inout [Int128], until: Double, clock: ProcessClock) -> Int {
        let n = inst.nodeCount
        let off = inst.strategyStart, kk = inst.strategyCount, adjOff = inst.adjOff, adjEdge = inst.adjEdge, adjOther = inst.adjOther
        var rounds = 0
        table.withUnsafeMutableBufferPointer { tb in
            unary.withUnsafeMutableBufferPointer { un in
                func bound() -> Int128 {
                    var b: Int128 = 0
                    for i in 0 ..< n {
                        var m = un[Int(off[i])]
                        for x in Int(off[i]) ..< Int(off[i + 1]) where un[x] < m { m = un[x] }
                        b += m
                    }
                    for e in 0 ..< inst.edgeCount where tableOff[e] < tableOff[e + 1] {
                        var m = tb[tableOff[e]]
                        for x in tableOff[e] ..< tableOff[e + 1] where tb[x] < m { m = tb[x] }
                        b += m
                    }
                    return b
                }
                var best = bound(), stall = 0
                while rounds < diffusionRounds && clock.seconds < until {
                    rounds += 1
                    for i32 in order {
                        let i = Int(i32)
                        let o = Int(off[i]), k = Int(kk[i])
                        let p0 = Int(adjOff[i]), p1 = Int(adjOff[i + 1])
                        if p0 == p1 { continue }
                        // Pull every edge's minima (over the other end) into the node.
                        for p in p0 ..< p1 {
                            let other = Int(adjOther[p])
                            let ko = Int(kk[other]), base = tableOff[Int(adjEdge[p])]
                            // Entry (a, b) of the table seen from i: a row when i is the earlier end.
                            let (sa, sb) = position[i] < position[other] ? (ko, 1) : (1, k)
                            for a in 0 ..< k {
                                var m = tb[base + a * sa]
                                for b in 1 ..< ko where tb[base + a * sa + b * sb] < m { m = tb[base + a * sa + b * sb] }
                                for b in 0 ..< ko { tb[base + a * sa + b * sb] -= m }
                                un[o + a] += m
                            }
                        }
                        // Spread back: each edge gets floor(unary / (deg + 1)).
                        let deg = Int128(p1 - p0)
                        for a in 0 ..< k {
                            let share = floorDiv(un[o + a], deg + 1)
                            if share == 0 { continue }
                            un[o + a] -= share * deg
                            for p in p0 ..< p1 {
                                let other = Int(adjOther[p])
                                let ko = Int(kk[other]), base = tableOff[Int(adjEdge[p])]
                                let (sa, sb) = position[i] < position[other] ? (ko, 1) : (1, k)
                                for b in 0 ..< ko { tb[base + a * sa + b * sb] += share }
                            }
                        }
                    }
                    let b = bound()
                    if b > best {
                        best = b
                        stall = 0
                    } else {
                        stall += 1
                        if stall >= diffusionStall { break }
                    }
                }
            }
        }
        return rounds
    }

    static func floorDiv(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// A lower bound on every assignment's cost (`inst.base` included, memory ignored): the
    /// search's bound at its root.
    public var rootBound: Int128 {
        var total = inst.base
        for i in 0 ..< inst.nodeCount {
            total += unaryR[Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1])].min() ?? 0
        }
        return total
    }

    /// Largest number of fixed nodes with an unfixed neighbour, over the depths of the order.
    public var frontierWidth: Int { ExactSearch.width(inst, order) }

    static func width(_ inst: SolverInstance, _ order: [Int32]) -> Int {
        var position = [Int32](repeating: 0, count: inst.nodeCount)
        for (t, i) in order.enumerated() { position[Int(i)] = Int32(t) }
        var last = [Int](repeating: -1, count: inst.nodeCount)
        for t in 0 ..< inst.nodeCount {
            let i = Int(order[t])
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                last[t] = Swift.max(last[t], Int(position[Int(inst.adjOther[p])]))
            }
        }
        // Position t is on the frontier at the depths t+1 ... last[t].
        var diff = [Int](repeating: 0, count: inst.nodeCount + 2)
        for t in 0 ..< inst.nodeCount where last[t] > t {
            diff[t + 1] += 1
            diff[last[t] + 1] -= 1
        }
        var width = 0, current = 0
        for d in 0 ... inst.nodeCount {
            current += diff[d]
            width = Swift.max(width, current)
        }
        return width
    }

    /// Greedy order: next the node (used to compare frontier widths in benchmarks/EXACT.md) that leaves the fewest fixed nodes with unfixed neighbours.
    static func greedyOrder(_ inst: SolverInstance) -> [Int32] {
        let n = inst.nodeCount
        var ordered = [Bool](repeating: false, count: n)
        var open = (0 ..< n).map { Int(inst.adjOff[$0 + 1] - inst.adjOff[$0]) }
        var done = [Int](repeating: 0, count: n)
        var order: [Int32] = []
        for _ in 0 ..< n {
            var pick = -1, pickDelta = Int.max
            for v in 0 ..< n where !ordered[v] {
                var delta = open[v] > 0 ? 1 : 0
                for p in Int(inst.adjOff[v]) ..< Int(inst.adjOff[v + 1]) {
                    let u = Int(inst.adjOther[p])
                    if ordered[u] && open[u] == 1 { delta -= 1 }
                }
                if delta < pickDelta || (delta == pickDelta && done[v] > done[pick]) { pick = v; pickDelta = delta }
            }
            ordered[pick] = true
            order.append(Int32(pick))
            for p in Int(inst.adjOff[pick]) ..< Int(inst.adjOff[pick + 1]) {
                let u = Int(inst.adjOther[p])
                open[u] -= 1
                done[u] += 1
            }
        }
        return order
    }

    /// Nodes by their first clique (the time line), then index (compared in benchmarks/EXACT.md).
    static func timeOrder(_ inst: SolverInstance) -> [Int32] {
        (0 ..< Int32(inst.nodeCount)).sorted { (inst.cliqueFirst[Int($0)], inst.origNode[Int($0)]) < (inst.cliqueFirst[Int($1)], inst.origNode[Int($1)]) }
    }

    /// A static order that keeps the frontier small: repeatedly the node with the most
    /// neighbours already ordered (maximum cardinality search), ties to the higher degree, then
    /// to the lower index; it starts at the node of highest degree.
    static func frontierOrder(_ inst: SolverInstance) -> [Int32] {
        let n = inst.nodeCount
        var ordered = [Bool](repeating: false, count: n)
        var count = [Int](repeating: 0, count: n)
        var order: [Int32] = []
        order.reserveCapacity(n)
        let degree = (0 ..< n).map { Int(inst.adjOff[$0 + 1] - inst.adjOff[$0]) }
        for _ in 0 ..< n {
            var pick = -1
            for i in 0 ..< n where !ordered[i] {
                if pick < 0 || count[i] > count[pick] || (count[i] == count[pick] && degree[i] > degree[pick]) { pick = i }
            }
            ordered[pick] = true
            order.append(Int32(pick))
            for p in Int(inst.adjOff[pick]) ..< Int(inst.adjOff[pick + 1]) { count[Int(inst.adjOther[p])] += 1 }
        }
        return order
    }
}
