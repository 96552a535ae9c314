import Model
import XCTest
@testable import Solver

final class IncumbentTests: XCTestCase {
    /// Only feasible improvements are taken; after `close()` nothing is, so the final answer
    /// and the progress log agree.
    func testOffersAfterCloseAreRefused() throws {
        // An instance whose minimum-usage solution is not optimal.
        var found: (Problem, [Int])? = nil
        for seed in UInt64(1) ... 50 {
            let p = TestInstances.random(seed: seed, nodes: 8, edges: 10, maxStrategies: 3, infiniteChance: 0)
            guard let (opt, best) = TestInstances.bruteForce(p),
                  let ev = try? Evaluator.evaluate(p, p.minimumUsageSolution()), opt < ev.cost else { continue }
            found = (p, best)
            break
        }
        let (p, best) = try XCTUnwrap(found)
        let store = IncumbentStore(problem: p, clock: ProcessClock(), logProgress: false)
        let start = p.minimumUsageSolution()
        XCTAssertTrue(store.offer(start, source: "start"))
        XCTAssertFalse(store.offer(start, source: "again"), "not an improvement")
        var infeasible = best
        infeasible[0] = -1
        XCTAssertFalse(store.offer(infeasible, source: "bad"))
        let before = store.close()
        XCTAssertFalse(store.offer(best, source: "late"), "an improvement, but after close")
        XCTAssertEqual(store.snapshot.cost, before.cost)
        XCTAssertEqual(store.snapshot.solution, start)
    }
}
