import Dispatch
import Foundation
import Model
import TestSupport
import XCTest
@testable import Solver

/// `SolverRun.run(...)`, the whole run as the CLI drives it: early answer, reduction, workers,
/// stop, and the report.
final class SolverRunTests: XCTestCase {
    /// A run of `p` with its own store and clock; `answerIn` seconds from now.
    private func makeRun(_ p: Problem, answerIn seconds: Double, threads: Int = 1, seed: UInt64 = 1,
                         maxIterations: Int? = nil, configure: (inout SolverOptions) -> Void = { _ in })
        -> (run: SolverRun, answerAt: Double)
    {
        let clock = ProcessClock()
        let store = IncumbentStore(problem: p, clock: clock, logProgress: false)
        let answerAt = clock.seconds + seconds
        var options = SolverOptions(stopAt: answerAt - SolverRun.stopLead, threads: threads, seed: seed,
                                    maxIterations: maxIterations, logProgress: false)
        configure(&options)
        return (SolverRun(problem: p, options: options, clock: clock, store: store), answerAt)
    }

    private func examplePath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples").appendingPathComponent(name).path
    }

    /// Stall detection: not stalled before the first solution or right after an improvement;
    /// stalled once the store's best has stood still for `stallSeconds`; never under a work
    /// limit (that would make such runs depend on the clock).
    func testStallFollowsTheStoresLastImprovement() throws {
        let p = TestInstances.random(seed: 5, nodes: 8, edges: 10, maxStrategies: 3, infiniteChance: 0)
        // A short run, so that its stall threshold (a share of the time) is short.
        let (run, _) = makeRun(p, answerIn: 2)
        XCTAssertNil(run.store.improvedAt)
        XCTAssertFalse(run.stalled, "no solution yet")
        XCTAssertTrue(run.store.offer(p.minimumUsageSolution(), source: "start"))
        let at = try XCTUnwrap(run.store.improvedAt)
        XCTAssertLessThanOrEqual(at, run.clock.seconds)
        XCTAssertFalse(run.stalled, "just improved")
        XCTAssertGreaterThan(run.stallSeconds, 0)
        XCTAssertLessThan(run.stallSeconds, 1, "a share of a 2 s run")
        Thread.sleep(forTimeInterval: run.stallSeconds + 0.05)
        XCTAssertTrue(run.stalled, "no improvement for longer than \(run.stallSeconds) s")
        let (limited, _) = makeRun(p, answerIn: 2, maxIterations: 100)
        XCTAssertTrue(limited.store.offer(p.minimumUsageSolution(), source: "start"))
        Thread.sleep(forTimeInterval: limited.stallSeconds + 0.05)
        XCTAssertFalse(limited.stalled, "work-limited runs never stall")
    }

    /// no-limit.json's optimum is 35, and a certified bound meets it: the run stops early and
    /// reports it optimal, with the answer checked by the evaluator.
    func testKnownOptimumIsReportedOptimal() throws {
        let p = try ProblemReader.read(path: examplePath("no-limit.json"))
        let (run, answerAt) = makeRun(p, answerIn: 20)
        var early: [Int]? = nil
        let report = run.run(answerAt: answerAt, timeout: 20, boundSeconds: nil) { early = $0 }
        XCTAssertNotNil(early, "no early answer")
        XCTAssertEqual(report.status, .optimal)
        XCTAssertEqual(report.stopReason, .optimal)
        XCTAssertEqual(report.bestCost, 35)
        XCTAssertEqual(report.bound, 35)
        XCTAssertEqual(report.gapPercent, 0)
        XCTAssertEqual(report.evaluatorCheck, .passed)
        let solution = try XCTUnwrap(report.solution)
        XCTAssertEqual(try Evaluator.evaluate(p, solution).cost, 35)
        XCTAssertLessThan(run.clock.seconds, answerAt - 1, "no early stop at the proof")
    }

    /// Tiny random instances: a short work-limited run finds the brute-force optimum, and the
    /// report calls it optimal exactly when its bound meets the cost.
    func testTinyInstancesReachTheirOptimum() throws {
        var checked = 0
        for seed: UInt64 in 1 ... 8 {
            let p = TestInstances.random(seed: seed, nodes: 6, edges: 8, maxStrategies: 3)
            guard let optimum = BruteForce.optimum(p)?.cost else { continue }
            let (run, answerAt) = makeRun(p, answerIn: 30, seed: seed, maxIterations: 5000)
            let report = run.run(answerAt: answerAt, timeout: 30, boundSeconds: nil) { _ in }
            XCTAssertEqual(report.bestCost, optimum, "seed \(seed)")
            XCTAssertEqual(report.evaluatorCheck, .passed, "seed \(seed)")
            let proved = report.bound == report.bestCost
            XCTAssertEqual(report.status, proved ? .optimal : .feasible, "seed \(seed)")
            XCTAssertTrue([.optimal, .workLimit].contains(report.stopReason), "seed \(seed): \(report.stopReason)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 6, "too few feasible seeds")
    }

    /// Small instances under a time limit (the exact search runs): the run stops early with
    /// status optimal, the bound equal to the brute-force optimum; without the exact search and
    /// the dual the same instances are not all proved.
    func testExactSearchProvesSmallInstances() throws {
        var checked = 0
        for seed: UInt64 in 1 ... 8 {
            let p = TestInstances.random(seed: seed, nodes: 7, edges: 10, maxStrategies: 4)
            guard let optimum = BruteForce.optimum(p)?.cost else { continue }
            let (run, answerAt) = makeRun(p, answerIn: 30, threads: 2, seed: seed) { $0.useDual = false }
            let report = run.run(answerAt: answerAt, timeout: 30, boundSeconds: 0) { _ in }
            XCTAssertEqual(report.status, .optimal, "seed \(seed)")
            XCTAssertEqual(report.stopReason, .optimal, "seed \(seed)")
            XCTAssertEqual(report.bestCost, optimum, "seed \(seed)")
            XCTAssertEqual(report.bound, optimum, "seed \(seed)")
            XCTAssertEqual(report.boundSource, "exact", "seed \(seed)")
            XCTAssertEqual(report.evaluatorCheck, .passed, "seed \(seed)")
            XCTAssertLessThan(run.clock.seconds, answerAt - 20, "seed \(seed): no early stop at the proof")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 6, "too few feasible seeds")
        // The same first instance without the exact search (and no other bound) ends unproved.
        let p = TestInstances.random(seed: 1, nodes: 7, edges: 10, maxStrategies: 4)
        let (run, answerAt) = makeRun(p, answerIn: 1, threads: 2) {
            $0.useDual = false
            $0.useExact = false
        }
        let report = run.run(answerAt: answerAt, timeout: 1, boundSeconds: 0) { _ in }
        XCTAssertNil(report.bound)
        XCTAssertEqual(report.status, .feasible)
    }

    /// A limit below the minimum-usage peak: the report says infeasible at once, with the
    /// reason, and no early answer goes out.
    func testInfeasibleInstanceIsReported() throws {
        var p = TestInstances.random(seed: 5, nodes: 12, edges: 15)
        let peak = InstanceStats.minimumUsagePeak(p)
        p.usageLimit = Int64(peak) - 1
        let (run, answerAt) = makeRun(p, answerIn: 30)
        var early = false
        let report = run.run(answerAt: answerAt, timeout: 30, boundSeconds: nil) { _ in early = true }
        XCTAssertFalse(early)
        XCTAssertEqual(report.status, .infeasible)
        XCTAssertEqual(report.stopReason, .infeasible)
        XCTAssertNil(report.solution)
        XCTAssertNil(report.bestCost)
        XCTAssertEqual(report.evaluatorCheck, SolverReport.EvaluatorCheck.none)
        let why = try XCTUnwrap(report.infeasibility)
        XCTAssertTrue(why.contains("usage limit \(peak - 1)"), why)
        XCTAssertLessThan(run.clock.seconds, answerAt - 20, "an infeasible instance needs no search time")
    }

    /// The workers' counters are visible while they are busy (the final report is made while
    /// they may still search; it once showed only the finished workers', e.g. "GLPK
    /// neighbourhoods 0"), and a stop request ends the run soon with the best so far (the
    /// workers once never returned after a stop: it was only looked at on every 16th budget
    /// check, which the outer loop never landed on).
    func testStopRequestEndsTheRunWithTheBestSoFar() throws {
        let p = TestInstances.random(seed: 77, nodes: 300, edges: 450, maxStrategies: 6,
                                     infiniteChance: 0.1, memory: true)
        let (run, answerAt) = makeRun(p, answerIn: 120, threads: 2) {
            $0.useDual = false
            $0.useExact = false
        }
        let done = DispatchSemaphore(value: 0)
        let box = ReportBox()
        DispatchQueue.global().async {
            box.report = run.run(answerAt: answerAt, timeout: 120, boundSeconds: 0) { _ in }
            done.signal()
        }
        // Counters appear within a few seconds while both workers are still running.
        let until = run.clock.seconds + 10
        var seen = SearchStats()
        while run.clock.seconds < until {
            seen = run.stats
            if seen.treeMoves + seen.eliminationMoves > 0 && seen.mipCalls > 0 { break }
            usleep(50_000)
        }
        let stillRunning = done.wait(timeout: .now()) == .timedOut
        let stoppedAt = run.clock.seconds
        run.requestStop()
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "run() did not return after the stop")
        XCTAssertTrue(stillRunning, "the run ended on its own")
        XCTAssertGreaterThan(seen.treeMoves + seen.eliminationMoves, 0)
        XCTAssertGreaterThan(seen.mipCalls, 0, "worker 1's GLPK solves")
        // Every GLPK step is one generator call, a fresh merge or an exact-mode whole solve.
        let generatorCalls = seen.lns.generators.reduce(0) { $0 + $1.calls }
        XCTAssertGreaterThan(generatorCalls + seen.lns.fresh.calls + seen.lns.whole.calls, 0)
        XCTAssertLessThanOrEqual(generatorCalls, seen.mipCalls)

        let report = try XCTUnwrap(box.report)
        XCTAssertEqual(report.stopReason, .stopRequest)
        XCTAssertEqual(report.status, .feasible)
        let solution = try XCTUnwrap(report.solution, "no best-so-far")
        XCTAssertEqual(try Evaluator.evaluate(p, solution).cost, report.bestCost)
        XCTAssertEqual(report.bestCost, run.store.snapshot.cost, "the report is the store's final state")
        XCTAssertGreaterThanOrEqual(report.endedAt, stoppedAt)
    }

    /// A work-limited run reports its counters, phases and times; the report survives a JSON
    /// round trip and its summary is `# ` lines led by the `# done` line scripts read.
    func testReportCarriesCountersPhasesAndSummary() throws {
        let p = TestInstances.random(seed: 11, nodes: 60, edges: 90, maxStrategies: 5)
        let (run, answerAt) = makeRun(p, answerIn: 60, maxIterations: 3000)
        let report = run.run(answerAt: answerAt, timeout: 60, boundSeconds: nil) { _ in }
        XCTAssertEqual(report.stopReason, .workLimit)
        XCTAssertEqual(report.phases.map(\.name), ["reduce", "start", "search"])
        XCTAssertTrue(report.phases.allSatisfy { $0.seconds >= 0 })
        XCTAssertGreaterThan(report.counters.treeMoves + report.counters.eliminationMoves, 0)
        XCTAssertGreaterThan(report.counters.dualIterations, 0, "worker 0's dual phase")
        XCTAssertGreaterThanOrEqual(report.improvements, 1)
        let found = try XCTUnwrap(report.bestFoundAt)
        XCTAssertLessThanOrEqual(found, report.endedAt)
        XCTAssertNotNil(report.bestSource)

        let json = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(SolverReport.self, from: json)
        XCTAssertEqual(back.status, report.status)
        XCTAssertEqual(back.stopReason, report.stopReason)
        XCTAssertEqual(back.bestCost, report.bestCost)
        XCTAssertEqual(back.solution, report.solution)
        XCTAssertEqual(back.counters.treeMoves, report.counters.treeMoves)
        XCTAssertEqual(back.phases.map(\.name), report.phases.map(\.name))
        let text = String(decoding: json, as: UTF8.self)
        XCTAssertTrue(text.contains("\"stopReason\":\"work limit\""), text)

        let lines = report.summaryLines
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("# ") }, "\(lines)")
        XCTAssertTrue(lines.first?.hasPrefix("# done (work limit) at ") ?? false, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("phases") && $0.contains("reduce ") }, "\(lines)")
    }

    /// The stop reason survives encoding, signals included.
    func testStopReasonCoding() throws {
        let reasons: [SolverReport.StopReason] = [.optimal, .time, .workLimit, .infeasible, .stopRequest, .signal(15)]
        for r in reasons {
            let back = try JSONDecoder().decode([SolverReport.StopReason].self, from: JSONEncoder().encode([r]))
            XCTAssertEqual(back, [r])
        }
        XCTAssertThrowsError(try JSONDecoder().decode([SolverReport.StopReason].self, from: Data("[\"later\"]".utf8)))
    }

    /// One thread and a work limit: two runs with the same seed make the same moves and find
    /// the same answer.
    func testWorkLimitedRunsAreDeterministic() throws {
        let p = TestInstances.random(seed: 21, nodes: 80, edges: 120, maxStrategies: 5)
        func once() throws -> SolverReport {
            let (run, answerAt) = makeRun(p, answerIn: 60, seed: 4, maxIterations: 4000)
            return run.run(answerAt: answerAt, timeout: 60, boundSeconds: nil) { _ in }
        }
        let a = try once(), b = try once()
        XCTAssertEqual(a.bestCost, b.bestCost)
        XCTAssertEqual(a.solution, b.solution)
        // Sorted keys: the encoder's key order is not stable between two encodings on Linux,
        // so unsorted output can differ with equal counters.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let ca = String(decoding: try encoder.encode(a.counters), as: UTF8.self)
        let cb = String(decoding: try encoder.encode(b.counters), as: UTF8.self)
        XCTAssertEqual(ca, cb)
        XCTAssertGreaterThan(a.counters.treeMoves, 0)
    }

    /// Without a work limit the run returns at its answer time (within a generous tolerance
    /// for a loaded machine), not before unless it proved optimality.
    func testDeadlineIsHonoured() throws {
        let p = TestInstances.random(seed: 77, nodes: 300, edges: 450, maxStrategies: 6,
                                     infiniteChance: 0.1, memory: true)
        let (run, answerAt) = makeRun(p, answerIn: 1.5, threads: 2)
        let report = run.run(answerAt: answerAt, timeout: 1.5, boundSeconds: nil) { _ in }
        let returned = run.clock.seconds
        XCTAssertLessThan(returned, answerAt + 1.0, "returned \(returned - answerAt) s after the answer time")
        if report.stopReason != .optimal {
            XCTAssertEqual(report.stopReason, .time)
            XCTAssertGreaterThanOrEqual(returned, answerAt - SolverRun.stopLead - 0.05)
        }
        XCTAssertEqual(report.evaluatorCheck, .passed)
    }
}

/// The report of a run on another thread.
private final class ReportBox: @unchecked Sendable {
    var report: SolverReport?
}
