#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Instances derived from a given one (`iopddl generate --from`): the same model made harder in a
// controlled way, so that the solver is measured on a family and not on one file.
//
// - More edges (`addEdges`, `infiniteShare`): each joins two nodes with at least two strategies
//   (an edge to a one-strategy node is only a node cost), the first endpoint drawn with
//   probability proportional to its strategy count (real large tables join strategy-rich nodes).
//   The second endpoint is, half of the time, two or three steps away along the existing edges
//   (near in the graph), otherwise a node live at a random time of the first one's interval
//   (overlapping lifetimes, so the edge also couples nodes that compete for memory); when neither
//   finds one, another strategy-rich node. Each table has round(F x entries) entries of exactly
//   1e18 (the contest's forbidden-pair marker); its finite entries are finite entries of the
//   source's tables that touch either endpoint (resharding costs scale with the tensors
//   involved), so they have the instance's scale there. New edges follow the existing ones.
// - More strategies (`strategyFactor`): node i gets about X x k_i strategies; each new one copies a
//   random original strategy (its parent) with a cost factor f: node cost and copied edge entries
//   times f, usage over f (cheaper but heavier, or dearer but lighter: a trade-off that the limit
//   decides, not a strategy that dominates its parent). Every edge table gets the parent's
//   rows/columns: finite entries scaled (with a little noise of their own), infinite ones kept,
//   so each table keeps its infinite share in expectation and no forbidden pair of the source
//   becomes a cheap way out. New strategies follow the original ones of their node.
// - A binding limit (`limitFactor`): usage_limit = floor(L x the least possible peak), the least
//   possible peak being, over time, the sum of each live node's least usage.
//
// Feasibility: the reference solution is the minimum-usage labelling of the source (each node's
// least-usage strategy, ties to the cheaper): its peak is the least possible, so it is feasible
// whenever anything is. New strategies never undercut it (their usage is at least the node's
// least, and at equal usage their cost is not lower), so it stays the minimum-usage labelling;
// its entry in every new table is finite and drawn high (the largest of a few draws), so the
// reference is feasible and finite on the new edges but not a cheap optimum. The reference may
// already have infinite terms on the source's own edges (minimum usage ignores costs); solutions
// given as `keepFinite` (a solver's finite answer on the source) get a finite, high entry on every
// new edge as well, so the derived instance keeps a finite solution when the source has one.

/// What `iopddl generate --from` changes in the source instance.
public struct DerivationOptions: Sendable, Equatable {
    /// Edges to add.
    public var addEdges: Int
    /// Share of each added table's entries that are 1e18, in [0, 1).
    public var infiniteShare: Double
    /// Strategies per node become about this multiple of the source's (>= 1).
    public var strategyFactor: Double
    /// usage_limit = this x the least possible peak (>= 1); nil keeps the source's limit.
    public var limitFactor: Double?

    /// Half of the entries forbidden: mid-range of the 31-68% seen in the contest instances.
    public static let defaultInfiniteShare = 0.5

    public init(addEdges: Int = 0, infiniteShare: Double = DerivationOptions.defaultInfiniteShare,
                strategyFactor: Double = 1, limitFactor: Double? = nil) {
        self.addEdges = addEdges
        self.infiniteShare = infiniteShare
        self.strategyFactor = strategyFactor
        self.limitFactor = limitFactor
    }

    public func validate() throws(DerivationError) {
        if addEdges < 0 {
            throw .invalidOption(.addEdges, "must be >= 0, found \(addEdges)")
        }
        if !(infiniteShare >= 0 && infiniteShare < 1) {
            throw .invalidOption(.infiniteShare, "must be in [0, 1), found \(infiniteShare)")
        }
        if !(strategyFactor >= 1 && strategyFactor <= DerivationOptions.maxStrategyFactor) {
            throw .invalidOption(.strategyFactor,
                                 "must be in [1, \(Int(DerivationOptions.maxStrategyFactor))], found \(strategyFactor)")
        }
        if let l = limitFactor, !(l >= 1 && l.isFinite) {
            throw .invalidOption(.limitFactor, "must be >= 1 (below, no solution fits), found \(l)")
        }
    }

    /// Tables grow with the square of the factor; beyond this they no longer fit in memory.
    static let maxStrategyFactor = 100.0
    /// A usage limit must stay below Int64.max; Double rounding makes this the safe ceiling.
    static let largestLimit = 9.2e18

    /// The derived instance's name: the source's, then each change and the seed.
    public func derivedName(source: String, seed: UInt64) -> String {
        var parts = [source]
        if addEdges > 0 { parts.append("add\(addEdges)-inf\(infiniteShare)") }
        if strategyFactor != 1 { parts.append("strategies\(strategyFactor)x") }
        if let l = limitFactor { parts.append("limit\(l)x") }
        parts.append("seed\(seed)")
        return parts.joined(separator: "-")
    }
}

/// The option an error is about; the raw value is its command-line spelling.
public enum DerivationOption: String, Sendable, Equatable {
    case addEdges = "add-edges"
    case infiniteShare = "infinite-share"
    case strategyFactor = "strategy-factor"
    case limitFactor = "limit-factor"
    case keepFinite = "keep-finite"
    case plant = "plant"
}

public enum DerivationError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidOption(DerivationOption, String)
    /// The source has no feasible solution, so no derived instance is known to have one.
    case infeasibleSource(String)
    /// The source cannot take the change asked for (too few nodes, numbers out of range).
    case unsuitableSource(String)

    public var description: String {
        switch self {
        case .invalidOption(let option, let message): "--\(option.rawValue) \(message)"
        case .infeasibleSource(let message): message
        case .unsuitableSource(let message): message
        }
    }
}

/// A derived instance with the reference solution that proves it feasible.
public struct DerivedInstance: Sendable {
    public var problem: Problem
    /// The minimum-usage labelling: feasible, and finite on every added edge.
    public var reference: [Int]
    public var referenceEvaluation: Evaluation
    /// The least possible peak (the reference's peak).
    public var minimumPeak: Int64
    public var addedEdges: Int
    /// Entries of the added tables, and how many of them are 1e18.
    public var addedEntries: Int
    public var addedInfinite: Int
    /// The `keepFinite`, then the `planted` solutions evaluated on the derived instance (finite on
    /// every added edge).
    public var keptEvaluations: [Evaluation]

    /// Derives an instance from `source`; `rng` (seeded by the caller) makes every random choice,
    /// so the same seed gives the same instance. `keepFinite`: solutions of the source that get a
    /// finite entry on every added edge too, besides the reference; give a finite one (say, a
    /// solver's answer) when the reference has infinite terms on the source's own edges, or the
    /// derived instance may have no finite solution at all. `planted`: solutions that get a finite,
    /// cheap entry on every added edge, so that the added edges cost a good solution little (as
    /// real resharding tables, where matching shardings cost nothing) and the derived optimum stays
    /// near the source's scale instead of being dominated by the added edges.
    public static func derive<R: RandomNumberGenerator>(
        from source: Problem, options: DerivationOptions, name: String, keepFinite: [[Int]] = [],
        planted: [[Int]] = [], using rng: inout R
    ) throws(DerivationError) -> DerivedInstance {
        try options.validate()
        for (option, solutions) in [(DerivationOption.keepFinite, keepFinite), (.plant, planted)] {
            for (k, solution) in solutions.enumerated() {
                do {
                    try Evaluator.validate(source, solution)
                } catch {
                    throw .invalidOption(option, "solution \(k + 1) does not fit \(source.name): \(error)")
                }
            }
        }
        let reference = source.minimumUsageSolution()
        let sourceCheck: Evaluation
        do {
            sourceCheck = try Evaluator.evaluate(source, reference)
        } catch {
            throw .unsuitableSource("the minimum-usage labelling is not a solution: \(error)")
        }
        if let message = Evaluator.violationMessage(source, reference, sourceCheck) {
            throw .infeasibleSource("\(source.name) has no feasible solution (its minimum-usage labelling, the least peak, breaks the limit: \(message))")
        }

        var parts = Parts(source)
        let scale = CostScale(source)
        if options.strategyFactor > 1 {
            parts.expandStrategies(factor: options.strategyFactor, reference: reference, rng: &rng)
        }
        let firstAdded = parts.edgeCount
        var added = (entries: 0, infinite: 0)
        if options.addEdges > 0 {
            added = try parts.addEdges(options.addEdges, infiniteShare: options.infiniteShare,
                                       keptFinite: [reference] + keepFinite, planted: planted,
                                       scale: scale, rng: &rng)
        }

        var problem: Problem
        do {
            problem = try parts.problem(name: name, usageLimit: source.usageLimit)
        } catch {
            throw .unsuitableSource("the derived instance is malformed: \(error)")
        }
        var check = try evaluate(problem, reference)
        guard check.peakUsage <= Int128(Int64.max) else {
            throw .unsuitableSource("the least possible peak \(check.peakUsage) does not fit in 64 bits")
        }
        let peak = Int64(check.peakUsage)
        if let factor = options.limitFactor {
            let scaled = (Double(peak) * factor).rounded(.down)
            guard scaled < DerivationOptions.largestLimit else {
                throw .invalidOption(.limitFactor, "gives a usage_limit beyond 64 bits (\(factor) x \(peak))")
            }
            problem.usageLimit = max(peak, Int64(scaled))
            check = try evaluate(problem, reference)
        }
        if let message = Evaluator.violationMessage(problem, reference, check) {
            throw .unsuitableSource("the derived instance lost its reference solution: \(message)")
        }
        for solution in [reference] + keepFinite + planted {
            for e in firstAdded ..< problem.edgeCount where entry(problem, e, solution) >= Problem.infinity {
                throw .unsuitableSource("a solution kept finite is infinite on added edge \(e)")
            }
        }
        var kept: [Evaluation] = []
        for solution in keepFinite + planted { kept.append(try evaluate(problem, solution)) }
        return DerivedInstance(problem: problem, reference: reference, referenceEvaluation: check, minimumPeak: peak,
                               addedEdges: problem.edgeCount - firstAdded, addedEntries: added.entries,
                               addedInfinite: added.infinite, keptEvaluations: kept)
    }

    private static func evaluate(_ problem: Problem, _ solution: [Int]) throws(DerivationError) -> Evaluation {
        do {
            return try Evaluator.evaluate(problem, solution)
        } catch {
            throw .unsuitableSource("the reference solution no longer fits the derived instance: \(error)")
        }
    }

    /// The table entry `solution` picks on edge `e`.
    static func entry(_ p: Problem, _ e: Int, _ solution: [Int]) -> Int64 {
        var index = 0
        for j in p.edgeNodeOffset[e] ..< p.edgeNodeOffset[e + 1] {
            let v = Int(p.edgeNodes[j])
            index = index * p.strategyCount(v) + solution[v]
        }
        return p.edgeCost[p.edgeCostOffset[e] + index]
    }
}

// MARK: - Random draws

private extension RandomNumberGenerator {
    /// Uniform in 0 ..< n (n >= 1), by multiply-shift.
    mutating func draw(below n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in [0, 1).
    mutating func drawUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// floor(x) or floor(x) + 1, with mean x (x >= 0).
    mutating func roundRandomly(_ x: Double) -> Int {
        let whole = x.rounded(.down)
        return Int(whole) + (drawUnit() < x - whole ? 1 : 0)
    }

    /// A factor between 1/spread and spread, log-uniform (spread >= 1).
    mutating func factor(spread: Double) -> Double {
        exp((2 * drawUnit() - 1) * log(spread))
    }
}

// MARK: - Cost scale of the source

/// Draws finite edge costs at the source's scale, near the edge being made: a random finite
/// entry of a source table that touches one of its endpoints (resharding costs scale with the
/// tensors of the nodes involved), else of any source table.
private struct CostScale {
    let edgeCost: [Int64]
    let edgeCostOffset: [Int]
    /// Per node, the source edges that touch it (CSR).
    let incidentOffset: [Int]
    let incident: [Int32]
    /// Used when the source has no finite edge entry: costs up to its largest finite node cost.
    let fallbackSpan: Int

    /// Draws before giving up on finding a finite entry (each draw is one with probability
    /// 1 - share infinite, at most 68% in the contest instances, so 64 draws nearly always do).
    static let tries = 64
    /// Fallback span when the source has no finite cost at all.
    static let defaultSpan = 1_000

    init(_ p: Problem) {
        edgeCost = p.edgeCost
        edgeCostOffset = p.edgeCostOffset
        var largest: Int64 = 0
        for c in p.nodeCost where c < Problem.infinity { largest = max(largest, c) }
        fallbackSpan = largest > 0 ? Int(largest) + 1 : CostScale.defaultSpan
        var offset = [Int](repeating: 0, count: p.nodeCount + 1)
        for v in p.edgeNodes { offset[Int(v) + 1] += 1 }
        for i in 0 ..< p.nodeCount { offset[i + 1] += offset[i] }
        var fill = offset
        var list = [Int32](repeating: 0, count: p.edgeNodes.count)
        for e in 0 ..< p.edgeCount {
            for v in p.edgeNodeList(e) {
                list[fill[Int(v)]] = Int32(e)
                fill[Int(v)] += 1
            }
        }
        incidentOffset = offset
        incident = list
    }

    /// A finite entry of a source table touching `a` or `b`, else of any source table.
    func draw<R: RandomNumberGenerator>(near a: Int, _ b: Int, _ rng: inout R) -> Int64 {
        let degrees = (incidentOffset[a + 1] - incidentOffset[a], incidentOffset[b + 1] - incidentOffset[b])
        if degrees.0 + degrees.1 > 0 {
            for _ in 0 ..< CostScale.tries {
                var k = rng.draw(below: degrees.0 + degrees.1)
                let node = k < degrees.0 ? a : b
                if k >= degrees.0 { k -= degrees.0 }
                let e = Int(incident[incidentOffset[node] + k])
                let size = edgeCostOffset[e + 1] - edgeCostOffset[e]
                let c = edgeCost[edgeCostOffset[e] + rng.draw(below: size)]
                if c < Problem.infinity { return c }
            }
        }
        return draw(&rng)
    }

    /// A finite entry of any source table.
    func draw<R: RandomNumberGenerator>(_ rng: inout R) -> Int64 {
        if !edgeCost.isEmpty {
            for _ in 0 ..< CostScale.tries {
                let c = edgeCost[rng.draw(below: edgeCost.count)]
                if c < Problem.infinity { return c }
            }
        }
        return Int64(rng.draw(below: fallbackSpan))
    }
}

// MARK: - The instance being built

/// The problem's arrays while they change (strategies first, then edges).
private struct Parts {
    var intervalLo: [Int64]
    var intervalHi: [Int64]
    var strategyOffset: [Int]
    var nodeCost: [Int64]
    var nodeUsage: [Int64]
    var edgeNodeOffset: [Int]
    var edgeNodes: [Int32]
    var edgeCostOffset: [Int]
    var edgeCost: [Int64]

    /// Spread of a new strategy's cost factor f (log-uniform in [1/spread, spread]): its node
    /// cost and its copied edge entries are the parent's times f, its usage the parent's over f.
    /// Cheaper strategies take more memory (as less sharded ones do), so a new strategy trades
    /// cost for memory instead of dominating its parent, and the limit decides between them.
    static let costSpread = 1.3
    /// Spread of the independent noise on each copied edge entry, so that copies are not exact.
    static let entrySpread = 1.05
    /// The entry of the reference (or of a kept solution) in an added table is the largest of
    /// this many draws (above the median with probability 7/8), so it is not a cheap solution.
    static let referenceDraws = 3
    /// A planted solution's entry is the smallest of this many draws: mostly 0 where the source's
    /// nearby tables have free pairs (a quarter of N's entries are 0), like matching shardings.
    static let plantedDraws = 8
    /// Share of added edges whose second endpoint is sought near in the graph (the rest: among
    /// the nodes live at the same time).
    static let nearShare = 0.5
    /// Graph steps from the first endpoint to a "near" second one: 2 or 3 (1 would repeat an
    /// existing edge).
    static let nearSteps = 2
    static let nearExtraSteps = 2
    /// Draws before a search for an endpoint gives up and takes a strategy-rich node.
    static let tries = 64

    init(_ p: Problem) {
        intervalLo = p.intervalLo
        intervalHi = p.intervalHi
        strategyOffset = p.strategyOffset
        nodeCost = p.nodeCost
        nodeUsage = p.nodeUsage
        edgeNodeOffset = p.edgeNodeOffset
        edgeNodes = p.edgeNodes
        edgeCostOffset = p.edgeCostOffset
        edgeCost = p.edgeCost
    }

    var nodeCount: Int { strategyOffset.count - 1 }
    var edgeCount: Int { edgeNodeOffset.count - 1 }
    func k(_ i: Int) -> Int { strategyOffset[i + 1] - strategyOffset[i] }

    func problem(name: String, usageLimit: Int64?) throws(InputError) -> Problem {
        try Problem(name: name, intervalLo: intervalLo, intervalHi: intervalHi, strategyOffset: strategyOffset,
                    nodeCost: nodeCost, nodeUsage: nodeUsage, edgeNodeOffset: edgeNodeOffset, edgeNodes: edgeNodes,
                    edgeCostOffset: edgeCostOffset, edgeCost: edgeCost, usageLimit: usageLimit)
    }

    // MARK: More strategies

    mutating func expandStrategies<R: RandomNumberGenerator>(
        factor: Double, reference: [Int], rng: inout R
    ) {
        let n = nodeCount
        let oldOffset = strategyOffset
        var newOffset = [0]
        newOffset.reserveCapacity(n + 1)
        var cost: [Int64] = []
        var usage: [Int64] = []
        // Per new flat strategy: the original strategy (local index) it copies.
        var parent: [Int32] = []
        // Per new flat strategy: the factor on its parent's costs (1 for the originals).
        var costFactor: [Double] = []
        for i in 0 ..< n {
            let o = oldOffset[i], oldK = oldOffset[i + 1] - o
            let newK = max(oldK, rng.roundRandomly(factor * Double(oldK)))
            let leastUsage = nodeUsage[o + reference[i]]
            let referenceCost = nodeCost[o + reference[i]]
            for s in 0 ..< oldK {
                cost.append(nodeCost[o + s])
                usage.append(nodeUsage[o + s])
                parent.append(Int32(s))
                costFactor.append(1)
            }
            for _ in oldK ..< newK {
                let from = rng.draw(below: oldK)
                let f = rng.factor(spread: Parts.costSpread)
                let u = max(leastUsage, Parts.scaled(nodeUsage[o + from], 1 / f))
                var c = nodeCost[o + from]
                if c < Problem.infinity { c = Parts.scaled(c, f) }
                // Never undercut the reference, so it stays the minimum-usage labelling.
                if u == leastUsage { c = max(c, referenceCost) }
                cost.append(c)
                usage.append(u)
                parent.append(Int32(from))
                costFactor.append(f)
            }
            newOffset.append(cost.count)
        }

        var newCostOffset = [0]
        newCostOffset.reserveCapacity(edgeCount + 1)
        var table: [Int64] = []
        var digits: [Int] = []
        for e in 0 ..< edgeCount {
            let nodes = edgeNodes[edgeNodeOffset[e] ..< edgeNodeOffset[e + 1]].map { Int($0) }
            let base = edgeCostOffset[e]
            var newSize = 1
            for v in nodes { newSize *= newOffset[v + 1] - newOffset[v] }
            digits = [Int](repeating: 0, count: nodes.count)
            for index in 0 ..< newSize {
                // Row-major digits of `index` over the new strategy counts, last node fastest.
                var rest = index, oldIndex = 0, weight = 1, original = true, f = 1.0
                for j in stride(from: nodes.count - 1, through: 0, by: -1) {
                    let v = nodes[j]
                    let newK = newOffset[v + 1] - newOffset[v]
                    digits[j] = rest % newK
                    rest /= newK
                    if digits[j] >= oldOffset[v + 1] - oldOffset[v] { original = false }
                    oldIndex += Int(parent[newOffset[v] + digits[j]]) * weight
                    f *= costFactor[newOffset[v] + digits[j]]
                    weight *= oldOffset[v + 1] - oldOffset[v]
                }
                let from = edgeCost[base + oldIndex]
                if original {
                    table.append(from)
                    continue
                }
                // Forbidden pairs stay forbidden, so the table keeps its infinite share.
                table.append(from < Problem.infinity ? Parts.scaled(from, f * rng.factor(spread: Parts.entrySpread)) : from)
            }
            newCostOffset.append(table.count)
        }
        strategyOffset = newOffset
        nodeCost = cost
        nodeUsage = usage
        edgeCostOffset = newCostOffset
        edgeCost = table
    }

    /// round(value x factor), kept finite (below the infinite marker).
    static func scaled(_ value: Int64, _ factor: Double) -> Int64 {
        let x = (Double(value) * factor).rounded()
        return x >= Double(Problem.infinity) ? Problem.infinity - 1 : Int64(x)
    }

    // MARK: More edges

    mutating func addEdges<R: RandomNumberGenerator>(
        _ count: Int, infiniteShare: Double, keptFinite: [[Int]], planted: [[Int]], scale: CostScale, rng: inout R
    ) throws(DerivationError) -> (entries: Int, infinite: Int) {
        let n = nodeCount
        guard n >= 2 else {
            throw .unsuitableSource("--add-edges needs at least 2 nodes, the instance has \(n)")
        }
        var rich = (0 ..< n).map { k($0) >= 2 }
        if rich.filter({ $0 }).count < 2 { rich = [Bool](repeating: true, count: n) }
        let finder = EndpointFinder(self, rich: rich)
        var entries = 0, infinite = 0
        for _ in 0 ..< count {
            let u = finder.richNode(&rng)
            let v = finder.partner(of: u, &rng)
            let (a, b) = (min(u, v), max(u, v))
            let ka = k(a), kb = k(b)
            let size = ka * kb
            // The entries the kept and planted solutions pick: finite (cheap for planted ones).
            var kept: [Int] = [], cheap: [Int] = []
            for solution in planted {
                let x = solution[a] * kb + solution[b]
                if !cheap.contains(x) { cheap.append(x) }
            }
            for solution in keptFinite + planted {
                let x = solution[a] * kb + solution[b]
                if !kept.contains(x) { kept.append(x) }
            }
            // Exactly this many infinite entries, chosen among the others by selection sampling.
            var needed = min(size - kept.count, rng.roundRandomly(infiniteShare * Double(size)))
            var left = size - kept.count
            infinite += needed
            entries += size
            for x in 0 ..< size {
                if cheap.contains(x) {
                    var c = scale.draw(near: a, b, &rng)
                    for _ in 1 ..< Parts.plantedDraws { c = min(c, scale.draw(near: a, b, &rng)) }
                    edgeCost.append(c)
                    continue
                }
                if kept.contains(x) {
                    var c = scale.draw(near: a, b, &rng)
                    for _ in 1 ..< Parts.referenceDraws { c = max(c, scale.draw(near: a, b, &rng)) }
                    edgeCost.append(c)
                    continue
                }
                if rng.draw(below: left) < needed {
                    edgeCost.append(Problem.infinity)
                    needed -= 1
                } else {
                    edgeCost.append(scale.draw(near: a, b, &rng))
                }
                left -= 1
            }
            edgeNodes.append(Int32(a))
            edgeNodes.append(Int32(b))
            edgeNodeOffset.append(edgeNodes.count)
            edgeCostOffset.append(edgeCost.count)
        }
        return (entries, infinite)
    }
}

/// Picks the endpoints of added edges (see the comment at the top of the file).
private struct EndpointFinder {
    let strategyOffset: [Int]
    let rich: [Bool]
    let intervalLo: [Int64]
    let intervalHi: [Int64]
    /// Undirected adjacency of the existing edges (CSR).
    let neighbourOffset: [Int]
    let neighbours: [Int32]
    /// Strategy-rich live nodes by start time, and their start times.
    let byStart: [Int32]
    let startTimes: [Int64]

    init(_ parts: Parts, rich: [Bool]) {
        let n = parts.nodeCount
        strategyOffset = parts.strategyOffset
        self.rich = rich
        intervalLo = parts.intervalLo
        intervalHi = parts.intervalHi
        var degree = [Int](repeating: 0, count: n + 1)
        for e in 0 ..< parts.edgeCount {
            let list = parts.edgeNodeOffset[e] ..< parts.edgeNodeOffset[e + 1]
            for j in list { degree[Int(parts.edgeNodes[j])] += list.count - 1 }
        }
        var offset = [0]
        offset.reserveCapacity(n + 1)
        for i in 0 ..< n { offset.append(offset[i] + degree[i]) }
        var fill = offset
        var adjacent = [Int32](repeating: 0, count: offset[n])
        for e in 0 ..< parts.edgeCount {
            let list = parts.edgeNodeOffset[e] ..< parts.edgeNodeOffset[e + 1]
            for j in list {
                let v = Int(parts.edgeNodes[j])
                for other in list where other != j {
                    adjacent[fill[v]] = parts.edgeNodes[other]
                    fill[v] += 1
                }
            }
        }
        neighbourOffset = offset
        neighbours = adjacent
        let live = (0 ..< n).filter { rich[$0] && parts.intervalHi[$0] > parts.intervalLo[$0] }
            .sorted { (parts.intervalLo[$0], $0) < (parts.intervalLo[$1], $1) }
        byStart = live.map { Int32($0) }
        startTimes = live.map { parts.intervalLo[$0] }
    }

    var nodeCount: Int { strategyOffset.count - 1 }

    /// A strategy-rich node, with probability proportional to its strategy count.
    func richNode<R: RandomNumberGenerator>(_ rng: inout R) -> Int {
        let total = strategyOffset[nodeCount]
        for _ in 0 ..< Parts.tries {
            let s = rng.draw(below: total)
            var lo = 0, hi = nodeCount
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if strategyOffset[mid] <= s { lo = mid } else { hi = mid }
            }
            if rich[lo] { return lo }
        }
        // Rarely reached: most strategies belong to rich nodes.
        for _ in 0 ..< Parts.tries {
            let v = rng.draw(below: nodeCount)
            if rich[v] { return v }
        }
        return rich.firstIndex(of: true) ?? 0
    }

    /// A second endpoint for `u`: near it in the graph or live at the same time.
    func partner<R: RandomNumberGenerator>(of u: Int, _ rng: inout R) -> Int {
        let found = rng.drawUnit() < Parts.nearShare ? nearInGraph(u, &rng) : liveTogether(u, &rng)
        if let v = found { return v }
        for _ in 0 ..< Parts.tries {
            let v = richNode(&rng)
            if v != u { return v }
        }
        return u == 0 ? 1 : 0
    }

    private func nearInGraph<R: RandomNumberGenerator>(_ u: Int, _ rng: inout R) -> Int? {
        for _ in 0 ..< Parts.tries {
            var at = u
            let steps = Parts.nearSteps + rng.draw(below: Parts.nearExtraSteps)
            for _ in 0 ..< steps {
                let d = neighbourOffset[at + 1] - neighbourOffset[at]
                if d == 0 { break }
                at = Int(neighbours[neighbourOffset[at] + rng.draw(below: d)])
            }
            if at != u && rich[at] { return at }
        }
        return nil
    }

    private func liveTogether<R: RandomNumberGenerator>(_ u: Int, _ rng: inout R) -> Int? {
        let lo = intervalLo[u], hi = intervalHi[u]
        guard hi > lo else { return nil }
        let span = hi - lo
        let t = lo + Int64(rng.draw(below: Int(min(span, Int64(Int.max)))))
        // Nodes that start at or before t; those still live at t overlap u there.
        var a = 0, b = startTimes.count
        while a < b {
            let mid = (a + b) / 2
            if startTimes[mid] <= t { a = mid + 1 } else { b = mid }
        }
        guard a > 0 else { return nil }
        for _ in 0 ..< Parts.tries {
            let v = Int(byStart[rng.draw(below: a)])
            if v != u && intervalHi[v] > t { return v }
        }
        return nil
    }
}
