import Foundation
import Model
import XCTest

/// `--seed S --threads 1` with a work limit (`--max-iterations`) instead of a time limit gives
/// the same answer every time: the run must not depend on the clock.
final class DeterminismTests: XCTestCase {
    /// Large: the work limit, not the clock, must end these runs.
    static var timeout: Double { Double(ProcessInfo.processInfo.environment["IOPDDL_DETERMINISM_TIMEOUT"] ?? "") ?? 120 }

    /// Two runs per (file, seed); the stdout lines (every printed solution, in order) must be
    /// identical, and the final answer feasible.
    private func expectDeterministic(
        _ path: String, seed: Int, iterations: Int = 2_000, runs: Int = 2, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let p = try ProblemReader.read(path: path)
        var outputs: [String] = []
        for _ in 0 ..< runs {
            let r = try Reliability.Child.iopddl(
                [path, String(Self.timeout), "--threads", "1", "--seed", String(seed), "--max-iterations", String(iterations)], killAfter: 120)
            let check = Reliability.checkSolve(r, p, timeout: Self.timeout)
            for problem in check.problems { XCTFail(problem + "\n" + r.summary(), file: file, line: line) }
            XCTAssertLessThan(r.seconds, Self.timeout / 2, "the work limit did not end the run: \(r.summary())", file: file, line: line)
            XCTAssertTrue(r.stderr.contains("done (work limit)"), r.summary(), file: file, line: line)
            outputs.append(r.stdout)
        }
        if outputs.dropFirst().contains(where: { $0 != outputs[0] }) {
            let kept = Reliability.keep([UInt8](FileManager.default.contents(atPath: path) ?? Data()), name: "determinism-" + (path.split(separator: "/").last.map(String.init) ?? "x"))
            XCTFail("reproduce: iopddl \(kept) \(Self.timeout) --threads 1 --seed \(seed) --max-iterations \(iterations) (twice)", file: file, line: line)
        }
        for o in outputs.dropFirst() {
            XCTAssertEqual(o.split(separator: "\n").last, outputs[0].split(separator: "\n").last,
                           "last lines differ between runs with --seed \(seed) on \(path)", file: file, line: line)
            XCTAssertEqual(o, outputs[0], "stdout differs between runs with --seed \(seed) on \(path)", file: file, line: line)
        }
        return String(outputs[0].split(separator: "\n").last ?? "")
    }

    func testTinyIsDeterministic() throws {
        let last = try expectDeterministic(CLI.example("tiny.json"), seed: 7)
        XCTAssertEqual(last, "[1, 0, 1, 0, 0]")
    }

    /// A 30-node random instance with a binding limit and infinite entries, two seeds.
    func testRandomInstanceIsDeterministic() throws {
        let dir = try Reliability.scratchDirectory("determinism")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inst = Reliability.randomInstance(seed: 30, nodes: 30, edges: 45, maxStrategies: 6, infiniteChance: 0.3,
                                              memory: .tight, arity3Chance: 0.05, timeline: 30)
        let path = dir + "/random-30.json"
        try Reliability.write(inst.bytes, to: path)
        _ = try expectDeterministic(path, seed: 7)
        _ = try expectDeterministic(path, seed: 8)
    }

    /// A larger instance where the search runs for a few seconds (debug build), so that
    /// time-based throttles inside the workers would show. (With --max-iterations 20000 the
    /// debug binary needs more than 15 s here; the clock then ends the run and the answers
    /// differ, as they must.)
    func testLargerInstanceIsDeterministic() throws {
        let dir = try Reliability.scratchDirectory("determinism-large")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inst = Reliability.randomInstance(seed: 300, nodes: 300, edges: 600, maxStrategies: 10, infiniteChance: 0.3,
                                              memory: .tight, timeline: 60)
        let path = dir + "/random-300.json"
        try Reliability.write(inst.bytes, to: path)
        _ = try expectDeterministic(path, seed: 7, iterations: 500)
    }

    /// When the clock ends a run that has a work limit, the final report must say so (it
    /// says "work limit" whenever --max-iterations is given).
    func testTheReportNamesWhatEndedTheRun() throws {
        let r = try Reliability.Child.iopddl([CLI.example("tiny.json"), "0.5", "--max-iterations", "1000000000"], killAfter: 20)
        XCTAssertEqual(r.exitCode, 0, r.summary())
        XCTAssertTrue(r.stderr.contains("done (time)"), r.summary())
    }
}
