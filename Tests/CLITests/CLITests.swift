import Foundation
import Model
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Golden tests of the built `iopddl` binary: stdout, stderr and exit code.
///
/// The binary is looked up beside the test bundle (`.build/debug/iopddl`; `swift build
/// --build-tests` builds both), or taken from `IOPDDL_BINARY`.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double

    var stdoutLines: [Substring] { stdout.split(separator: "\n", omittingEmptySubsequences: true) }
    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
    var lastLine: String? { stdoutLines.last.map(String.init) }
    var summary: String { "exit \(status) after \(String(format: "%.2f", seconds)) s\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

enum CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func example(_ name: String) -> String { repo.appendingPathComponent("examples/\(name)").path }

    static func binary() throws -> String {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["IOPDDL_BINARY"], !env.isEmpty { return env }
        var dirs: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        if let self_ = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dirs.append(URL(fileURLWithPath: self_).deletingLastPathComponent())
        }
        for dir in dirs {
            let candidate = dir.appendingPathComponent("iopddl").path
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        XCTFail("no iopddl binary beside the test bundle (looked in \(dirs.map(\.path))); run `swift build --build-tests` first or set IOPDDL_BINARY")
        throw XCTSkip("no binary")
    }

    static func tempFile(_ text: String, _ tag: String) throws -> String {
        let p = NSTemporaryDirectory() + "iopddl-clitest-\(getpid())-\(tag)-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Runs the binary; kills it after `killAfter` seconds (a hang is a failure, not a stuck suite).
    /// `sigtermAfter` sends SIGTERM once, that many seconds after the start.
    static func run(_ args: [String], stdin: String? = nil, sigtermAfter: Double? = nil, killAfter: Double = 60) throws -> RunResult {
        let outPath = try tempFile("", "out")
        let errPath = try tempFile("", "err")
        let inPath = try tempFile(stdin ?? "", "in")
        defer {
            for p in [outPath, errPath, inPath] { try? FileManager.default.removeItem(atPath: p) }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary())
        p.arguments = args
        p.currentDirectoryURL = repo
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let inHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = inHandle
        let start = Date()
        try p.run()
        var signalled = false
        while p.isRunning {
            if let t = sigtermAfter, !signalled, Date().timeIntervalSince(start) > t {
                kill(p.processIdentifier, SIGTERM)
                signalled = true
            }
            if Date().timeIntervalSince(start) > killAfter {
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(5_000)
        }
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try outHandle.close()
        try errHandle.close()
        try inHandle.close()
        let out = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self)
        let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        return RunResult(status: p.terminationStatus, stdout: out, stderr: err, seconds: seconds)
    }

    /// Solve runs are shared between tests (each costs its timeout in wall time).
    nonisolated(unsafe) private static var solved: [String: RunResult] = [:]

    static func solve(_ example: String, timeout: String) throws -> RunResult {
        let key = example + " " + timeout
        if let r = solved[key] { return r }
        let r = try run([Self.example(example), timeout])
        solved[key] = r
        return r
    }
}

/// The golden output of `iopddl evaluate examples/tiny.json` on its optimum (examples/README.md).
let tinyOptimumReport = """
    cost: 54
    node_cost: 48
    edge_cost: 6
    infinite_terms: 0
    peak: 9
    peak_time: 2
    limit: 12
    feasible: yes

    """

final class CLITests: XCTestCase {
    // MARK: - Helpers

    /// The contract of a solve run: exit 0, done within the timeout (+0.5 s), the last stdout
    /// line a bracketed list; returns it parsed and checked by the evaluator.
    private func checkSolveRun(
        _ r: RunResult, timeout: Double, _ problem: Problem, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (solution: [Int], evaluation: Evaluation) {
        XCTAssertEqual(r.status, 0, r.summary, file: file, line: line)
        XCTAssertLessThanOrEqual(r.seconds, timeout + 0.5, "finished late: \(r.summary)", file: file, line: line)
        let last = try XCTUnwrap(r.lastLine, "no stdout: \(r.summary)", file: file, line: line)
        XCTAssertTrue(last.hasPrefix("[") && last.hasSuffix("]"), "last line \(last)", file: file, line: line)
        XCTAssertTrue(r.stdout.hasSuffix("\n"), "the last line is not terminated", file: file, line: line)
        let solution = try SolutionParser.parse(last)
        let ev = try Evaluator.evaluate(problem, solution)
        XCTAssertTrue(ev.feasible, "infeasible answer \(last)", file: file, line: line)
        return (solution, ev)
    }

    /// Bad input: exit 2, exactly one `error:` line on stderr (the first), nothing on stdout that
    /// looks like a solution.
    private func checkBadInput(
        _ args: [String], mentions: String, stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try CLI.run(args, stdin: stdin)
        XCTAssertFalse(r.stdoutLines.contains { $0.hasPrefix("[") }, "solution-like stdout: \(r.summary)", file: file, line: line)
        XCTAssertEqual(r.stderrLines.filter { $0.hasPrefix("error:") }.count, 1, r.summary, file: file, line: line)
        XCTAssertTrue(r.stderrLines.first?.hasPrefix("error: ") ?? false, r.summary, file: file, line: line)
        XCTAssertTrue(r.stderr.lowercased().contains(mentions.lowercased()), "stderr lacks \"\(mentions)\": \(r.summary)",
                      file: file, line: line)
        XCTAssertLessThan(r.seconds, 5, r.summary, file: file, line: line)
        XCTAssertEqual(r.status, 2, r.summary, file: file, line: line)
    }

    // MARK: - Solve (the contest contract)

    func testSolveTinyIsFeasibleWithinTimeout() throws {
        let r = try CLI.solve("tiny.json", timeout: "2")
        let (solution, ev) = try checkSolveRun(r, timeout: 2, try ProblemReader.read(path: CLI.example("tiny.json")))
        XCTAssertEqual(solution.count, 5)
        XCTAssertLessThanOrEqual(ev.peakUsage, 12)
        // Earlier stdout lines (an early answer) are solutions too; nothing else goes to stdout.
        for l in r.stdoutLines { XCTAssertTrue(l.hasPrefix("[") || l.hasPrefix("#"), "stray stdout line \(l)") }
        // The independent CLI evaluator accepts the answer as feasible, piped through stdin.
        let e = try CLI.run(["evaluate", CLI.example("tiny.json"), "-"], stdin: r.stdout)
        XCTAssertEqual(e.status, 0, e.summary)
        XCTAssertTrue(e.stdoutLines.contains("feasible: yes"), e.summary)
        XCTAssertTrue(e.stdoutLines.contains("cost: \(ev.cost)"), e.summary)
    }

    func testSolveTinyFindsOptimum() throws {
        let r = try CLI.solve("tiny.json", timeout: "2")
        let (solution, ev) = try checkSolveRun(r, timeout: 2, try ProblemReader.read(path: CLI.example("tiny.json")))
        XCTAssertEqual(ev.cost, 54, "answer \(solution)")
        XCTAssertEqual(solution, [1, 0, 1, 0, 0])
    }

    func testSolveNoLimitFindsOptimum() throws {
        let r = try CLI.solve("no-limit.json", timeout: "1")
        let (solution, ev) = try checkSolveRun(r, timeout: 1, try ProblemReader.read(path: CLI.example("no-limit.json")))
        XCTAssertEqual(ev.cost, 35, "answer \(solution)")
        XCTAssertEqual(solution, [1, 1, 0, 0, 0])
    }

    func testSolveArity3IsFeasible() throws {
        let r = try CLI.solve("arity3.json", timeout: "1")
        _ = try checkSolveRun(r, timeout: 1, try ProblemReader.read(path: CLI.example("arity3.json")))
    }

    func testSolveArity3FindsOptimum() throws {
        let r = try CLI.solve("arity3.json", timeout: "1")
        let (solution, ev) = try checkSolveRun(r, timeout: 1, try ProblemReader.read(path: CLI.example("arity3.json")))
        XCTAssertEqual(ev.cost, 14, "answer \(solution)")
        XCTAssertEqual(solution, [1, 1, 1])
    }

    func testSolveInfeasiblePrintsEmptyList() throws {
        let r = try CLI.run([CLI.example("infeasible.json"), "1"])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertEqual(r.lastLine, "[]", r.summary)
        XCTAssertLessThanOrEqual(r.seconds, 1.5, r.summary)
        XCTAssertTrue(r.stderr.contains("no feasible solution"), r.summary)
        XCTAssertTrue(r.stderr.contains("usage limit 9"), r.summary)
        XCTAssertFalse(r.stderrLines.contains { $0.hasPrefix("error:") }, "infeasibility is an answer, not an error")
    }

    func testSolveShortTimeout() throws {
        // Below the default safety margin (0.15 s): still an answer, still on time.
        let r = try CLI.run([CLI.example("tiny.json"), "0.2"])
        _ = try checkSolveRun(r, timeout: 0.2, try ProblemReader.read(path: CLI.example("tiny.json")))
    }

    func testSolveSIGTERMPrintsBestSoFar() throws {
        // Without the exact search, which proves tiny's optimum at once and ends the run.
        let r = try CLI.run([CLI.example("tiny.json"), "30", "--no-exact"], sigtermAfter: 0.5, killAfter: 10)
        // Exit 0 soon after the signal, with a feasible answer as the last line.
        let (_, ev) = try checkSolveRun(r, timeout: 1.0, try ProblemReader.read(path: CLI.example("tiny.json")))
        XCTAssertLessThanOrEqual(ev.cost, 81)  // no worse than the minimum-usage start
        XCTAssertTrue(r.stderr.contains("signal 15"), r.summary)
    }

    func testSolveSubcommandSpelledOut() throws {
        let r = try CLI.run(["solve", CLI.example("no-limit.json"), "0.5", "--quiet"])
        let (_, ev) = try checkSolveRun(r, timeout: 0.5, try ProblemReader.read(path: CLI.example("no-limit.json")))
        XCTAssertEqual(ev.cost, 35)
        XCTAssertEqual(r.stderr, "", "--quiet still wrote: \(r.stderr)")
    }

    // MARK: - Solve: bad input

    func testSolveNonexistentFile() throws {
        try checkBadInput(["/nonexistent/problem.json", "1"], mentions: "/nonexistent/problem.json: cannot open")
    }

    func testSolveDirectory() throws {
        try checkBadInput([CLI.repo.appendingPathComponent("examples").path, "1"], mentions: "is a directory")
    }

    func testSolveMalformedJSON() throws {
        let p = try CLI.tempFile("{\"problem\": {\"nodes\": {\"intervals\": [[0, 1]], \"costs\": [[1, 2.5]]", "bad.json")
        defer { try? FileManager.default.removeItem(atPath: p) }
        try checkBadInput([p, "1"], mentions: "problem.nodes.costs[0][1]: expected an integer")
    }

    func testSolveEdgeTableOfWrongSize() throws {
        let p = try CLI.tempFile("""
            {"problem": {"nodes": {"intervals": [[0, 1], [0, 1]], "costs": [[1, 2, 3], [1, 2, 3, 4]],
            "usages": [[0, 0, 0], [0, 0, 0, 0]]}, "edges": {"nodes": [[0, 1]], "costs": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}}}
            """, "table.json")
        defer { try? FileManager.default.removeItem(atPath: p) }
        try checkBadInput([p, "1"], mentions: "problem.edges.costs[0]: expected 12 entries (3 x 4 strategies), found 11")
    }

    func testSolveTimeoutZero() throws {
        try checkBadInput([CLI.example("tiny.json"), "0"], mentions: "TIMEOUT_SECONDS")
    }

    func testSolveNegativeTimeout() throws {
        // ArgumentParser reads "-1" as an option; the message says the timeout is missing.
        try checkBadInput([CLI.example("tiny.json"), "-1"], mentions: "timeout")
    }

    func testSolveNegativeTimeoutAfterDoubleDash() throws {
        try checkBadInput(["--", CLI.example("tiny.json"), "-1"], mentions: "TIMEOUT_SECONDS must be a positive number")
    }

    func testSolveNonNumericTimeout() throws {
        try checkBadInput([CLI.example("tiny.json"), "abc"], mentions: "'abc'")
    }

    func testSolveInfiniteTimeout() throws {
        try checkBadInput([CLI.example("tiny.json"), "inf"], mentions: "TIMEOUT_SECONDS")
    }

    func testSolveMissingArguments() throws {
        try checkBadInput([], mentions: "missing")
    }

    func testSolveMissingTimeout() throws {
        try checkBadInput([CLI.example("tiny.json")], mentions: "timeout")
    }

    func testSolveTooManyArguments() throws {
        try checkBadInput([CLI.example("tiny.json"), "1", "extra"], mentions: "extra")
    }

    // MARK: - Evaluate

    func testEvaluateOptimumGolden() throws {
        let sol = try CLI.tempFile("[1, 0, 1, 0, 0]\n", "sol")
        defer { try? FileManager.default.removeItem(atPath: sol) }
        let r = try CLI.run(["evaluate", CLI.example("tiny.json"), sol])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertEqual(r.stdout, tinyOptimumReport)
        XCTAssertEqual(r.stderr, "")
    }

    func testEvaluateFromStdin() throws {
        // Solver output piped in: progress lines and an early answer before the final line.
        let r = try CLI.run(["evaluate", CLI.example("tiny.json"), "-"],
                            stdin: "# progress\n[0, 0, 0, 0, 0]\n[1, 0, 1, 0, 0]\n")
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertEqual(r.stdout, tinyOptimumReport)
    }

    func testEvaluateInfeasibleSolution() throws {
        let r = try CLI.run(["evaluate", CLI.example("tiny.json"), "-"], stdin: "[1, 1, 0, 0, 0]\n")
        XCTAssertEqual(r.status, 1, r.summary)
        XCTAssertEqual(r.stdout, """
            cost: 35
            node_cost: 29
            edge_cost: 6
            infinite_terms: 0
            peak: 16
            peak_time: 4
            limit: 12
            feasible: no

            """)
        XCTAssertEqual(r.stderr, "error: solution is infeasible: memory limit 12 exceeded by 1 at time 2; largest live node there: 1 (strategy 1, usage 7)\n")
    }

    func testEvaluateNoLimit() throws {
        let r = try CLI.run(["evaluate", CLI.example("no-limit.json"), "-"], stdin: "[1, 1, 0, 0, 0]")
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.stdoutLines.contains("cost: 35"), r.summary)
        XCTAssertTrue(r.stdoutLines.contains("limit: none"), r.summary)
        XCTAssertTrue(r.stdoutLines.contains("feasible: yes"), r.summary)
    }

    func testEvaluateWrongLength() throws {
        try checkBadInput(["evaluate", CLI.example("tiny.json"), "-"], mentions: "solution has 2 entries, the problem has 5 nodes",
                          stdin: "[1, 0]\n")
    }

    func testEvaluateStrategyOutOfRange() throws {
        try checkBadInput(["evaluate", CLI.example("tiny.json"), "-"], mentions: "node 2: strategy 3 is out of range 0..<3",
                          stdin: "[1, 0, 3, 0, 0]\n")
    }

    func testEvaluateGarbageSolution() throws {
        try checkBadInput(["evaluate", CLI.example("tiny.json"), "-"], mentions: "no solution line", stdin: "hello\n")
    }

    func testEvaluateMissingSolutionFile() throws {
        try checkBadInput(["evaluate", CLI.example("tiny.json"), "/nonexistent/sol.txt"], mentions: "/nonexistent/sol.txt: cannot open")
    }

    func testEvaluateMalformedProblem() throws {
        let p = try CLI.tempFile("[1, 2, 3]", "bad.json")
        defer { try? FileManager.default.removeItem(atPath: p) }
        try checkBadInput(["evaluate", p, "-"], mentions: "expected a JSON object at the top level", stdin: "[0]\n")
    }

    // MARK: - Stats and help

    func testStats() throws {
        let r = try CLI.run(["stats", CLI.example("tiny.json")])
        XCTAssertEqual(r.status, 0, r.summary)
        for expected in ["name: tiny", "nodes: 5", "edges: 5", "usage_limit: 12", "live_nodes: 4", "maximal_cliques: 3",
                         "feasible: yes"] {
            XCTAssertTrue(r.stdoutLines.contains(Substring(expected)), "no line \"\(expected)\": \(r.summary)")
        }
        // Minimum usages: 2, 3, 2, 5 -> t2-3: 2 + 3 = 5, t4-5: 3 + 2 = 5, t6-7: 2 + 5 = 7.
        XCTAssertTrue(r.stdoutLines.contains { $0.hasPrefix("min_usage_peak: 7 ") }, r.summary)
    }

    func testStatsInfeasible() throws {
        let r = try CLI.run(["stats", CLI.example("infeasible.json")])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.stdoutLines.contains { $0.hasPrefix("feasible: no") }, r.summary)
    }

    func testStatsBadFile() throws {
        try checkBadInput(["stats", "/nonexistent/x.json"], mentions: "cannot open")
    }

    func testHelpMentionsTheContract() throws {
        let r = try CLI.run(["--help"])
        XCTAssertEqual(r.status, 0, r.summary)
        let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["iopddl PROBLEM TIMEOUT_SECONDS", "last stdout line", "[s0, s1, ...]", "[]", "evaluate", "stats"] {
            XCTAssertTrue(text.contains(phrase), "help lacks \"\(phrase)\": \(r.stdout)")
        }
        XCTAssertFalse(r.stdoutLines.contains { $0.hasPrefix("[") })
    }

    func testSubcommandHelp() throws {
        let r = try CLI.run(["evaluate", "--help"])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.stdout.contains("USAGE"), r.summary)
    }

    // MARK: - The certified bound in the solve report

    /// The `# done` line's status, best cost and bound (nil when it states `bound none`).
    private func doneReport(_ r: RunResult, file: StaticString = #filePath, line: UInt = #line) throws
        -> (status: String, best: Int128, bound: Int128?)
    {
        let done = try XCTUnwrap(r.stderrLines.last { $0.hasPrefix("# done") }, "no done line: \(r.summary)", file: file, line: line)
        let words = done.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        func after(_ w: String) -> String? { words.firstIndex(of: w).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
        let status = try XCTUnwrap(after("status"), String(done), file: file, line: line)
        let best = try XCTUnwrap(after("best").flatMap { Int128($0) }, String(done), file: file, line: line)
        let bound = after("bound").flatMap { Int128($0) }
        return (status, best, bound)
    }

    /// The final report states a bound that is at most the printed answer's cost (checked by
    /// the evaluator), with the gap, and says "optimal" exactly when they meet (on this small
    /// instance they do, after a second or two in a debug build).
    func testSolveReportCarriesBoundBelowCost() throws {
        let path = try CLI.tempFile("", "bound-report") + ".json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let g = try CLI.run(["generate", path, "--nodes", "100", "--edges", "150", "--seed", "3",
                             "--mean-strategies", "8", "--max-strategies", "16", "--tightness", "1.02"])
        XCTAssertEqual(g.status, 0, g.summary)
        let r = try CLI.run([path, "3", "--bound-seconds", "0.5"])
        let (_, ev) = try checkSolveRun(r, timeout: 3, try ProblemReader.read(path: path))
        let report = try doneReport(r)
        XCTAssertEqual(report.best, ev.cost, r.summary)
        let bound = try XCTUnwrap(report.bound, "no bound: \(r.summary)")
        XCTAssertGreaterThan(bound, 0, r.summary)
        XCTAssertLessThanOrEqual(bound, ev.cost, r.summary)
        XCTAssertEqual(report.status, bound == ev.cost ? "optimal" : "feasible", r.summary)
        XCTAssertTrue(r.stderrLines.last { $0.hasPrefix("# done") }?.contains("gap ") ?? false, r.summary)
    }

    /// tiny.json (optimum 54, 2 nodes after reduction): the exact search proves the optimum and
    /// the run stops long before its timeout, with the bound from "exact".
    func testSolveProvesTinyOptimalWithTheExactSearch() throws {
        let problem = try ProblemReader.read(path: CLI.example("tiny.json"))
        let r = try CLI.run([CLI.example("tiny.json"), "10"])
        let (_, ev) = try checkSolveRun(r, timeout: 10, problem)
        let report = try doneReport(r)
        XCTAssertEqual(ev.cost, 54, r.summary)
        XCTAssertEqual(report.bound, 54, r.summary)
        XCTAssertEqual(report.status, "optimal", r.summary)
        XCTAssertTrue(r.stderr.contains("bound 54 from exact"), r.summary)
        XCTAssertLessThan(r.seconds, 5, "no early stop: \(r.summary)")
    }

    /// When the bound meets the cost the run stops early and says "optimal" (no-limit.json:
    /// optimum 35, reached by the first bound); with --bound-seconds 0 and --no-exact there is
    /// no bound and the run uses its time.
    func testSolveStopsWhenTheBoundProvesOptimality() throws {
        let problem = try ProblemReader.read(path: CLI.example("no-limit.json"))
        let r = try CLI.run([CLI.example("no-limit.json"), "5"])
        let (_, ev) = try checkSolveRun(r, timeout: 5, problem)
        let report = try doneReport(r)
        XCTAssertEqual(ev.cost, 35, r.summary)
        XCTAssertEqual(report.bound, 35, r.summary)
        XCTAssertEqual(report.status, "optimal", r.summary)
        XCTAssertTrue(r.stderr.contains("# done (optimal)"), r.summary)
        XCTAssertLessThan(r.seconds, 2.5, "no early stop: \(r.summary)")
        let off = try CLI.run([CLI.example("no-limit.json"), "1", "--bound-seconds", "0", "--no-exact"])
        _ = try checkSolveRun(off, timeout: 1, problem)
        let offReport = try doneReport(off)
        XCTAssertNil(offReport.bound, off.summary)
        XCTAssertEqual(offReport.status, "feasible", off.summary)
        XCTAssertTrue(off.stderr.contains("bound none"), off.summary)
    }
}
