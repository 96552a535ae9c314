import Model
import TestSupport
@testable import Solver

/// Seeded random instances for brute-force and property tests.
enum TestInstances {
    static func random(
        seed: UInt64, nodes: Int, edges: Int, maxStrategies: Int = 4, infiniteChance: Double = 0.2,
        memory: Bool = true, arity3Chance: Double = 0
    ) -> Problem {
        var rng = SeededRNG(seed: seed)
        var intervals: [(Int64, Int64)] = []
        var costs: [[Int64]] = []
        var usages: [[Int64]] = []
        for _ in 0 ..< nodes {
            let lo = Int64(rng.below(10))
            let len = Int64(rng.below(6))
            intervals.append(rng.below(8) == 0 ? (0, 0) : (lo, lo + len))
            let k = 1 + rng.below(maxStrategies)
            costs.append((0 ..< k).map { _ in Int64(rng.below(100)) })
            usages.append((0 ..< k).map { _ in Int64(rng.below(20)) })
        }
        var edgeList: [[Int]] = []
        var edgeCosts: [[Int64]] = []
        for _ in 0 ..< edges where nodes >= 2 {
            var list: [Int]
            if nodes >= 3 && rng.unit() < arity3Chance {
                list = [rng.below(nodes), rng.below(nodes), rng.below(nodes)]
            } else {
                let u = rng.below(nodes)
                var v = rng.below(nodes)
                if v == u { v = (u + 1) % nodes }
                list = [u, v]
            }
            let size = list.reduce(1) { $0 * costs[$1].count }
            edgeList.append(list)
            edgeCosts.append((0 ..< size).map { _ in
                rng.unit() < infiniteChance ? Problem.infinity : Int64(rng.below(100))
            })
        }
        var limit: Int64? = nil
        if memory {
            // Between the minimum-usage peak and the maximum possible peak.
            var minP = try! Problem(intervals: intervals, costs: costs, usages: usages, edges: edgeList,
                                    edgeCosts: edgeCosts, usageLimit: nil)
            let peak = InstanceStats.minimumUsagePeak(minP)
            limit = Int64(peak) + Int64(rng.below(15))
            minP.usageLimit = limit
        }
        return try! Problem(intervals: intervals, costs: costs, usages: usages, edges: edgeList,
                            edgeCosts: edgeCosts, usageLimit: limit)
    }

    /// The branch and bounds' random instances (`DualBranchAndBoundTests`,
    /// `LPBranchAndBoundTests`): 3-8 nodes, memory limits (every second one tightened), a few
    /// infinite entries, some edges of arity 3.
    static func branchAndBoundProblem(seed: UInt64) -> Problem {
        let nodes = 3 + Int(seed % 6)
        var p = random(seed: seed, nodes: nodes, edges: nodes + nodes / 2 + 1, maxStrategies: 4,
                       infiniteChance: seed % 3 == 0 ? 0.2 : 0.05, arity3Chance: 0.1)
        if seed % 2 == 0, let limit = p.usageLimit, limit >= 10 { p.usageLimit = limit - 10 }
        return p
    }

    /// `BruteForce.optimum` as (cost, solution); kept for the tests that still call it.
    /// Calls `body` with every labelling of a reduced instance (all strategy combinations).
    static func forEachLabelling(_ inst: SolverInstance, _ body: ([Int32]) -> Void) {
        BruteForce.forEachLabelling(inst.strategyCount.map { Int($0) }, body)
    }

    /// Whether `x` is a complete assignment of `inst` that fits every clique.
    static func fits(_ inst: SolverInstance, _ x: [Int32]) -> Bool {
        x.count == inst.nodeCount && inst.feasible && SearchState.fits(inst, x)
    }

    /// Brute force over the reduced instance: the cheapest assignment's cost (as
    /// `SearchState.computeCost`, `inst.base` included) among those that fit the memory, nil
    /// when none fits.
    static func reducedOptimum(_ inst: SolverInstance) -> Int128? {
        guard inst.feasible else { return nil }
        var best: Int128? = nil
        forEachLabelling(inst) { x in
            guard fits(inst, x) else { return }
            let c = SearchState.computeCost(inst, x)
            if best == nil || c < best! { best = c }
        }
        return best
    }

    /// `BruteForce.forEachLabelling`; kept for the tests that still call it.
    static func forEachLabelling(_ k: [Int], _ body: ([Int32]) -> Void) {
        BruteForce.forEachLabelling(k, body)
    }
}
