import Model

/// Input cost terms at or above this are "infinite" (the evaluator counts them). Inside the
/// solver one infinite term is worth the instance's unit (`SolverInstance.infiniteUnit`, chosen by
/// `Reducer.termEncoding`); when no exact unit exists, terms are clamped to this value.
public let infiniteCost: Int64 = Problem.infinity

@inline(__always) func clampCost(_ c: Int64) -> Int64 { c >= infiniteCost ? infiniteCost : c }

/// Sums saturate here (above any count of infinite terms the search needs to tell apart).
let saturatedCost: Int64 = 2_000_000_000_000_000_000

/// Sum of two clamped costs, clamped again (so sums of forbidden terms never overflow).
@inline(__always) func addCost(_ a: Int64, _ b: Int64) -> Int64 {
    let (s, o) = a.addingReportingOverflow(b)
    if o { return a > 0 ? saturatedCost : Int64.min / 4 }
    return s >= saturatedCost ? saturatedCost : s
}

/// What the exact reductions removed; printed in the solve log (`# reduced:`).
public struct ReductionStats: Sendable, CustomStringConvertible {
    public var originalNodes = 0
    public var originalEdges = 0
    public var originalStrategies = 0
    public var unaryEdges = 0
    public var hyperEdges = 0
    public var parallelEdgesMerged = 0
    public var strategiesInfinite = 0
    public var strategiesMemory = 0
    public var nodesFixed = 0
    public var edgesFoldedIntoUnary = 0
    public var memoryFreeNodes = 0
    public var leavesFolded = 0
    public var chainsFolded = 0
    public var infinitePruningAbandoned = false
    /// How the input's terms are stored inside the solver.
    public var encoding = Reducer.TermEncoding.clamped
    public var nodes = 0
    public var edges = 0
    public var strategies = 0
    public var cliques = 0

    public var description: String {
        var parts = [
            "nodes \(originalNodes) -> \(nodes)", "edges \(originalEdges) -> \(edges)",
            "strategies \(originalStrategies) -> \(strategies)",
            "parallel edges merged \(parallelEdgesMerged)",
            "strategies pruned: infinite \(strategiesInfinite), memory \(strategiesMemory)",
            "nodes fixed \(nodesFixed)", "edges folded into unary costs \(edgesFoldedIntoUnary + unaryEdges)",
            "leaves folded \(leavesFolded)", "chain links folded \(chainsFolded)",
            "memory-free nodes \(memoryFreeNodes)", "binding cliques \(cliques)",
        ]
        if hyperEdges > 0 { parts.append("edges of arity >= 3 \(hyperEdges)") }
        if infinitePruningAbandoned { parts.append("infinite pruning abandoned (no finite solution)") }
        parts.append("infinite term \(encoding.description)")
        return parts.joined(separator: ", ")
    }
}

/// The reduced, pairwise instance the search works on. Immutable once built; shared by workers.
///
/// Node `i` (of `nodeCount`) has `strategyCount[i]` strategies, at
/// `strategyStart[i] ..< strategyStart[i+1]` in `unary` and `usage`. Pair edge `e` joins
/// `edgeU[e] < edgeV[e]` with the table `edgeCost[edgeOff[e] ..< edgeOff[e+1]]`, row-major
/// (`a * strategyCount[v] + b`), parallel edges summed. Memory: node `i` lives in the cliques
/// `cliqueFirst[i] ..< cliqueEnd[i]` (empty for nodes whose usage cannot vary); a solution is feasible when
/// every clique's load stays within `capacity[c]` (limit minus the fixed nodes' usage).
public final class SolverInstance: @unchecked Sendable {
    public let nodeCount: Int
    public let strategyCount: [Int32]
    public let strategyStart: [Int32]
    public let unary: [Int64]
    public let usage: [Int64]
    public let edgeU: [Int32]
    public let edgeV: [Int32]
    public let edgeOff: [Int]
    public let edgeCost: [Int64]
    public let adjOff: [Int32]
    public let adjEdge: [Int32]
    public let adjOther: [Int32]
    /// True when the node is the edge's first node (`edgeU`).
    public let adjIsFirst: [Bool]
    public let hasMemory: Bool
    public let capacity: [Int64]
    public let cliqueFirst: [Int32]
    public let cliqueEnd: [Int32]
    /// Cost of everything fixed by the reductions (same arithmetic as the terms); with an exact
    /// unit it also holds the shifts that made every stored term non-negative.
    public let constant: Int64
    /// The value of one "infinite" term inside the search. With an exact unit
    /// (`Reducer.TermEncoding`, 1e15 or more), input terms are encoded before any reduction so
    /// that every stored term and every assignment's cost is `count * infinite + finite part`
    /// with `0 <= finite part < infinite` (up to the saturation at 2e18): the number of infinite
    /// terms and the finite part are both kept, and costs order exactly like the evaluator's.
    /// Without one (finite terms too large), terms are clamped at 1e18, sums saturate, and only
    /// at the end infinite terms become 1e15 when every reduced finite term is below 1e12.
    /// Costs of assignments without infinite terms are exact either way.
    public let infiniteUnit: Int64
    /// True when `infiniteUnit` is an exact unit (see above).
    public let exactInfinite: Bool
    /// The least terms taken out of every node and edge by the `.relative` encoding (else 0):
    /// part of every assignment's cost, like `constant`.
    public let offset: Int128
    /// `constant + offset`: the cost of an assignment is this plus its unary and edge terms.
    public var base: Int128 { Int128(constant) + offset }

    /// An assignment's cost (`base` included, as `SearchState.cost`) split into its number of
    /// infinite terms and what it costs without them (`base` plus the finite part).
    func infiniteSplit(_ cost: Int128) -> (terms: Int128, finite: Int128) {
        let unit = Int128(infiniteUnit), stored = cost - base
        return (stored / unit, base + stored % unit)
    }
    public let stats: ReductionStats
    /// Postsolve: reduced node -> original node (-1 for auxiliary nodes of hyperedges).
    public let origNode: [Int32]
    /// Postsolve: reduced strategy (flat) -> original strategy index of its node.
    public let origStrategy: [Int32]
    /// Postsolve: original node -> fixed strategy, or -1 when the node is kept.
    public let fixedStrategy: [Int32]
    /// Postsolve: working node (original nodes, then auxiliary ones) -> fixed strategy or -1.
    let fixedWork: [Int32]
    /// Postsolve: reduced node -> working node.
    let workOf: [Int32]
    /// Nodes folded into their neighbours (leaves and chain links), in elimination order.
    let eliminations: [Elimination]
    public let originalNodeCount: Int
    /// False when the minimum usages already exceed the limit: no feasible solution exists.
    public let feasible: Bool

    public var edgeCount: Int { edgeU.count }
    public var cliqueCount: Int { capacity.count }

    init(n: Int, k: [Int32], off: [Int32], unary: [Int64], usage: [Int64], edgeU: [Int32],
         edgeV: [Int32], edgeOff: [Int], edgeCost: [Int64], infinite: Int64, exactInfinite: Bool, offset: Int128, hasMemory: Bool, capacity: [Int64],
         cFirst: [Int32], cEnd: [Int32], constant: Int64, stats: ReductionStats, origNode: [Int32],
         origStrategy: [Int32], fixedWork: [Int32], workOf: [Int32], eliminations: [Elimination],
         originalNodeCount: Int, feasible: Bool) {
        self.nodeCount = n
        self.strategyCount = k
        self.strategyStart = off
        self.unary = unary
        self.usage = usage
        self.edgeU = edgeU
        self.edgeV = edgeV
        self.edgeOff = edgeOff
        self.edgeCost = edgeCost
        self.hasMemory = hasMemory
        self.capacity = capacity
        self.cliqueFirst = cFirst
        self.cliqueEnd = cEnd
        self.constant = constant
        self.infiniteUnit = infinite
        self.exactInfinite = exactInfinite
        self.offset = offset
        self.stats = stats
        self.origNode = origNode
        self.origStrategy = origStrategy
        self.fixedStrategy = Array(fixedWork.prefix(originalNodeCount))
        self.fixedWork = fixedWork
        self.workOf = workOf
        self.eliminations = eliminations
        self.originalNodeCount = originalNodeCount
        self.feasible = feasible
        // CSR adjacency.
        var degree = [Int32](repeating: 0, count: n + 1)
        for e in 0 ..< edgeU.count {
            degree[Int(edgeU[e])] += 1
            degree[Int(edgeV[e])] += 1
        }
        var adjOff = [Int32](repeating: 0, count: n + 1)
        for i in 0 ..< n { adjOff[i + 1] = adjOff[i] + degree[i] }
        var fill = adjOff
        var adjEdge = [Int32](repeating: 0, count: Int(adjOff[n]))
        var adjOther = [Int32](repeating: 0, count: Int(adjOff[n]))
        var adjIsU = [Bool](repeating: false, count: Int(adjOff[n]))
        for e in 0 ..< edgeU.count {
            let u = Int(edgeU[e]), v = Int(edgeV[e])
            let pu = Int(fill[u]), pv = Int(fill[v])
            adjEdge[pu] = Int32(e); adjOther[pu] = Int32(v); adjIsU[pu] = true
            adjEdge[pv] = Int32(e); adjOther[pv] = Int32(u); adjIsU[pv] = false
            fill[u] += 1
            fill[v] += 1
        }
        self.adjOff = adjOff
        self.adjEdge = adjEdge
        self.adjOther = adjOther
        self.adjIsFirst = adjIsU
    }

    /// The same instance with every strategy not marked in `allowed` made one infinite term
    /// dearer (its unary cost plus `infiniteUnit`). Assignments of allowed strategies cost what
    /// they cost here, so any lower bound on this instance's optimum bounds each of them (what
    /// a branch of a search needs); the others cost an infinite term more, which keeps such a
    /// bound from being dragged down by them. Nil when some node has no allowed strategy.
    func forbidding(_ allowed: [Bool]) -> SolverInstance? {
        precondition(allowed.count == unary.count)
        var u = unary
        for i in 0 ..< nodeCount {
            var any = false
            for s in Int(strategyStart[i]) ..< Int(strategyStart[i + 1]) {
                if allowed[s] { any = true } else { u[s] = unary[s] &+ infiniteUnit }
            }
            if !any { return nil }
        }
        return SolverInstance(n: nodeCount, k: strategyCount, off: strategyStart, unary: u, usage: usage,
                              edgeU: edgeU, edgeV: edgeV, edgeOff: edgeOff, edgeCost: edgeCost,
                              infinite: infiniteUnit, exactInfinite: exactInfinite, offset: offset,
                              hasMemory: hasMemory, capacity: capacity, cFirst: cliqueFirst, cEnd: cliqueEnd,
                              constant: constant, stats: stats, origNode: origNode, origStrategy: origStrategy,
                              fixedWork: fixedWork, workOf: workOf, eliminations: eliminations,
                              originalNodeCount: originalNodeCount, feasible: feasible)
    }

    /// The sum of the stored unary and edge terms of the assignment `x` (local strategy per
    /// node): its cost without `base`.
    func storedCost(_ x: [Int32]) -> Int128 {
        var t: Int128 = 0
        for i in 0 ..< nodeCount { t += Int128(unary[Int(strategyStart[i]) + Int(x[i])]) }
        for e in 0 ..< edgeCount { t += Int128(pairCost(e, Int(x[Int(edgeU[e])]), Int(x[Int(edgeV[e])]))) }
        return t
    }

    /// Cost of edge `e` when its first node takes `a` and its second `b` (local indices).
    @inline(__always) public func pairCost(_ e: Int, _ a: Int, _ b: Int) -> Int64 {
        edgeCost[edgeOff[e] + a * Int(strategyCount[Int(edgeV[e])]) + b]
    }

    /// Cost of the edge at adjacency slot `p` of node `i` when `i` takes `a` and the other `b`.
    @inline(__always) public func slotCost(_ p: Int, _ a: Int, _ b: Int) -> Int64 {
        let e = Int(adjEdge[p])
        return adjIsFirst[p] ? edgeCost[edgeOff[e] + a * Int(strategyCount[Int(edgeV[e])]) + b]
            : edgeCost[edgeOff[e] + b * Int(strategyCount[Int(edgeV[e])]) + a]
    }

    /// Maps a reduced solution (local strategy per reduced node) to the original problem.
    public func postsolve(_ local: [Int32]) -> [Int] {
        var work = [Int](repeating: 0, count: fixedWork.count)
        for w in 0 ..< fixedWork.count where fixedWork[w] >= 0 { work[w] = Int(fixedWork[w]) }
        for r in 0 ..< nodeCount { work[Int(workOf[r])] = Int(origStrategy[Int(strategyStart[r]) + Int(local[r])]) }
        // Eliminated nodes take their best strategy given their neighbours, last one first.
        for el in eliminations.reversed() {
            var idx = 0
            for (j, nb) in el.neighbours.enumerated() { idx = idx * Int(el.kNeighbours[j]) + work[Int(nb)] }
            work[Int(el.node)] = Int(el.choice[idx])
        }
        return Array(work.prefix(originalNodeCount))
    }

    /// Maps an original solution into the reduced instance; nil if it uses a pruned strategy
    /// or disagrees with a fixed node.
    public func presolve(_ original: [Int]) -> [Int32]? {
        guard original.count == originalNodeCount else { return nil }
        var local = [Int32](repeating: 0, count: nodeCount)
        for o in 0 ..< originalNodeCount where fixedStrategy[o] >= 0 && original[o] != Int(fixedStrategy[o]) {
            return nil
        }
        for r in 0 ..< nodeCount {
            let o = Int(origNode[r])
            if o < 0 { continue }
            var found = -1
            for s in Int(strategyStart[r]) ..< Int(strategyStart[r + 1]) where Int(origStrategy[s]) == original[o] {
                found = s - Int(strategyStart[r])
            }
            if found < 0 { return nil }
            local[r] = Int32(found)
        }
        // Auxiliary (hyperedge) nodes: choose the consistent combination.
        for r in 0 ..< nodeCount where origNode[r] < 0 {
            local[r] = auxConsistentChoice(r, local) ?? 0
        }
        return local
    }

    /// For an auxiliary node, the strategy whose every incident edge is finite given the others.
    func auxConsistentChoice(_ r: Int, _ local: [Int32]) -> Int32? {
        for a in 0 ..< Int(strategyCount[r]) {
            var ok = true
            for p in Int(adjOff[r]) ..< Int(adjOff[r + 1]) where slotCost(p, a, Int(local[Int(adjOther[p])])) >= infiniteUnit {
                ok = false
                break
            }
            if ok { return Int32(a) }
        }
        return nil
    }
}

/// A node folded into its one or two neighbours: `choice` gives its best original strategy for
/// every combination of the neighbours' original strategies (row-major).
struct Elimination: Sendable {
    var node: Int32
    var neighbours: [Int32]
    var kNeighbours: [Int32]
    var choice: [Int32]
}
