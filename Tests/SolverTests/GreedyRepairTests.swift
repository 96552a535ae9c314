import Model
import TestSupport
import XCTest
@testable import Solver

final class GreedyRepairTests: XCTestCase {
    /// No reductions: the reduced instance keeps every node and strategy in order, so a labelling
    /// of the problem is one of the instance.
    private func unreduced(_ p: Problem) -> SolverInstance {
        var o = Reducer.Options()
        o.pruneInfinite = false
        o.pruneMemory = false
        o.fixSingletons = false
        o.eliminate = false
        return Reducer.reduce(p, options: o)
    }

    /// Three nodes live together, limit 24. Strategy 0 uses 10 and costs 0, strategy 1 uses 2
    /// and costs 5, 1, 3. From [0, 0, 0] (load 30, 6 over) every move frees 8, so the cheapest
    /// per unit freed goes first: node 1 (1/6), which alone fits (load 22).
    func testCheapestChangePerUnitFreedFirst() throws {
        let p = try Problem(
            intervals: [(0, 4), (0, 4), (0, 4)], costs: [[0, 5], [0, 1], [0, 3]],
            usages: [[10, 2], [10, 2], [10, 2]], edges: [], edgeCosts: [], usageLimit: 24)
        let inst = unreduced(p)
        let state = SearchState(inst, try XCTUnwrap(inst.presolve([0, 0, 0])))
        XCTAssertFalse(state.feasible)
        XCTAssertTrue(GreedyRepair.run(state, stop: { false }))
        XCTAssertEqual(inst.postsolve(state.x), [0, 1, 0])
        XCTAssertEqual(try Evaluator.evaluate(p, inst.postsolve(state.x)).cost, 1)
        XCTAssertNil(state.verify())
    }

    /// A change that also lowers the cost beats any that raises it: node 0's strategy 1 saves 4
    /// and frees 3; node 1's costs 1 and frees 9. Limit 15, start [0, 0] (load 20, 5 over):
    /// node 0 first (load 17, 2 over), then node 1 (load 8).
    func testCostLoweringChangesComeFirst() throws {
        let p = try Problem(
            intervals: [(0, 2), (0, 2)], costs: [[4, 0], [0, 1]],
            usages: [[10, 7], [10, 1]], edges: [], edgeCosts: [], usageLimit: 15)
        let inst = unreduced(p)
        let state = SearchState(inst, try XCTUnwrap(inst.presolve([0, 0])))
        XCTAssertTrue(GreedyRepair.run(state, stop: { false }))
        XCTAssertEqual(inst.postsolve(state.x), [1, 1])  // cost 0 + 1
        XCTAssertNil(state.verify())
    }

    /// Minimum usages 6 + 6 exceed the limit 10: nothing can fit, the repair says so.
    func testReportsFailureWhenNothingFits() throws {
        let p = try Problem(
            intervals: [(0, 2), (0, 2)], costs: [[0, 0], [0, 0]],
            usages: [[9, 6], [9, 6]], edges: [], edgeCosts: [], usageLimit: 10)
        let inst = unreduced(p)
        let state = SearchState(inst, try XCTUnwrap(inst.presolve([0, 0])))
        XCTAssertFalse(GreedyRepair.run(state, stop: { false }))
        XCTAssertEqual(inst.postsolve(state.x), [1, 1])  // it still lowered what it could
        XCTAssertNil(state.verify())
    }

    /// From random labellings: the repair succeeds exactly when some labelling fits memory (by
    /// brute force; with the limit below the minimum-usage peak, none does), only ever lowers a node's usage, and leaves a consistent state.
    func testRandomStartsAgainstBruteForce() throws {
        var repaired = 0, impossible = 0
        for seed in UInt64(1) ... 150 {
            var p = TestInstances.random(seed: seed, nodes: 2 + Int(seed % 5), edges: 6, maxStrategies: 4)
            // Every fourth instance gets a limit just below its minimum-usage peak: nothing fits.
            let peak = Int64(InstanceStats.minimumUsagePeak(p))
            if seed % 4 == 0 && peak > 0 { p.usageLimit = peak - 1 }
            let inst = unreduced(p)
            guard inst.hasMemory else { continue }
            var rng = SeededRNG(seed: seed ^ 0x5EED)
            let start = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
            let state = SearchState(inst, start)
            let fits = BruteForce.optimum(p) != nil
            let ok = GreedyRepair.run(state, stop: { false })
            XCTAssertEqual(ok, fits, "seed \(seed)")
            XCTAssertEqual(ok, state.feasible, "seed \(seed)")
            XCTAssertNil(state.verify(), "seed \(seed)")
            for i in 0 ..< inst.nodeCount {
                let o = Int(inst.strategyStart[i])
                XCTAssertLessThanOrEqual(inst.usage[o + Int(state.x[i])], inst.usage[o + Int(start[i])], "seed \(seed) node \(i)")
            }
            if fits { repaired += 1 } else { impossible += 1 }
        }
        XCTAssertGreaterThan(repaired, 50)
        XCTAssertGreaterThan(impossible, 3)
    }
}
