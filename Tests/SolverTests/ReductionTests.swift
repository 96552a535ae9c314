import Model
import TestSupport
import XCTest
@testable import Solver

final class ReductionTests: XCTestCase {
    /// The reduced instance's internal cost of any assignment equals the evaluator's cost of
    /// its postsolved solution (whenever that cost is finite).
    func testInternalCostMatchesEvaluator() {
        var checked = 0
        for seed in UInt64(1) ... 80 {
            let p = TestInstances.random(seed: seed, nodes: 8, edges: 14, maxStrategies: 4,
                                         infiniteChance: 0.1, arity3Chance: 0.2)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 0 else { continue }
            checked += 1
            var rng = SeededRNG(seed: seed)
            for _ in 0 ..< 20 {
                let x = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
                let inner = SearchState.computeCost(inst, x)
                let ev = try! Evaluator.evaluate(p, inst.postsolve(x))
                if ev.cost < Int128(Problem.infinity) && inner < Int128(inst.infiniteUnit) {
                    XCTAssertEqual(inner, ev.cost, "seed \(seed)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 70, "instances checked")
    }

    /// Reductions keep the optimum: brute force on the original equals brute force over the
    /// reduced instance's assignments (postsolved).
    func testReductionsKeepTheOptimum() {
        var checked = 0
        for seed in UInt64(1) ... 80 {
            let p = TestInstances.random(seed: seed, nodes: 6, edges: 9, maxStrategies: 3,
                                         infiniteChance: 0.3, arity3Chance: 0.1)
            guard let opt = BruteForce.optimum(p) else { continue }
            checked += 1
            let inst = Reducer.reduce(p)
            XCTAssertTrue(inst.feasible, "seed \(seed)")
            var best: Int128? = nil
            TestInstances.forEachLabelling(inst) { x in
                if let ev = try? Evaluator.evaluate(p, inst.postsolve(x)), ev.feasible {
                    if best == nil || ev.cost < best! { best = ev.cost }
                }
            }
            if opt.cost < Int128(Problem.infinity) {
                XCTAssertEqual(best, opt.cost, "seed \(seed)")
            }
        }
        XCTAssertGreaterThan(checked, 70, "instances checked")
    }

    /// Folding keeps the number of infinite terms and the finite part (issue 7: folded sums used
    /// to saturate at 1e18, so both strategies of node 0 below looked alike).
    ///
    /// Node 0 costs [5, 60]; nodes 1 and 2 have one strategy (cost 0) and are fixed, their edges
    /// folded into node 0: edge (0,1) is [inf, 40], edge (0,2) is [inf, inf]. So strategy 0
    /// costs 5 + 2 inf = 2e18 + 5 and strategy 1 costs 60 + 40 + inf = 1e18 + 100.
    func testFoldingCountsInfiniteTerms() throws {
        let inf = Problem.infinity
        let p = try Problem(intervals: [(0, 1), (0, 1), (0, 1)], costs: [[5, 60], [0], [0]],
                            usages: [[0, 0], [0], [0]], edges: [[0, 1], [0, 2]],
                            edgeCosts: [[inf, 40], [inf, inf]], usageLimit: nil)
        XCTAssertEqual(Reducer.termEncoding(p), .exact(unit: 1_000_000_000_000_000))
        let inst = Reducer.reduce(p)
        let unit = inst.infiniteUnit
        XCTAssertEqual(unit, 1_000_000_000_000_000)
        XCTAssertTrue(inst.exactInfinite)
        // No finite solution: pruning the strategies with an infinite term would wipe node 0 out.
        XCTAssertTrue(inst.stats.infinitePruningAbandoned)
        XCTAssertEqual(inst.nodeCount, 1)
        XCTAssertEqual(inst.unary, [2 * unit + 5, unit + 100])
        XCTAssertEqual(SearchState.computeCost(inst, [1]), Int128(unit) + 100)
        XCTAssertEqual(try Evaluator.evaluate(p, inst.postsolve([1])).cost, Int128(inf) + 100)
    }

    /// Every assignment of the reduced instance costs `count * unit + finite part` where the
    /// evaluator's cost of its postsolved solution is `count * 1e18 + finite part`, so the
    /// search orders solutions exactly like the evaluator, infinite terms included.
    func testEncodedCostMatchesEvaluatorWithInfiniteTerms() {
        var checked = 0, withTwo = 0
        for seed in UInt64(1) ... 80 {
            let p = TestInstances.random(seed: seed, nodes: 7, edges: 12, maxStrategies: 4,
                                         infiniteChance: 0.5, arity3Chance: 0.2)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.exactInfinite else { continue }
            let unit = Int128(inst.infiniteUnit)
            var rng = SeededRNG(seed: seed)
            for _ in 0 ..< 30 {
                var x = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
                // Auxiliary nodes of arity >= 3 edges take the combination of the real nodes.
                for r in 0 ..< inst.nodeCount where inst.origNode[r] < 0 { x[r] = inst.auxConsistentChoice(r, x) ?? x[r] }
                let inner = SearchState.computeCost(inst, x)
                if inner >= Int128(saturatedCost) { continue }
                let ev = try! Evaluator.evaluate(p, inst.postsolve(x))
                let count = Int128(ev.infiniteTerms)
                XCTAssertEqual(inner, count * unit + (ev.cost - count * Int128(Problem.infinity)), "seed \(seed) x \(x)")
                checked += 1
                if ev.infiniteTerms >= 2 { withTwo += 1 }
            }
        }
        XCTAssertGreaterThan(withTwo, 50, "too few assignments with several infinite terms (\(checked) checked)")
    }

    /// Reductions keep the optimum also when every solution needs infinite entries (the
    /// infinite pruning must then be abandoned): brute force over the reduced instance's
    /// assignments, postsolved, equals brute force on the original.
    func testReductionsKeepInfiniteOptima() {
        var infiniteOptima = 0
        for seed in UInt64(1) ... 120 {
            let p = TestInstances.random(seed: seed, nodes: 6, edges: 10, maxStrategies: 3,
                                         infiniteChance: 0.5, arity3Chance: 0.1)
            guard let opt = BruteForce.optimum(p) else { continue }
            if opt.cost >= Int128(Problem.infinity) { infiniteOptima += 1 }
            let inst = Reducer.reduce(p)
            var best: Int128? = nil
            TestInstances.forEachLabelling(inst) { x in
                if let ev = try? Evaluator.evaluate(p, inst.postsolve(x)), ev.feasible {
                    if best == nil || ev.cost < best! { best = ev.cost }
                }
            }
            XCTAssertEqual(best, opt.cost, "seed \(seed)")
        }
        XCTAssertGreaterThan(infiniteOptima, 20)
    }

    /// Costs near the ends of Int64 (no exact unit over the raw terms) are stored relative to
    /// each node's and edge's least term; the offset keeps every assignment's cost exact.
    func testRelativeEncodingKeepsCostsExact() throws {
        let big = Int64.max
        let p = try Problem(intervals: [(0, 1), (0, 1)], costs: [[big, big - 1], [900_000_000_000_000_000, 900_000_000_000_000_007]],
                            usages: [[0, 0], [0, 0]], edges: [[0, 1]],
                            edgeCosts: [[big, big, big - 3, big]], usageLimit: nil)
        XCTAssertEqual(Reducer.termEncoding(p), .relative(unit: 1_000_000_000_000_000))
        let inst = Reducer.reduce(p, options: { var o = Reducer.Options(); o.eliminate = false; o.fixSingletons = false; return o }())
        for a in Int32(0) ..< 2 {
            for b in Int32(0) ..< 2 {
                let ev = try Evaluator.evaluate(p, inst.postsolve([a, b]))
                XCTAssertEqual(SearchState.computeCost(inst, [a, b]), ev.cost, "\(a) \(b)")
            }
        }
    }
}
