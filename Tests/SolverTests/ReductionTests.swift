import Model
import XCTest
@testable import Solver

final class ReductionTests: XCTestCase {
    /// The reduced instance's internal cost of any assignment equals the evaluator's cost of
    /// its postsolved solution (whenever that cost is finite).
    func testInternalCostMatchesEvaluator() {
        for seed in UInt64(1) ... 80 {
            let p = TestInstances.random(seed: seed, nodes: 8, edges: 14, maxStrategies: 4,
                                         infiniteChance: 0.1, arity3Chance: 0.2)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.n > 0 else { continue }
            var rng = SeededRNG(seed: seed)
            for _ in 0 ..< 20 {
                let x = (0 ..< inst.n).map { Int32(rng.below(Int(inst.k[$0]))) }
                let inner = SearchState.computeCost(inst, x)
                let ev = try! Evaluator.evaluate(p, inst.postsolve(x))
                if ev.cost < Int128(Problem.infinity) && inner < Int128(inst.infinite) {
                    XCTAssertEqual(inner, ev.cost, "seed \(seed)")
                }
            }
        }
    }

    /// Reductions keep the optimum: brute force on the original equals brute force over the
    /// reduced instance's assignments (postsolved).
    func testReductionsKeepTheOptimum() {
        for seed in UInt64(1) ... 80 {
            let p = TestInstances.random(seed: seed, nodes: 6, edges: 9, maxStrategies: 3,
                                         infiniteChance: 0.3, arity3Chance: 0.1)
            guard let opt = TestInstances.bruteForce(p) else { continue }
            let inst = Reducer.reduce(p)
            XCTAssertTrue(inst.feasible, "seed \(seed)")
            var best: Int128? = nil
            var x = [Int32](repeating: 0, count: inst.n)
            while true {
                if let ev = try? Evaluator.evaluate(p, inst.postsolve(x)), ev.feasible {
                    if best == nil || ev.cost < best! { best = ev.cost }
                }
                var i = 0
                while i < inst.n {
                    x[i] += 1
                    if x[i] < inst.k[i] { break }
                    x[i] = 0
                    i += 1
                }
                if i == inst.n { break }
            }
            if opt.0 < Int128(Problem.infinity) {
                XCTAssertEqual(best, opt.0, "seed \(seed)")
            }
        }
    }
}
