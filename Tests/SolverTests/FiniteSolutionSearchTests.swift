import Model
import TestSupport
import XCTest
@testable import Solver

final class FiniteSolutionSearchTests: XCTestCase {
    /// No reductions, infinite entries kept: the search sees the problem as it is.
    private func unreduced(_ p: Problem) -> SolverInstance {
        var o = Reducer.Options()
        o.pruneInfinite = false
        o.pruneMemory = false
        o.fixSingletons = false
        o.eliminate = false
        return Reducer.reduce(p, options: o)
    }

    private let inf = Problem.infinity

    /// One edge whose table is finite only off the diagonal: (0, 1) costs 5, so a finite
    /// assignment exists.
    func testFindsFiniteAssignment() throws {
        let p = try Problem(
            intervals: [(0, 0), (0, 0)], costs: [[0, 0], [0, 0]], usages: [[0, 0], [0, 0]],
            edges: [[0, 1]], edgeCosts: [[inf, 5, 7, inf]], usageLimit: nil)
        XCTAssertEqual(FiniteSolutionSearch.run(unreduced(p), constantFinite: true), true)
    }

    /// Only (1, 1) is finite, but it uses 10 + 10 with both nodes live and the limit is 15.
    func testMemoryRulesOutTheOnlyFiniteAssignment() throws {
        let p = try Problem(
            intervals: [(0, 5), (0, 5)], costs: [[0, 0], [0, 0]], usages: [[0, 10], [0, 10]],
            edges: [[0, 1]], edgeCosts: [[inf, inf, inf, 0]], usageLimit: 15)
        XCTAssertEqual(FiniteSolutionSearch.run(unreduced(p), constantFinite: true), false)
    }

    /// A triangle of "must differ" edges over two strategies: no finite assignment (odd cycle).
    func testOddCycleHasNoFiniteAssignment() throws {
        let differ: [Int64] = [inf, 0, 0, inf]
        let p = try Problem(
            intervals: [(0, 0), (0, 0), (0, 0)], costs: [[0, 0], [0, 0], [0, 0]],
            usages: [[0, 0], [0, 0], [0, 0]], edges: [[0, 1], [1, 2], [0, 2]],
            edgeCosts: [differ, differ, differ], usageLimit: nil)
        let inst = unreduced(p)
        XCTAssertEqual(FiniteSolutionSearch.run(inst, constantFinite: true), false)
        // An infinite constant term rules everything out before the search.
        XCTAssertEqual(FiniteSolutionSearch.run(inst, constantFinite: false), false)
        // No budget: undecided.
        XCTAssertNil(FiniteSolutionSearch.run(inst, constantFinite: true, budget: 0))
    }

    /// Random instances with many infinite entries: the answer is whether some labelling fits
    /// memory with no infinite term (by enumeration).
    func testRandomInstancesAgainstEnumeration() throws {
        var yes = 0, no = 0
        for seed in UInt64(1) ... 200 {
            let p = TestInstances.random(
                seed: seed, nodes: 2 + Int(seed % 6), edges: 4 + Int(seed % 5), maxStrategies: 3,
                infiniteChance: 0.4, memory: seed % 3 != 0)
            let inst = unreduced(p)
            guard inst.feasible else { continue }
            var exists = false
            BruteForce.forEachLabelling((0 ..< p.nodeCount).map { p.strategyCount($0) }) { x in
                if exists { return }
                if let ev = try? Evaluator.evaluate(p, x.map(Int.init)), ev.feasible, ev.infiniteTerms == 0 {
                    exists = true
                }
            }
            let got = FiniteSolutionSearch.run(inst, constantFinite: true)
            XCTAssertEqual(got, exists, "seed \(seed)")
            if exists { yes += 1 } else { no += 1 }
        }
        print("FiniteSolutionSearch: \(yes) with a finite assignment, \(no) without")
        XCTAssertGreaterThan(yes, 30)
        XCTAssertGreaterThan(no, 30)
    }
}
