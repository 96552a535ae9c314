import Model
import Synchronization
import TestSupport
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
            guard let (opt, best) = BruteForce.optimum(p).map({ ($0.cost, $0.solution) }),
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

/// The store's own rules, one test each, on a small instance whose optimum is known.
final class IncumbentStoreRulesTests: XCTestCase {
    /// A memory-bound instance with a feasible solution costlier than the optimum, an
    /// infeasible (memory-violating) assignment, and the optimum.
    struct Fixture {
        var problem: Problem
        var optimum: Int128
        var optimal: [Int]
        var worse: [Int]
        var worseCost: Int128
        var overMemory: [Int]
    }

    static func fixture() throws -> Fixture {
        for seed in UInt64(1) ... 200 {
            let p = TestInstances.random(seed: seed, nodes: 6, edges: 8, maxStrategies: 3, infiniteChance: 0)
            guard let (opt, best) = BruteForce.optimum(p).map({ ($0.cost, $0.solution) }) else { continue }
            var worse: ([Int], Int128)? = nil
            var over: [Int]? = nil
            TestInstances.forEachLabelling((0 ..< p.nodeCount).map { p.strategyCount($0) }) { x in
                let s = x.map { Int($0) }
                guard let ev = try? Evaluator.evaluate(p, s) else { return }
                if ev.feasible, ev.cost > opt, worse == nil { worse = (s, ev.cost) }
                if !ev.feasible, over == nil { over = s }
            }
            if let (w, wc) = worse, let over {
                return Fixture(problem: p, optimum: opt, optimal: best, worse: w, worseCost: wc, overMemory: over)
            }
        }
        throw XCTSkip("no fitting instance among the seeds")
    }

    /// Captured progress lines.
    final class Lines: Sendable {
        private let box = Mutex<[String]>([])
        var all: [String] { box.withLock { $0 } }
        var log: ProgressLog { ProgressLog(sink: { line in self.box.withLock { $0.append(line) } }) }
    }

    func testRejectsNonImprovingOffers() throws {
        let f = try Self.fixture()
        let store = IncumbentStore(problem: f.problem, clock: ProcessClock(), logProgress: false)
        XCTAssertTrue(store.offer(f.worse, source: "a"))
        XCTAssertFalse(store.offer(f.worse, source: "same cost"))
        XCTAssertTrue(store.offer(f.optimal, source: "b"))
        XCTAssertFalse(store.offer(f.worse, source: "worse"))
        let s = store.snapshot
        XCTAssertEqual(s.cost, f.optimum)
        XCTAssertEqual(s.solution, f.optimal)
        XCTAssertEqual(s.source, "b")
        XCTAssertEqual(s.improvements, 2)
    }

    func testRejectsInfeasibleOffers() throws {
        let f = try Self.fixture()
        let store = IncumbentStore(problem: f.problem, clock: ProcessClock(), logProgress: false)
        XCTAssertFalse(store.offer(f.overMemory, source: "over memory"))
        XCTAssertFalse(store.offer(Array(f.optimal.dropLast()), source: "too short"))
        var outOfRange = f.optimal
        outOfRange[0] = f.problem.strategyCount(0)
        XCTAssertFalse(store.offer(outOfRange, source: "no such strategy"))
        XCTAssertNil(store.bestCost)
        XCTAssertEqual(store.snapshot.improvements, 0)
    }

    /// A bound above the incumbent's cost is refused; a bound offered before any incumbent
    /// and lying above a solution found later is dropped when that solution arrives.
    func testBoundNeverPassesTheIncumbent() throws {
        let f = try Self.fixture()
        let store = IncumbentStore(problem: f.problem, clock: ProcessClock(), logProgress: false)
        XCTAssertTrue(store.offer(f.worse, source: "a"))
        XCTAssertFalse(store.offerBound(f.worseCost + 1, source: "too high"))
        XCTAssertNil(store.snapshot.bound)
        XCTAssertTrue(store.offerBound(f.optimum - 1, source: "valid"))
        XCTAssertFalse(store.offerBound(f.optimum - 2, source: "lower"))
        XCTAssertEqual(store.snapshot.bound, f.optimum - 1)
        XCTAssertEqual(store.snapshot.boundSource, "valid")

        let fresh = IncumbentStore(problem: f.problem, clock: ProcessClock(), logProgress: false)
        XCTAssertTrue(fresh.offerBound(f.optimum + 1, source: "wrong"), "no incumbent yet: cannot be told")
        XCTAssertTrue(fresh.offer(f.optimal, source: "optimum"))
        XCTAssertNil(fresh.snapshot.bound, "a bound above a feasible cost must be dropped")
        XCTAssertFalse(fresh.provedOptimal)
    }

    /// `whenOptimal` runs exactly once, when the bound meets the cost, whatever comes after;
    /// an action set after the proof runs at once.
    func testWhenOptimalRunsOnceWhenTheBoundMeetsTheCost() throws {
        let f = try Self.fixture()
        let store = IncumbentStore(problem: f.problem, clock: ProcessClock(), logProgress: false)
        let fired = Mutex(0)
        store.whenOptimal { fired.withLock { $0 += 1 } }
        XCTAssertTrue(store.offerBound(f.optimum, source: "bound"))
        XCTAssertEqual(fired.withLock { $0 }, 0, "no incumbent yet")
        XCTAssertTrue(store.offer(f.worse, source: "a"))
        XCTAssertEqual(fired.withLock { $0 }, 0, "the bound is below that cost")
        XCTAssertTrue(store.offer(f.optimal, source: "b"))
        XCTAssertTrue(store.provedOptimal)
        XCTAssertEqual(fired.withLock { $0 }, 1)
        XCTAssertFalse(store.offerBound(f.optimum, source: "again"))
        XCTAssertEqual(fired.withLock { $0 }, 1)
        let late = Mutex(0)
        store.whenOptimal { late.withLock { $0 += 1 } }
        XCTAssertEqual(late.withLock { $0 }, 1)
    }

    /// The store writes its progress lines through its log, in the shared grammar: one per
    /// new incumbent (never throttled), bound lines at most once per interval unless they
    /// prove optimality; refused offers write nothing.
    func testProgressLinesComeFromTheStore() throws {
        let f = try Self.fixture()
        let lines = Lines()
        let store = IncumbentStore(problem: f.problem, clock: ProcessClock(), progress: lines.log)
        store.offer(f.worse, source: "a")
        store.offer(f.overMemory, source: "bad")
        store.offer(f.worse, source: "same")
        store.offerBound(f.optimum - 2, source: "lagrange")
        store.offerBound(f.optimum - 1, source: "lagrange")
        store.offer(f.optimal, source: "b")
        let written = lines.all
        let pattern = #/#(\d+) \d+\.\d\ds( best:\d+)?( bound:\d+ gap:\d+\.\d\d%)? src:\w+\n/#
        for line in written { XCTAssertNotNil(line.wholeMatch(of: pattern), line) }
        XCTAssertGreaterThanOrEqual(written.count, 2)
        XCTAssertEqual(written.map { String($0.split(separator: " ")[0]) }, (0 ..< written.count).map { "#\($0 + 1)" })
        XCTAssertTrue(written.first?.contains("best:\(f.worseCost) src:a") ?? false, "\(written)")
        XCTAssertTrue(written.last?.contains("best:\(f.optimum) bound:\(f.optimum - 1) gap:") ?? false, "\(written)")
        XCTAssertFalse(written.contains { $0.contains("src:bad") || $0.contains("src:same") })
        // The two bound rises came within the throttle interval: at most one line for them.
        XCTAssertLessThanOrEqual(written.filter { $0.contains("src:lagrange") }.count, 1)
        // A proof is never throttled.
        store.offerBound(f.optimum, source: "proof")
        XCTAssertTrue(lines.all.last?.hasSuffix("best:\(f.optimum) bound:\(f.optimum) gap:0.00% src:proof\n") ?? false, "\(lines.all)")
    }

    /// The line grammar, byte for byte.
    func testProgressLineGrammar() {
        XCTAssertEqual(ProgressLog.line(sequence: 12, seconds: 3.414, best: 6550261230, bound: 6513812172, source: "lns-bfs"),
                       "#12 3.41s best:6550261230 bound:6513812172 gap:0.56% src:lns-bfs\n")
        XCTAssertEqual(ProgressLog.line(sequence: 1, seconds: 0.08, best: nil, bound: 151974, source: "lagrange"),
                       "#1 0.08s bound:151974 src:lagrange\n")
        XCTAssertEqual(ProgressLog.line(sequence: 2, seconds: 0.1, best: 7, bound: nil, source: "ls0", extra: "k:v"),
                       "#2 0.10s best:7 src:ls0 k:v\n")
    }

    /// One rounding for every printed number.
    func testFormatting() {
        XCTAssertEqual(formatFixed(2.5, 0), "3", "half away from zero")
        XCTAssertEqual(formatFixed(-0.001, 2), "0.00")
        XCTAssertEqual(formatFixed(-1.005, 1), "-1.0")
        XCTAssertEqual(formatFixed(12, 0), "12")
        XCTAssertEqual(formatFixed(0.05, 3), "0.050")
        XCTAssertEqual(formatSeconds(59.999), "60.00")
        XCTAssertEqual(gapPercent(cost: 200, bound: 199), "0.50")
        XCTAssertEqual(gapPercent(cost: 100, bound: 150), "0.00")
        XCTAssertEqual(gapPercent(cost: 0, bound: 0), "0.00")
        XCTAssertEqual(gapPercent(cost: 7, bound: 7), "0.00")
        // Open gaps never print as 0.00.
        XCTAssertEqual(gapPercent(cost: 190_718, bound: 190_717), "0.00052")
        XCTAssertEqual(gapPercent(cost: 100_000, bound: 99_996), "0.0040")
        XCTAssertEqual(gapPercent(cost: 1_000_000_000_000, bound: 999_999_999_999), "0.00000000010")
        XCTAssertEqual(gapPercent(cost: 20_001, bound: 20_000), "0.0050")
        XCTAssertNotEqual(Double(gapPercent(cost: 1_999_999_999_999_999_999, bound: 1_999_999_999_999_999_998)), 0)
    }
}
