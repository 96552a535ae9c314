import Model
import XCTest
@testable import Solver

final class DualPrimalTests: XCTestCase {
    /// Every labelling the dual decodes, once loaded (and repaired), is an exact search state;
    /// when it fits, its postsolved solution is feasible for the evaluator at the same cost and
    /// never below the brute-force optimum.
    func testLoadedLabellingsAreExactAndFeasible() {
        var loaded = 0, fitting = 0, optimal = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed, nodes: 9, edges: 14, maxStrategies: 4, infiniteChance: 0.15)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.n > 1, let (opt, _) = TestInstances.bruteForce(p) else { continue }
            let dp = DualPrimal(inst)
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            var best = Int128.max
            for _ in 0 ..< 60 where dp.iterate() {
                loaded += 1
                let fits = dp.loadLabelling(into: state, stop: { false })
                if let problem = state.verify() { XCTFail("seed \(seed): \(problem)"); return }
                XCTAssertEqual(fits, state.feasible, "seed \(seed)")
                guard fits else { continue }
                fitting += 1
                let solution = inst.postsolve(state.x)
                guard let ev = try? Evaluator.evaluate(p, solution) else { XCTFail("seed \(seed): evaluation"); return }
                XCTAssertTrue(ev.feasible, "seed \(seed)")
                // Infinite terms count as `inst.infinite` inside the search (a soft infinity).
                if ev.cost < Int128(Problem.infinity) {
                    XCTAssertEqual(ev.cost, state.cost, "seed \(seed)")
                } else {
                    XCTAssertGreaterThanOrEqual(state.cost, Int128(inst.infinite), "seed \(seed)")
                }
                XCTAssertGreaterThanOrEqual(ev.cost, opt, "seed \(seed)")
                best = min(best, ev.cost)
            }
            if best == opt { optimal += 1 }
        }
        print("dual primal: \(loaded) labellings loaded, \(fitting) fit, optimum reached on \(optimal) instances")
        XCTAssertGreaterThan(fitting, 0)
        XCTAssertGreaterThan(optimal, 0)
    }

    /// A node's weight is the sum of its cliques' multipliers (the Lagrangian penalty per unit
    /// of usage).
    func testWeightsAreSumsOfCliqueMultipliers() {
        var checked = 0
        for seed in UInt64(1) ... 30 {
            let p = TestInstances.random(seed: seed, nodes: 10, edges: 12, maxStrategies: 4, infiniteChance: 0.1)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.n > 1, inst.hasMemory else { continue }
            let dp = DualPrimal(inst)
            for _ in 0 ..< 30 { _ = dp.iterate() }
            let memory = MemoryPolicy(nodes: inst.n)
            dp.applyWeights(to: memory)
            let mu = dp.dual.mu
            for i in 0 ..< inst.n where inst.cFirst[i] < inst.cEnd[i] {
                var sum = 0.0
                for c in Int(inst.cFirst[i]) ..< Int(inst.cEnd[i]) { sum += max(0, mu[c]) }
                XCTAssertEqual(memory.weight[i], sum, accuracy: 1e-9 * max(1, sum), "seed \(seed) node \(i)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0)
    }
}
