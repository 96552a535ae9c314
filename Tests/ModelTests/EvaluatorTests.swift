import Foundation
import Model
import TestSupport
import XCTest

/// `examples/tiny.json`, built in code (examples/README.md has the same arithmetic).
///
///     node  interval  costs        usages
///     0     [0, 4)    [30, 10]     [2, 6]
///     1     [2, 6)    [20, 5]      [3, 7]
///     2     [4, 8)    [4, 8, 13]   [9, 4, 2]
///     3     [6, 9)    [7]          [5]
///     4     [0, 0)    [3, 1]       [100, 200]   (empty interval: never counts)
///     edges: e0 [0,1] [4, 1, 0, 6]; e1 [1,2] [2, 3, 0, 0, 1, 5]; e2 [2,3] [0, 2, 1];
///            e3 [0,1] [0, 2, 1, 0] (parallel to e0); e4 [4,0] [3, 0, 0, 5]; limit 12
func tinyProblem(limit: Int64? = 12) throws -> Problem {
    try Problem(
        name: "tiny",
        intervals: [(0, 4), (2, 6), (4, 8), (6, 9), (0, 0)],
        costs: [[30, 10], [20, 5], [4, 8, 13], [7], [3, 1]],
        usages: [[2, 6], [3, 7], [9, 4, 2], [5], [100, 200]],
        edges: [[0, 1], [1, 2], [2, 3], [0, 1], [4, 0]],
        edgeCosts: [[4, 1, 0, 6], [2, 3, 0, 0, 1, 5], [0, 2, 1], [0, 2, 1, 0], [3, 0, 0, 5]],
        usageLimit: limit)
}

final class EvaluatorTests: XCTestCase {
    // MARK: - Hand-made instances

    func testTinyOptimum() throws {
        let p = try tinyProblem()
        let ev = try Evaluator.evaluate(p, [1, 0, 1, 0, 0])
        // Nodes: 10 + 20 + 8 + 7 + 3 = 48.
        XCTAssertEqual(ev.nodeCost, 48)
        // Edges: e0 [4,1,0,6][1*2+0] = 0; e1 [..][0*3+1] = 3; e2 [0,2,1][1] = 2; e3 [0,2,1,0][2] = 1;
        // e4 [3,0,0,5][0*2+1] = 0. Sum 6.
        XCTAssertEqual(ev.edgeCost, 6)
        XCTAssertEqual(ev.cost, 54)
        // Usage: t0-1: 6; t2-3: 6+3 = 9; t4-5: 3+4 = 7; t6-7: 4+5 = 9; t8: 5. Peak 9, first at t = 2.
        XCTAssertEqual(ev.peakUsage, 9)
        XCTAssertEqual(ev.peakTime, 2)
        XCTAssertEqual(ev.usageLimit, 12)
        XCTAssertTrue(ev.feasible)
        XCTAssertNil(ev.firstViolationTime)
        XCTAssertEqual(ev.firstViolationExcess, 0)
        XCTAssertNil(ev.firstViolationLargestNode)
        XCTAssertEqual(ev.infiniteTerms, 0)
        XCTAssertNil(Evaluator.violationMessage(p, [1, 0, 1, 0, 0], ev))
    }

    func testTinyUnconstrainedOptimumViolatesLimit() throws {
        let p = try tinyProblem()
        let s = [1, 1, 0, 0, 0]
        let ev = try Evaluator.evaluate(p, s)
        // Nodes: 10 + 5 + 4 + 7 + 3 = 29. Edges: e0 [3] = 6, e1 [1*3+0] = 0, e2 [0] = 0, e3 [3] = 0,
        // e4 [1] = 0. Total 35.
        XCTAssertEqual(ev.nodeCost, 29)
        XCTAssertEqual(ev.edgeCost, 6)
        XCTAssertEqual(ev.cost, 35)
        // Usage: t0-1: 6; t2-3: 6+7 = 13; t4-5: 7+9 = 16; t6-7: 9+5 = 14; t8: 5.
        XCTAssertEqual(ev.peakUsage, 16)
        XCTAssertEqual(ev.peakTime, 4)
        XCTAssertFalse(ev.feasible)
        // First over 12 at t = 2 by 1; the live nodes there are 0 (usage 6) and 1 (usage 7).
        XCTAssertEqual(ev.firstViolationTime, 2)
        XCTAssertEqual(ev.firstViolationExcess, 1)
        XCTAssertEqual(ev.firstViolationLargestNode, 1)
        XCTAssertEqual(Evaluator.violationMessage(p, s, ev),
                       "memory limit 12 exceeded by 1 at time 2; largest live node there: 1 (strategy 1, usage 7)")
    }

    func testNoLimitIsAlwaysFeasible() throws {
        let p = try tinyProblem(limit: nil)
        let ev = try Evaluator.evaluate(p, [1, 1, 0, 0, 0])
        XCTAssertEqual(ev.cost, 35)
        XCTAssertEqual(ev.peakUsage, 16)
        XCTAssertNil(ev.usageLimit)
        XCTAssertTrue(ev.feasible)
    }

    func testLimitEqualToPeakIsFeasible() throws {
        let p = try tinyProblem(limit: 16)
        XCTAssertTrue(try Evaluator.evaluate(p, [1, 1, 0, 0, 0]).feasible)
        let q = try tinyProblem(limit: 15)
        let ev = try Evaluator.evaluate(q, [1, 1, 0, 0, 0])
        XCTAssertEqual(ev.firstViolationTime, 4)  // 16 > 15 first at t = 4
        XCTAssertEqual(ev.firstViolationExcess, 1)
        XCTAssertEqual(ev.firstViolationLargestNode, 2)  // node 2 uses 9, node 1 uses 7
    }

    func testFormatExampleOptimum() throws {
        let p = try Problem(
            name: "example",
            intervals: [(30, 70), (40, 70), (50, 120), (110, 140), (110, 150)],
            costs: [[15], [55, 65], [25, 45, 35], [85, 75], [95]],
            usages: [[10], [25, 25], [15, 20, 15], [10, 10], [15]],
            edges: [[0, 1], [0, 2], [1, 3], [2, 4], [3, 4]],
            edgeCosts: [[30, 40], [50, 10, 40], [90, 10, 20, 80], [60, 20, 30], [70, 60]],
            usageLimit: 50)
        let ev = try Evaluator.evaluate(p, [0, 0, 2, 1, 0])
        // Nodes 15 + 55 + 35 + 75 + 95 = 275. Edges: e0 [0] = 30; e1 [0*3+2] = 40; e2 [0*2+1] = 10;
        // e3 [2*1+0] = 30; e4 [1*1+0] = 60. Sum 170. Total 445.
        XCTAssertEqual(ev.nodeCost, 275)
        XCTAssertEqual(ev.edgeCost, 170)
        XCTAssertEqual(ev.cost, 445)
        // t50-69: 10 + 25 + 15 = 50 (the peak, = limit); t110-119: 15 + 10 + 15 = 40.
        XCTAssertEqual(ev.peakUsage, 50)
        XCTAssertEqual(ev.peakTime, 50)
        XCTAssertTrue(ev.feasible)
        // Node 2 taking strategy 1 (usage 20) pushes t50-69 to 55.
        let bad = try Evaluator.evaluate(p, [0, 0, 1, 1, 0])
        XCTAssertEqual(bad.peakUsage, 55)
        XCTAssertEqual(bad.firstViolationTime, 50)
        XCTAssertEqual(bad.firstViolationExcess, 5)
        XCTAssertEqual(bad.firstViolationLargestNode, 1)
    }

    // MARK: - Intervals

    func testHalfOpenIntervalsDoNotOverlapAtTheBoundary() throws {
        // [0, 5) and [5, 9): at t = 5 only the second is live. Peak 10, limit 10: feasible.
        let p = try Problem(intervals: [(0, 5), (5, 9)], costs: [[0], [0]], usages: [[10], [10]],
                            edges: [], edgeCosts: [], usageLimit: 10)
        let ev = try Evaluator.evaluate(p, [0, 0])
        XCTAssertEqual(ev.peakUsage, 10)
        XCTAssertEqual(ev.peakTime, 0)
        XCTAssertTrue(ev.feasible)
        // [0, 5) and [4, 9) overlap at t = 4: 20.
        let q = try Problem(intervals: [(0, 5), (4, 9)], costs: [[0], [0]], usages: [[10], [10]],
                            edges: [], edgeCosts: [], usageLimit: 10)
        let ev2 = try Evaluator.evaluate(q, [0, 0])
        XCTAssertEqual(ev2.peakUsage, 20)
        XCTAssertEqual(ev2.peakTime, 4)
        XCTAssertEqual(ev2.firstViolationTime, 4)
        XCTAssertEqual(ev2.firstViolationExcess, 10)
        XCTAssertEqual(ev2.firstViolationLargestNode, 0)  // tie: the first node
    }

    func testEmptyIntervalsCountNowhere() throws {
        // [3, 3) and [7, 2) are empty; only [0, 10) with usage 1 counts. Peak 1.
        let p = try Problem(intervals: [(3, 3), (7, 2), (0, 10)], costs: [[0], [0], [0]],
                            usages: [[1000], [1000], [1]], edges: [], edgeCosts: [], usageLimit: 1)
        let ev = try Evaluator.evaluate(p, [0, 0, 0])
        XCTAssertEqual(ev.peakUsage, 1)
        XCTAssertEqual(ev.peakTime, 0)
        XCTAssertTrue(ev.feasible)
    }

    func testNothingLive() throws {
        // Only empty intervals: peak 0, no peak time, feasible even with limit 0.
        let p = try Problem(intervals: [(0, 0), (5, 5)], costs: [[1], [2]], usages: [[7], [9]],
                            edges: [], edgeCosts: [], usageLimit: 0)
        let ev = try Evaluator.evaluate(p, [0, 0])
        XCTAssertEqual(ev.cost, 3)
        XCTAssertEqual(ev.peakUsage, 0)
        XCTAssertNil(ev.peakTime)
        XCTAssertTrue(ev.feasible)
    }

    func testNegativeTimes() throws {
        // [-10, -5) usage 4 and [-6, 0) usage 3 overlap at t = -6: 7.
        let p = try Problem(intervals: [(-10, -5), (-6, 0)], costs: [[0], [0]], usages: [[4], [3]],
                            edges: [], edgeCosts: [], usageLimit: 6)
        let ev = try Evaluator.evaluate(p, [0, 0])
        XCTAssertEqual(ev.peakUsage, 7)
        XCTAssertEqual(ev.peakTime, -6)
        XCTAssertEqual(ev.firstViolationTime, -6)
        XCTAssertEqual(ev.firstViolationExcess, 1)
    }

    // MARK: - 128-bit sums

    func testSumsBeyondInt64AreExact() throws {
        let big = Int64.max  // 9223372036854775807
        let inf = Problem.infinity  // 1e18
        // Three nodes, all live on [0, 10), each with one strategy of cost Int64.max and usage Int64.max.
        // Two parallel edges [0, 1] with the entry Int64.max, one edge [1, 2] with 1e18, one [0, 2] with 5.
        let p = try Problem(
            intervals: [(0, 10), (0, 10), (0, 10)], costs: [[big], [big], [big]], usages: [[big], [big], [big]],
            edges: [[0, 1], [0, 1], [1, 2], [0, 2]], edgeCosts: [[big], [big], [inf], [5]], usageLimit: big)
        let ev = try Evaluator.evaluate(p, [0, 0, 0])
        let b = Int128(big)
        XCTAssertEqual(ev.nodeCost, 3 * b)  // 27670116110564327421
        XCTAssertEqual(ev.edgeCost, 2 * b + 1_000_000_000_000_000_005)
        XCTAssertEqual(ev.cost, 5 * b + 1_000_000_000_000_000_005)
        XCTAssertEqual(String(describing: ev.cost), "47116860184273879040")
        // 3 nodes + 3 edge entries at or above 1e18; the entry 5 is finite.
        XCTAssertEqual(ev.infiniteTerms, 6)
        XCTAssertEqual(ev.peakUsage, 3 * b)
        XCTAssertEqual(ev.firstViolationTime, 0)
        XCTAssertEqual(ev.firstViolationExcess, 2 * b)
    }

    func testManyInfiniteEntries() throws {
        // 20 nodes chosen at 1e18 each: 2e19 does not fit in Int64.
        let n = 20
        let p = try Problem(
            intervals: Array(repeating: (0, 1), count: n), costs: Array(repeating: [0, Problem.infinity], count: n),
            usages: Array(repeating: [0, 0], count: n), edges: [], edgeCosts: [], usageLimit: nil)
        let ev = try Evaluator.evaluate(p, Array(repeating: 1, count: n))
        XCTAssertEqual(ev.cost, Int128(20) * 1_000_000_000_000_000_000)
        XCTAssertEqual(ev.infiniteTerms, 20)
        XCTAssertEqual(try Evaluator.evaluate(p, Array(repeating: 0, count: n)).cost, 0)
    }

    // MARK: - Edge tables

    func testArity3EdgeIsRowMajor() throws {
        // Nodes with 2, 3, 4 strategies; the table entry at index i is 1000 + i.
        // Edge [0, 1, 2]: index s0 * 12 + s1 * 4 + s2. Edge [2, 1, 0]: index s2 * 6 + s1 * 2 + s0 (entry 5000 + i).
        let p = try Problem(
            intervals: [(0, 1), (0, 1), (0, 1)], costs: [[0, 0], [0, 0, 0], [0, 0, 0, 0]],
            usages: [[0, 0], [0, 0, 0], [0, 0, 0, 0]], edges: [[0, 1, 2], [2, 1, 0]],
            edgeCosts: [(0 ..< 24).map { 1000 + Int64($0) }, (0 ..< 24).map { 5000 + Int64($0) }], usageLimit: nil)
        for s0 in 0 ..< 2 {
            for s1 in 0 ..< 3 {
                for s2 in 0 ..< 4 {
                    let ev = try Evaluator.evaluate(p, [s0, s1, s2])
                    let expected = Int128(1000 + s0 * 12 + s1 * 4 + s2) + Int128(5000 + s2 * 6 + s1 * 2 + s0)
                    XCTAssertEqual(ev.edgeCost, expected, "solution [\(s0), \(s1), \(s2)]")
                }
            }
        }
    }

    func testArity1Edge() throws {
        // An edge over one node is a second node-cost table.
        let p = try Problem(intervals: [(0, 1)], costs: [[1, 2, 3]], usages: [[0, 0, 0]],
                            edges: [[0]], edgeCosts: [[10, 20, 30]], usageLimit: nil)
        XCTAssertEqual(try Evaluator.evaluate(p, [2]).cost, 33)
    }

    func testParallelEdgesAddUp() throws {
        // Two edges [0, 1] and one [1, 0] (the reverse orientation: index s1 * 2 + s0).
        let p = try Problem(
            intervals: [(0, 1), (0, 1)], costs: [[0, 0], [0, 0, 0]], usages: [[0, 0], [0, 0, 0]],
            edges: [[0, 1], [0, 1], [1, 0]],
            edgeCosts: [[1, 2, 3, 4, 5, 6], [10, 20, 30, 40, 50, 60], [100, 200, 300, 400, 500, 600]],
            usageLimit: nil)
        // s = [1, 2]: [0,1] index 1*3+2 = 5 -> 6 and 60; [1,0] index 2*2+1 = 5 -> 600. Sum 666.
        XCTAssertEqual(try Evaluator.evaluate(p, [1, 2]).edgeCost, 666)
        // s = [0, 1]: index 1 -> 2 and 20; reverse index 1*2+0 = 2 -> 300. Sum 322.
        XCTAssertEqual(try Evaluator.evaluate(p, [0, 1]).edgeCost, 322)
    }

    // MARK: - Bad solutions

    func testWrongSolutionLength() throws {
        let p = try tinyProblem()
        for s in [[1, 0, 1, 0], [1, 0, 1, 0, 0, 0], []] {
            XCTAssertThrowsError(try Evaluator.evaluate(p, s)) { error in
                XCTAssertEqual((error as? SolutionError)?.message,
                               "solution has \(s.count) entries, the problem has 5 nodes")
            }
        }
    }

    func testStrategyOutOfRange() throws {
        let p = try tinyProblem()
        XCTAssertThrowsError(try Evaluator.evaluate(p, [1, 0, 3, 0, 0])) { error in
            XCTAssertEqual((error as? SolutionError)?.message, "node 2: strategy 3 is out of range 0..<3")
        }
        XCTAssertThrowsError(try Evaluator.evaluate(p, [1, 0, 1, -1, 0])) { error in
            XCTAssertEqual((error as? SolutionError)?.message, "node 3: strategy -1 is out of range 0..<1")
        }
        XCTAssertThrowsError(try Evaluator.validate(p, [1, 0, 1, 0, Int.max]))
        XCTAssertNoThrow(try Evaluator.validate(p, [1, 0, 1, 0, 1]))
    }

    // MARK: - Brute force against a naive evaluator

    /// A random instance of 2-6 nodes, 1-3 strategies, intervals in [0, 12] (some empty or
    /// inverted), edges of arity 1-3 over distinct nodes, and a limit or none.
    private func randomProblem(_ rng: inout SplitMix64) throws -> Problem {
        let n = rng.int(2 ... 6)
        var intervals: [(Int64, Int64)] = []
        var costs: [[Int64]] = []
        var usages: [[Int64]] = []
        for _ in 0 ..< n {
            let lo = Int64(rng.int(0 ... 10))
            let hi = lo + Int64(rng.int(-2 ... 6))
            intervals.append((lo, hi))
            let k = rng.int(1 ... 3)
            costs.append((0 ..< k).map { _ in Int64(rng.int(0 ... 50)) })
            usages.append((0 ..< k).map { _ in Int64(rng.int(0 ... 9)) })
        }
        var edges: [[Int]] = []
        var tables: [[Int64]] = []
        for _ in 0 ..< rng.int(0 ... 7) {
            var nodes = Array(0 ..< n)
            for i in stride(from: n - 1, to: 0, by: -1) { nodes.swapAt(i, rng.int(0 ... i)) }
            let list = Array(nodes.prefix(rng.int(1 ... min(3, n))))
            let size = list.reduce(1) { $0 * costs[$1].count }
            edges.append(list)
            tables.append((0 ..< size).map { _ in rng.int(0 ... 9) == 0 ? Problem.infinity : Int64(rng.int(0 ... 40)) })
        }
        let limit: Int64? = rng.int(0 ... 3) == 0 ? nil : Int64(rng.int(0 ... 25))
        return try Problem(intervals: intervals, costs: costs, usages: usages, edges: edges, edgeCosts: tables,
                           usageLimit: limit)
    }

    /// Every solution of `p` in lexicographic order.
    private func allSolutions(_ p: Problem) -> [[Int]] {
        var result: [[Int]] = [[]]
        for i in 0 ..< p.nodeCount {
            result = result.flatMap { s in (0 ..< p.strategyCount(i)).map { s + [$0] } }
        }
        return result
    }

    private struct Naive: Equatable {
        var cost: Int128
        var infinite: Int
        var peak: Int128
        var peakTime: Int64?
        var violationTime: Int64?
        var excess: Int128
        var largest: Int?
    }

    /// Costs by strides (the last node varies fastest); memory by looping over every time step.
    private func naive(_ p: Problem, _ s: [Int]) -> Naive {
        var cost: Int128 = 0
        var infinite = 0
        for i in 0 ..< p.nodeCount {
            let c = p.nodeCost[p.strategyOffset[i] + s[i]]
            cost += Int128(c)
            if c >= Problem.infinity { infinite += 1 }
        }
        for e in 0 ..< p.edgeCount {
            let nodes = p.edgeNodeList(e).map(Int.init)
            var index = 0
            for (j, v) in nodes.enumerated() {
                let stride = nodes[(j + 1)...].reduce(1) { $0 * p.strategyCount($1) }
                index += s[v] * stride
            }
            let c = p.edgeCost[p.edgeCostOffset[e] + index]
            cost += Int128(c)
            if c >= Problem.infinity { infinite += 1 }
        }
        func usage(_ i: Int) -> Int64 { p.nodeUsage[p.strategyOffset[i] + s[i]] }
        var r = Naive(cost: cost, infinite: infinite, peak: 0, peakTime: nil, violationTime: nil, excess: 0, largest: nil)
        let live = (0 ..< p.nodeCount).filter { p.intervalLo[$0] < p.intervalHi[$0] }
        guard let first = live.map({ p.intervalLo[$0] }).min(), let last = live.map({ p.intervalHi[$0] }).max() else {
            return r
        }
        for t in first ..< last {
            let here = live.filter { p.intervalLo[$0] <= t && t < p.intervalHi[$0] }
            let total = here.reduce(Int128(0)) { $0 + Int128(usage($1)) }
            if total > r.peak {
                r.peak = total
                r.peakTime = t
            }
            if r.violationTime == nil, let limit = p.usageLimit, total > Int128(limit) {
                r.violationTime = t
                r.excess = total - Int128(limit)
                r.largest = here.max { usage($0) < usage($1) || (usage($0) == usage($1) && $0 > $1) }
            }
        }
        return r
    }

    func testBruteForceAgainstNaiveEvaluator() throws {
        var checked = 0
        for seed in UInt64(1) ... 400 {
            var rng = SplitMix64(seed: seed)
            let p = try randomProblem(&rng)
            for s in allSolutions(p) {
                let ev = try Evaluator.evaluate(p, s)
                let expected = naive(p, s)
                let got = Naive(cost: ev.cost, infinite: ev.infiniteTerms, peak: ev.peakUsage, peakTime: ev.peakTime,
                                violationTime: ev.firstViolationTime, excess: ev.firstViolationExcess,
                                largest: ev.firstViolationLargestNode)
                if got != expected {
                    XCTFail("seed \(seed), solution \(s): evaluator \(got), naive \(expected)")
                    return
                }
                XCTAssertEqual(ev.nodeCost + ev.edgeCost, ev.cost, "seed \(seed)")
                XCTAssertEqual(ev.feasible, expected.violationTime == nil, "seed \(seed)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    // MARK: - Maximal cliques

    func testCliquesCoverEveryTime() throws {
        for seed in UInt64(1) ... 300 {
            var rng = SplitMix64(seed: 0xC11C_0000 + seed)
            let n = rng.int(1 ... 25)
            let span = rng.int(1 ... 40)
            var intervals: [(Int64, Int64)] = []
            var usages: [[Int64]] = []
            for _ in 0 ..< n {
                let lo = Int64(rng.int(0 ... span))
                intervals.append((lo, lo + Int64(rng.int(-1 ... 12))))
                // Some nodes never use memory (all strategies 0): they are left out of the cliques.
                let k = rng.int(1 ... 2)
                usages.append((0 ..< k).map { _ in rng.int(0 ... 4) == 0 ? 0 : Int64(rng.int(1 ... 100)) })
            }
            let p = try Problem(intervals: intervals, costs: usages.map { $0.map { _ in 0 } }, usages: usages,
                                edges: [], edgeCosts: [], usageLimit: nil)
            let cliques = IntervalCliques(p)
            let relevant = (0 ..< n).filter { p.isLive($0) && usages[$0].contains { $0 > 0 } }
            func liveSet(_ t: Int64) -> Set<Int> {
                Set(relevant.filter { intervals[$0].0 <= t && t < intervals[$0].1 })
            }
            XCTAssertEqual(cliques.times, cliques.times.sorted(), "seed \(seed): clique times not increasing")
            XCTAssertEqual(Set(cliques.times).count, cliques.count, "seed \(seed): repeated clique time")
            let cliqueSets = cliques.times.map(liveSet)
            // Every time's live set lies inside some clique's live set.
            for t in Int64(-1) ... Int64(span + 14) {
                let here = liveSet(t)
                if here.isEmpty { continue }
                XCTAssertTrue(cliqueSets.contains { here.isSubset(of: $0) },
                              "seed \(seed): live set \(here.sorted()) at t = \(t) is in no clique \(cliques.times)")
            }
            // Each relevant node's cliques are exactly cliqueFirst ..< cliqueEnd.
            for i in 0 ..< n {
                let mine = cliques.times.indices.filter { cliqueSets[$0].contains(i) }
                if relevant.contains(i) {
                    XCTAssertEqual(mine, Array(Int(cliques.cliqueFirst[i]) ..< Int(cliques.cliqueEnd[i])),
                                   "seed \(seed): cliques of node \(i) \(intervals[i])")
                } else {
                    XCTAssertTrue(mine.isEmpty, "seed \(seed): node \(i) never uses memory")
                }
            }
            // Max over cliques of summed usage == max over all times, for random solutions.
            for _ in 0 ..< 5 {
                let s = (0 ..< n).map { rng.int(0 ... (usages[$0].count - 1)) }
                func load(_ t: Int64) -> Int128 {
                    (0 ..< n).filter { intervals[$0].0 <= t && t < intervals[$0].1 }
                        .reduce(Int128(0)) { $0 + Int128(usages[$1][s[$1]]) }
                }
                let overCliques = cliques.times.map(load).max() ?? 0
                let overTimes = (Int64(-1) ... Int64(span + 14)).map(load).max() ?? 0
                XCTAssertEqual(overCliques, overTimes, "seed \(seed): solution \(s)")
                XCTAssertEqual(try Evaluator.evaluate(p, s).peakUsage, overTimes, "seed \(seed): solution \(s)")
            }
        }
    }

    func testCliquesOfTiny() throws {
        // Live intervals [0,4) [2,6) [4,8) [6,9) (node 4 is empty): an end follows starts at 4, 6, 8, 9;
        // the cliques are at 3 ({0, 1}), 5 ({1, 2}), 7 ({2, 3}); the end at 9 follows no start.
        let c = IntervalCliques(try tinyProblem())
        XCTAssertEqual(c.times, [3, 5, 7])
        XCTAssertEqual(c.cliqueFirst, [0, 0, 1, 2, 0])
        XCTAssertEqual(c.cliqueEnd, [1, 2, 3, 3, 0])
    }

    // MARK: - Solution text

    func testParserPicksTheLastBracketedLine() throws {
        let text = "# progress\n[9, 9, 9]\nbest: 12\n[1, 0, 2]\n# done\n"
        XCTAssertEqual(try SolutionParser.parse(text), [1, 0, 2])
    }

    func testParserEmptyList() throws {
        XCTAssertEqual(try SolutionParser.parse("[]"), [])
        XCTAssertEqual(try SolutionParser.parse("[1, 2]\n[ ]\n"), [])
    }

    func testParserSpacesAndTabs() throws {
        XCTAssertEqual(try SolutionParser.parse("  [ 3 ,4,\t5 ]  "), [3, 4, 5])
        XCTAssertEqual(try SolutionParser.parse("\t[\t3,\t4 ]\t\n"), [3, 4])
    }

    func testParserBareCR() throws {
        XCTAssertEqual(try SolutionParser.parse("[7, 8]\r[1,2]\r"), [1, 2])
    }

    func testParserCRLF() throws {
        // Swift treats "\r\n" as ONE Character, equal to neither "\n" nor "\r", so splitting a
        // String's Characters on those two finds no line break in Windows text.
        let text = "[7, 8]\r\n[1,2]\r\n"
        let s = try SolutionParser.parse(text)
        XCTAssertEqual(s, [1, 2])
        XCTAssertEqual(try SolutionParser.parse("\r\n\r\n[0]\r\n\r\n"), [0])
    }

    func testParserNoTrailingNewline() throws {
        XCTAssertEqual(try SolutionParser.parse("x\n[4, 5, 6]"), [4, 5, 6])
    }

    func testParserRejectsGarbage() {
        for text in ["", "hello", "[1, 2", "1, 2]", "[1, x]", "[1,, 2]", "[1, 2,]", "[1.5]", "[[1]]", "[1 2]"] {
            XCTAssertThrowsError(try SolutionParser.parse(text), "accepted \(text.debugDescription)") { error in
                XCTAssertTrue(error is SolutionError, "\(error)")
            }
        }
    }

    func testParserLastLineWinsEvenIfBad() {
        // A bad last bracketed line is an error, not a fallback to an earlier line.
        XCTAssertThrowsError(try SolutionParser.parse("[1, 2]\n[3, x]\n"))
    }

    func testFormatRoundTrip() throws {
        XCTAssertEqual(SolutionParser.format([]), "[]")
        XCTAssertEqual(SolutionParser.format([0, 12, 3]), "[0, 12, 3]")
        var rng = SplitMix64(seed: 77)
        for _ in 0 ..< 50 {
            let s = (0 ..< rng.int(0 ... 30)).map { _ in rng.int(0 ... 1000) }
            XCTAssertEqual(try SolutionParser.parse(SolutionParser.format(s)), s)
        }
    }
}

/// The hand-made files in `examples/` hold the answers written in examples/README.md.
final class ExampleFilesTests: XCTestCase {
    private func example(_ name: String) throws -> Problem {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try ProblemReader.read(path: repo.appendingPathComponent("examples/\(name)").path)
    }

    func testTinyFileMatchesCodeFixture() throws {
        assertSameProblem(try example("tiny.json"), try tinyProblem(), "examples/tiny.json")
    }

    func testTinyOptimum() throws {
        let best = try XCTUnwrap(BruteForce.optimum(try example("tiny.json")))
        XCTAssertEqual(best.solution, [1, 0, 1, 0, 0])
        XCTAssertEqual(best.cost, 54)
        XCTAssertEqual(best.ties, 1)
    }

    func testNoLimitOptimum() throws {
        let p = try example("no-limit.json")
        XCTAssertNil(p.usageLimit)
        let best = try XCTUnwrap(BruteForce.optimum(p))
        XCTAssertEqual(best.solution, [1, 1, 0, 0, 0])
        XCTAssertEqual(best.cost, 35)
    }

    func testInfeasibleHasNoSolution() throws {
        let p = try example("infeasible.json")
        XCTAssertNil(BruteForce.optimum(p))
        XCTAssertEqual(InstanceStats.minimumUsagePeak(p), 10)  // 3 + 2 + 5 at t = 2
        XCTAssertEqual(p.usageLimit, 9)
    }

    func testArity3Optimum() throws {
        let p = try example("arity3.json")
        XCTAssertEqual(p.edgeNodeOffset, [0, 3])
        let best = try XCTUnwrap(BruteForce.optimum(p))
        XCTAssertEqual(best.solution, [1, 1, 1])
        XCTAssertEqual(best.cost, 14)
        XCTAssertEqual(try Evaluator.evaluate(p, [1, 1, 1]).peakUsage, 6)
        XCTAssertEqual(best.ties, 1)
    }
}

final class MemoryProfileSVGTests: XCTestCase {
    /// Two nodes overlapping at t=1: usages 3 and 4, so the peak is 7 at t=1; limit 8.
    func testProfileMarksPeakAndLimit() throws {
        let p = try Problem(intervals: [(0, 2), (1, 3)], costs: [[1], [1]], usages: [[3], [4]],
                            edges: [], edgeCosts: [], usageLimit: 8)
        let svg = try MemoryProfileSVG.render(p, [0, 0])
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains("peak 7 at t=1"), svg)
        XCTAssertTrue(svg.contains("limit 8"), svg)
        XCTAssertFalse(svg.contains("INFEASIBLE"))
        let tight = try Problem(intervals: [(0, 2), (1, 3)], costs: [[1], [1]], usages: [[3], [4]],
                                edges: [], edgeCosts: [], usageLimit: 6)
        XCTAssertTrue(try MemoryProfileSVG.render(tight, [0, 0]).contains("INFEASIBLE"))
    }
}
