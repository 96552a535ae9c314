import Foundation
import Model
import XCTest

/// `iopddl generate --from FILE ...`: derived instances through the built binary.
final class GenerateFromTests: XCTestCase {
    private var paths: [String] = []

    override func tearDown() {
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
        paths = []
    }

    private func temp(_ suffix: String) throws -> String {
        let p = try CLI.tempFile("", "from") + suffix
        paths.append(p)
        paths.append(String(p.dropLast(suffix.count)))
        return p
    }

    /// A small synthetic source: 150 nodes, 40% of entries 1e18, limit 1.1 x the least peak.
    private func source() throws -> String {
        let path = try temp(".json")
        let g = try CLI.run(["generate", path, "--nodes", "150", "--edges", "220", "--seed", "9",
                             "--mean-strategies", "8", "--max-strategies", "16"])
        XCTAssertEqual(g.status, 0, g.summary)
        return path
    }

    private func generate(_ args: [String]) throws -> RunResult {
        try CLI.run(["generate"] + args)
    }

    func testDerivedInstanceReadsBackWithWhatWasAsked() throws {
        let src = try source()
        let original = try ProblemReader.read(path: src)
        let out = try temp(".json.gz")
        let r = try generate(["--from", src, "--add-edges", "120", "--infinite-share", "0.55",
                              "--strategy-factor", "2", "--limit-factor", "1.02", "--seed", "5", "-o", out])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.stdout.hasPrefix("wrote \(out): "), r.summary)
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertEqual(Array(data.prefix(2)), [0x1F, 0x8B], "not gzip")
        let p = try ProblemReader.read(path: out)
        XCTAssertEqual(p.name, "\(original.name)-add120-inf0.55-strategies2.0x-limit1.02x-seed5")
        XCTAssertEqual(p.nodeCount, original.nodeCount)
        XCTAssertEqual(p.edgeCount, original.edgeCount + 120)
        XCTAssertEqual(Double(p.strategyTotal) / Double(original.strategyTotal), 2, accuracy: 0.1)
        // Added tables follow the source's (extended) ones.
        let addedFrom = p.edgeCostOffset[original.edgeCount]
        let added = p.edgeCost[addedFrom...]
        let share = Double(added.filter { $0 >= Problem.infinity }.count) / Double(added.count)
        XCTAssertEqual(share, 0.55, accuracy: 0.01)
        let reference = p.minimumUsageSolution()
        XCTAssertEqual(reference, original.minimumUsageSolution())
        let ev = try Evaluator.evaluate(p, reference)
        let peak = try XCTUnwrap(Int64(exactly: ev.peakUsage))
        XCTAssertEqual(p.usageLimit, Int64((Double(peak) * 1.02).rounded(.down)))
        XCTAssertTrue(ev.feasible)
        var finiteOnAdded = 0
        for e in original.edgeCount ..< p.edgeCount {
            let n = p.edgeNodeList(e).map { Int($0) }
            let index = reference[n[0]] * p.strategyCount(n[1]) + reference[n[1]]
            if p.edgeCost[p.edgeCostOffset[e] + index] < Problem.infinity { finiteOnAdded += 1 }
        }
        XCTAssertEqual(finiteOnAdded, 120)
    }

    /// --keep-finite: the given solution is finite on every added edge.
    func testKeepFiniteSolution() throws {
        let src = try source()
        let original = try ProblemReader.read(path: src)
        let solution = (0 ..< original.nodeCount).map { original.strategyCount($0) - 1 }
        let file = try temp(".txt")
        try Data(SolutionParser.format(solution).utf8).write(to: URL(fileURLWithPath: file))
        let out = try temp(".json")
        let r = try generate(["--from", src, "--add-edges", "80", "--infinite-share", "0.9", "--keep-finite", file,
                              "--seed", "2", "-o", out])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.stdout.contains("kept/planted solution cost"), r.summary)
        let p = try ProblemReader.read(path: out)
        var finite = 0
        for e in original.edgeCount ..< p.edgeCount {
            let n = p.edgeNodeList(e).map { Int($0) }
            if p.edgeCost[p.edgeCostOffset[e] + solution[n[0]] * p.strategyCount(n[1]) + solution[n[1]]] < Problem.infinity {
                finite += 1
            }
        }
        XCTAssertEqual(finite, 80)
    }

    func testSameSeedSameFileOtherSeedOtherFile() throws {
        let src = try source()
        var files: [Data] = []
        for seed in ["3", "3", "4"] {
            let out = try temp(".json.gz")
            let r = try generate(["--from", src, "--add-edges", "50", "--infinite-share", "0.6",
                                  "--strategy-factor", "1.5", "--seed", seed, "-o", out])
            XCTAssertEqual(r.status, 0, r.summary)
            files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(files[0], files[1])
        XCTAssertNotEqual(files[0], files[2])
    }

    /// The synthetic mode is unchanged; `-o` names the same output as the argument.
    func testSyntheticModeWithDashO() throws {
        let a = try temp(".json"), b = try temp(".json")
        XCTAssertEqual(try generate([a, "--nodes", "40", "--edges", "60", "--seed", "2"]).status, 0)
        XCTAssertEqual(try generate(["-o", b, "--nodes", "40", "--edges", "60", "--seed", "2"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
    }

    private func checkError(_ args: [String], mentions option: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try generate(args)
        XCTAssertEqual(r.status, 2, r.summary, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("error: "), r.summary, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(option), "expected \(option) named: \(r.summary)", file: file, line: line)
    }

    func testBadOptionsNameTheOption() throws {
        let src = try source()
        let out = try temp(".json")
        try checkError(["--from", src, "--add-edges", "-5", "-o", out], mentions: "--add-edges")
        try checkError(["--from", src, "--add-edges", "5", "--infinite-share", "1", "-o", out], mentions: "--infinite-share")
        try checkError(["--from", src, "--add-edges", "5", "--infinite-share", "1.5", "-o", out], mentions: "--infinite-share")
        try checkError(["--from", src, "--add-edges", "5", "--infinite-share", "-0.2", "-o", out], mentions: "--infinite-share")
        try checkError(["--from", src, "--strategy-factor", "0.5", "-o", out], mentions: "--strategy-factor")
        try checkError(["--from", src, "--limit-factor", "0.9", "-o", out], mentions: "--limit-factor")
        try checkError(["--from", src + ".missing", "--add-edges", "5", "-o", out], mentions: "--from")
        try checkError(["--from", src, "--nodes", "5", "-o", out], mentions: "--nodes")
        try checkError(["--from", src, "--add-edges", "5", "--keep-finite", src + ".missing", "-o", out],
                       mentions: "--keep-finite")
        try checkError(["--from", src, "--add-edges", "5", "--keep-finite", CLI.example("tiny.json"), "-o", out],
                       mentions: "--keep-finite")
        try checkError(["--from", src, "--add-edges", "5", "--plant", src + ".missing", "-o", out], mentions: "--plant")
        try checkError(["--from", src, "--plant", src, "-o", out], mentions: "--plant")
        try checkError([out, "--add-edges", "5"], mentions: "--add-edges")
        try checkError(["--from", src, "--add-edges", "5"], mentions: "output")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a failed run left \(out)")
    }

    func testInfeasibleSourceIsAnError() throws {
        let r = try generate(["--from", CLI.example("infeasible.json"), "--add-edges", "2", "-o", try temp(".json")])
        XCTAssertEqual(r.status, 2, r.summary)
        XCTAssertTrue(r.stderr.contains("no feasible solution"), r.summary)
    }
}
