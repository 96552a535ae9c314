import Model
import TestSupport
import XCTest
@testable import Solver

final class LocalSearchTests: XCTestCase {
    /// The incremental cost and slack stay equal to a recomputation after every move.
    func testIncrementalStateStaysExact() {
        var checked = 0
        for seed in UInt64(1) ... 60 {
            let p = TestInstances.random(seed: seed, nodes: 12, edges: 20, maxStrategies: 5)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 0 else { continue }
            checked += 1
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let ls = LocalSearch(state, seed: seed)
            var rng = SeededRNG(seed: seed)
            for step in 0 ..< 200 {
                let i = rng.below(inst.nodeCount)
                switch step % 3 {
                case 0: ls.improveNode(i)
                case 1: ls.treeMove(root: i, maxSize: 1 + rng.below(10))
                default:
                    let b = rng.below(Int(inst.strategyCount[i]))
                    state.apply(i, b, state.delta(i, b))
                }
                if let problem = state.verify() {
                    XCTFail("seed \(seed) step \(step) (kind \(step % 3)): \(problem)")
                    return
                }
            }
        }
        XCTAssertGreaterThan(checked, 50, "instances checked")
    }
}

final class TreeMoveTests: XCTestCase {
    /// On a tree-shaped instance without memory limit, one block move over the whole tree is
    /// exact: it reaches the brute-force optimum from any start.
    func testTreeMoveIsExactOnTrees() {
        for seed in UInt64(1) ... 40 {
            var rng = SeededRNG(seed: seed)
            let n = 2 + rng.below(6)
            var costs: [[Int64]] = []
            for _ in 0 ..< n { costs.append((0 ..< (1 + rng.below(4))).map { _ in Int64(rng.below(50)) }) }
            var edges: [[Int]] = []
            var tables: [[Int64]] = []
            for v in 1 ..< n {
                let u = rng.below(v)
                edges.append(rng.below(2) == 0 ? [u, v] : [v, u])
                let size = costs[u].count * costs[v].count
                tables.append((0 ..< size).map { _ in rng.below(5) == 0 ? Problem.infinity : Int64(rng.below(50)) })
            }
            let p = try! Problem(intervals: Array(repeating: (0, 1), count: n), costs: costs,
                                 usages: costs.map { $0.map { _ in 1 } }, edges: edges, edgeCosts: tables,
                                 usageLimit: nil)
            var options = Reducer.Options()
            options.fixSingletons = false
            options.pruneInfinite = false
            let inst = Reducer.reduce(p, options: options)
            let state = SearchState(inst, [Int32](repeating: 0, count: inst.nodeCount))
            let ls = LocalSearch(state, seed: seed)
            ls.treeMove(root: 0, maxSize: inst.nodeCount)
            let solution = inst.postsolve(state.x)
            let ev = try! Evaluator.evaluate(p, solution)
            let opt = BruteForce.optimum(p)!
            // Sums of several infinite terms are clamped inside the search, so only finite
            // optima are compared exactly.
            if opt.cost < Int128(Problem.infinity) {
                XCTAssertEqual(ev.cost, opt.cost, "seed \(seed)")
            } else {
                XCTAssertGreaterThanOrEqual(ev.cost, Int128(Problem.infinity), "seed \(seed)")
            }
        }
    }
}

final class EliminationMoveTests: XCTestCase {
    /// With the whole instance as the block (no memory limit), variable elimination is exact.
    func testWholeInstanceBlockIsExact() {
        var checked = 0
        for seed in UInt64(1) ... 60 {
            let p = TestInstances.random(seed: seed, nodes: 7, edges: 12, maxStrategies: 4, memory: false)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 0 else { continue }
            checked += 1
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let move = EliminationMove(state)
            move.run(block: (0 ..< Int32(inst.nodeCount)).map { $0 })
            XCTAssertNil(state.verify(), "seed \(seed)")
            let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
            let opt = BruteForce.optimum(p)!
            if opt.cost < Int128(Problem.infinity) {
                XCTAssertEqual(ev.cost, opt.cost, "seed \(seed)")
            }
        }
        XCTAssertGreaterThan(checked, 50, "instances checked")
    }

    /// With memory, moves keep the state exact and feasible and never raise the cost.
    func testMovesWithMemoryStayFeasible() {
        var checked = 0
        for seed in UInt64(1) ... 60 {
            let p = TestInstances.random(seed: seed, nodes: 10, edges: 16, maxStrategies: 4)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 0 else { continue }
            checked += 1
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let move = EliminationMove(state)
            var rng = SeededRNG(seed: seed)
            for _ in 0 ..< 30 {
                let before = state.cost
                let block = move.ball(root: rng.below(inst.nodeCount), maxSize: 1 + rng.below(inst.nodeCount), maxDegree: 100, rng: &rng)
                move.run(block: block)
                XCTAssertLessThanOrEqual(state.cost, before, "seed \(seed)")
                XCTAssertTrue(state.feasible, "seed \(seed)")
                XCTAssertNil(state.verify(), "seed \(seed)")
            }
            let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
            XCTAssertTrue(ev.feasible, "seed \(seed)")
        }
        XCTAssertGreaterThan(checked, 50, "instances checked")
    }

    /// Soft-phase weights raised without end stay finite, and penalties stay defined for every
    /// usage (an infinite weight times a zero usage was NaN and stopped the process).
    func testMemoryWeightsStayFinite() {
        let memory = MemoryPolicy(nodes: 2)
        memory.usePenalties = true
        memory.setWeight(0, 1)
        for _ in 0 ..< 2000 { memory.setWeight(0, memory.weight[0] * 4) }
        XCTAssertTrue(memory.weight[0].isFinite)
        XCTAssertEqual(memory.penalty(0, 0), 0)
        XCTAssertEqual(memory.penalty(0, 1), memory.maxPenalty)
        XCTAssertEqual(memory.penalty(0, -5), -memory.maxPenalty)
        memory.setWeight(1, .infinity)
        XCTAssertEqual(memory.penalty(1, 0), 0)
        memory.setWeight(1, .nan)
        XCTAssertEqual(memory.penalty(1, 7), 0)
        memory.setWeight(1, 0.5)
        memory.scaleAll(1e300)
        XCTAssertTrue(memory.weight.allSatisfy { $0.isFinite })
        XCTAssertEqual(memory.penalty(1, 3), memory.maxPenalty)
    }
}
