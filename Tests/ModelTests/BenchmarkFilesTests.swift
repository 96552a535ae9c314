import Foundation
import Model
import XCTest

/// Reads the real contest instances in `../shared/benchmarks` (beside the repository; never
/// copied into it) and checks their sizes against `reference.csv`. Skips when the directory is
/// absent. `IOPDDL_BENCHMARKS=/path` points elsewhere.
///
/// All eight files (330 MB of JSON) take about 10 s in a debug build on this machine, so every
/// file is read in debug builds too.
final class BenchmarkFilesTests: XCTestCase {
    static var directory: String {
        if let env = ProcessInfo.processInfo.environment["IOPDDL_BENCHMARKS"], !env.isEmpty { return env }
        // #filePath = <repo>/Tests/ModelTests/BenchmarkFilesTests.swift
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/benchmarks").path
    }

    private func requireDirectory() throws -> String {
        let dir = Self.directory
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw XCTSkip("no benchmark directory at \(dir)")
        }
        return dir
    }

    /// benchmark name -> (nodes, edges), from reference.csv.
    private func reference(_ dir: String) throws -> [String: (nodes: Int, edges: Int)] {
        let text = try String(contentsOfFile: dir + "/reference.csv", encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let iName = try XCTUnwrap(header.firstIndex(of: "benchmark"), "reference.csv: no 'benchmark' column")
        let iNodes = try XCTUnwrap(header.firstIndex(of: "nodes"), "reference.csv: no 'nodes' column")
        let iEdges = try XCTUnwrap(header.firstIndex(of: "edges"), "reference.csv: no 'edges' column")
        var result: [String: (nodes: Int, edges: Int)] = [:]
        for (k, line) in lines.enumerated() {
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cols.count == header.count, let n = Int(cols[iNodes]), let m = Int(cols[iEdges]) else {
                XCTFail("reference.csv line \(k + 2): cannot read \"\(line)\"")
                continue
            }
            result[cols[iName]] = (n, m)
        }
        return result
    }

    func testEveryBenchmarkMatchesReferenceCounts() throws {
        let dir = try requireDirectory()
        let ref = try reference(dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json.gz") }.sorted()
        XCTAssertFalse(files.isEmpty, "no *.json.gz in \(dir)")
        var seen: Set<String> = []
        var report: [String] = []
        for file in files {
            let name = String(file.dropLast(".json.gz".count))
            guard let expected = ref[name] else {
                XCTFail("\(file): no row in reference.csv")
                continue
            }
            seen.insert(name)
            let start = Date()
            let (p, info) = try ProblemReader.readWithInfo(path: dir + "/" + file)
            let seconds = Date().timeIntervalSince(start)
            report.append("\(name): \(info.textBytes / 1_000_000) MB in \(String(format: "%.2f", seconds)) s")
            XCTAssertTrue(info.gzip, file)
            XCTAssertEqual(p.nodeCount, expected.nodes, "\(file): nodes")
            XCTAssertEqual(p.edgeCount, expected.edges, "\(file): edges")
            XCTAssertNotNil(p.usageLimit, "\(file): usage limit")
            // Every real instance joins pairs of nodes.
            for e in 0 ..< p.edgeCount where p.edgeNodeOffset[e + 1] - p.edgeNodeOffset[e] != 2 {
                XCTFail("\(file): edge \(e) has arity \(p.edgeNodeOffset[e + 1] - p.edgeNodeOffset[e])")
                break
            }
            // The minimum-usage solution fits (all these instances are feasible).
            if let limit = p.usageLimit {
                XCTAssertLessThanOrEqual(InstanceStats.minimumUsagePeak(p), Int128(limit), "\(file): minimum usages")
            }
        }
        XCTAssertEqual(seen, Set(ref.keys), "reference.csv rows without a file, or files without a row")
        print("benchmark read times (this build):\n  " + report.joined(separator: "\n  "))
    }

    func testExampleOptimum() throws {
        let dir = try requireDirectory()
        let p = try ProblemReader.read(path: dir + "/example.json")
        XCTAssertEqual(p.nodeCount, 5)
        XCTAssertEqual(p.edgeCount, 5)
        XCTAssertEqual(p.usageLimit, 50)
        let ev = try Evaluator.evaluate(p, [0, 0, 2, 1, 0])
        XCTAssertEqual(ev.cost, 445)
        XCTAssertEqual(ev.peakUsage, 50)
        XCTAssertTrue(ev.feasible)
        // 445 is the optimum: no feasible solution of the 2 * 3 * 2 = 12 is cheaper.
        for s1 in 0 ..< 2 {
            for s2 in 0 ..< 3 {
                for s3 in 0 ..< 2 {
                    let other = try Evaluator.evaluate(p, [0, s1, s2, s3, 0])
                    if other.feasible { XCTAssertGreaterThanOrEqual(other.cost, 445, "[0, \(s1), \(s2), \(s3), 0]") }
                }
            }
        }
    }
}
