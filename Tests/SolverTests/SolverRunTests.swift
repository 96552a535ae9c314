import Dispatch
import Model
import XCTest
@testable import Solver

final class DriverTests: XCTestCase {
    /// The final report is written while the workers may still be searching: their counters
    /// must be visible before they return (the `# moves:` line once showed only the workers
    /// that had finished, e.g. "GLPK neighbourhoods 0" on every contest instance).
    func testStatsOfBusyWorkersAreVisible() {
        let p = TestInstances.random(seed: 77, nodes: 300, edges: 450, maxStrategies: 6,
                                     infiniteChance: 0.1, memory: true)
        let clock = ProcessClock()
        let store = IncumbentStore(problem: p, clock: clock, logProgress: false)
        var options = SolverOptions(stopAt: clock.seconds + 60, threads: 2, logProgress: false)
        options.useDual = false
        let run = SolverRun(problem: p, options: options, clock: clock, store: store)
        XCTAssertTrue(run.prepare())
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            run.search()
            done.signal()
        }
        // Counters appear within a few seconds while both workers are still running.
        let until = clock.seconds + 10
        var seen = SearchStats()
        while clock.seconds < until {
            seen = run.stats
            if seen.treeMoves + seen.eliminationMoves > 0 && seen.mipCalls > 0 { break }
            usleep(50_000)
        }
        let stillRunning = done.wait(timeout: .now()) == .timedOut
        run.requestStop()
        // The workers return soon after a stop (they once never did: the stop was only looked
        // at on every 16th budget check, which the outer loop never landed on).
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "search() did not return after the stop")
        XCTAssertTrue(stillRunning, "the workers stopped on their own")
        XCTAssertGreaterThan(seen.treeMoves + seen.eliminationMoves, 0)
        XCTAssertGreaterThan(seen.mipCalls, 0, "worker 1's GLPK solves")
        // Every GLPK step is one generator call or an exact-mode whole solve.
        let generatorCalls = seen.lns.generators.reduce(0) { $0 + $1.calls }
        XCTAssertGreaterThan(generatorCalls + seen.lns.whole.calls, 0)
        XCTAssertLessThanOrEqual(generatorCalls, seen.mipCalls)
    }
}
