import Foundation
import Model
import XCTest

/// Independent reading of a generated file through Foundation's JSONSerialization.
private struct ParsedInstance {
    var root: [String: Any]
    var name: String
    var intervals: [[Int64]]
    var nodeCosts: [[Int64]]
    var usages: [[Int64]]
    var edgeNodes: [[Int]]
    var edgeCosts: [[Int64]]
    var usageLimit: Int64?

    var nodeCount: Int { intervals.count }
    func k(_ i: Int) -> Int { nodeCosts[i].count }
}

private let infinity: Int64 = 1_000_000_000_000_000_000

private func tempPath(_ tag: String) -> String {
    NSTemporaryDirectory() + "iopddl-gen-\(tag)-\(getpid())-\(UUID().uuidString).json"
}

private func int64s(_ any: Any?, file: StaticString = #filePath, line: UInt = #line) -> [Int64] {
    guard let list = any as? [Any] else {
        XCTFail("expected a list", file: file, line: line)
        return []
    }
    return list.map { ($0 as! NSNumber).int64Value }
}

private func parse(_ path: String) throws -> ParsedInstance {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    XCTAssertEqual(Set(top.keys), ["problem"])
    let root = try XCTUnwrap(top["problem"] as? [String: Any])
    let nodes = try XCTUnwrap(root["nodes"] as? [String: Any])
    let edges = try XCTUnwrap(root["edges"] as? [String: Any])
    XCTAssertEqual(Set(nodes.keys), ["intervals", "costs", "usages"])
    XCTAssertEqual(Set(edges.keys), ["nodes", "costs"])
    let intervals = try XCTUnwrap(nodes["intervals"] as? [Any]).map { int64s($0) }
    let costs = try XCTUnwrap(nodes["costs"] as? [Any]).map { int64s($0) }
    let usages = try XCTUnwrap(nodes["usages"] as? [Any]).map { int64s($0) }
    let edgeNodes = try XCTUnwrap(edges["nodes"] as? [Any]).map { int64s($0).map { Int($0) } }
    let edgeCosts = try XCTUnwrap(edges["costs"] as? [Any]).map { int64s($0) }
    let limit = (root["usage_limit"] as? NSNumber)?.int64Value
    return ParsedInstance(
        root: root, name: try XCTUnwrap(root["name"] as? String), intervals: intervals,
        nodeCosts: costs, usages: usages, edgeNodes: edgeNodes, edgeCosts: edgeCosts,
        usageLimit: limit)
}

/// Peak over time of the minimum-usage solution, recomputed independently (time by time).
private func minUsagePeak(_ p: ParsedInstance) -> Int64 {
    var horizon: Int64 = 0
    for iv in p.intervals { horizon = max(horizon, iv[1]) }
    var live = [Int64](repeating: 0, count: Int(horizon) + 1)
    for i in 0..<p.nodeCount {
        let lo = p.intervals[i][0]
        let hi = p.intervals[i][1]
        guard hi > lo else { continue }
        let m = p.usages[i].min()!
        for t in Int(lo)..<Int(hi) { live[t] += m }
    }
    return live.max() ?? 0
}

final class GeneratorTests: XCTestCase {
    private func generate(_ config: SyntheticConfig, tag: String) throws -> (
        ParsedInstance, SyntheticSummary, String
    ) {
        let path = tempPath(tag)
        let summary = try writeSyntheticInstance(config, to: path)
        let parsed = try parse(path)
        return (parsed, summary, path)
    }

    private func small(seed: UInt64 = 7, tightness: Double = 1.1) -> SyntheticConfig {
        SyntheticConfig(
            nodes: 50, edges: 80, meanStrategies: 8, maxStrategies: 16, infiniteFraction: 0.4,
            memoryTightness: tightness, seed: seed, name: "small \"test\"")
    }

    func testSmallInstanceStructure() throws {
        let config = small()
        let (p, summary, path) = try generate(config, tag: "structure")
        defer { try? FileManager.default.removeItem(atPath: path) }

        XCTAssertEqual(p.name, "small \"test\"")
        XCTAssertEqual(p.nodeCount, 50)
        XCTAssertEqual(p.nodeCosts.count, 50)
        XCTAssertEqual(p.usages.count, 50)
        XCTAssertEqual(p.edgeNodes.count, 80)
        XCTAssertEqual(p.edgeCosts.count, 80)

        var strategies = 0
        for i in 0..<p.nodeCount {
            let iv = p.intervals[i]
            XCTAssertEqual(iv.count, 2)
            XCTAssertGreaterThanOrEqual(iv[0], 0)
            XCTAssertTrue(iv[0] < iv[1] || (iv[0] == 0 && iv[1] == 0), "interval \(iv) of node \(i)")
            XCTAssertGreaterThanOrEqual(p.k(i), 1)
            XCTAssertLessThanOrEqual(p.k(i), config.maxStrategies)
            XCTAssertEqual(p.usages[i].count, p.k(i))
            for c in p.nodeCosts[i] { XCTAssertTrue((0...1_000_000).contains(c)) }
            for u in p.usages[i] { XCTAssertTrue((0...100_000_000).contains(u)) }
            strategies += p.k(i)
        }

        var entries = 0
        for (e, pair) in p.edgeNodes.enumerated() {
            XCTAssertEqual(pair.count, 2)
            let (u, v) = (pair[0], pair[1])
            XCTAssertNotEqual(u, v)
            XCTAssertTrue((0..<50).contains(u) && (0..<50).contains(v))
            XCTAssertEqual(p.edgeCosts[e].count, p.k(u) * p.k(v), "table size of edge \(e)")
            for c in p.edgeCosts[e] {
                XCTAssertTrue(c == infinity || (0...10_000_000).contains(c), "entry \(c)")
            }
            entries += p.edgeCosts[e].count
        }

        let peak = minUsagePeak(p)
        XCTAssertGreaterThan(peak, 0)
        let limit = try XCTUnwrap(p.usageLimit)
        XCTAssertGreaterThanOrEqual(limit, peak)
        XCTAssertEqual(limit, Int64((Double(peak) * 1.1).rounded(.down)))

        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber
        XCTAssertEqual(summary.bytes, size.intValue)
        XCTAssertEqual(summary.nodes, 50)
        XCTAssertEqual(summary.edges, 80)
        XCTAssertEqual(summary.strategies, strategies)
        XCTAssertEqual(summary.edgeEntries, entries)
        XCTAssertEqual(summary.usageLimit, limit)
    }

    /// Every row and column of every table has a finite entry, and every minimum-usage solution
    /// (the planted one, any tie-breaking) uses only finite entries.
    func testPlantedSolutionIsFinite() throws {
        for seed: UInt64 in [7, 8, 9] {
            let (p, _, path) = try generate(small(seed: seed), tag: "planted")
            defer { try? FileManager.default.removeItem(atPath: path) }
            for (e, pair) in p.edgeNodes.enumerated() {
                let (u, v) = (pair[0], pair[1])
                let (ku, kv) = (p.k(u), p.k(v))
                let table = p.edgeCosts[e]
                for a in 0..<ku {
                    XCTAssertTrue((0..<kv).contains { table[a * kv + $0] < infinity }, "row \(a) of edge \(e)")
                }
                for b in 0..<kv {
                    XCTAssertTrue((0..<ku).contains { table[$0 * kv + b] < infinity }, "column \(b) of edge \(e)")
                }
                let minU = p.usages[u].min()!
                let minV = p.usages[v].min()!
                for a in 0..<ku where p.usages[u][a] == minU {
                    for b in 0..<kv where p.usages[v][b] == minV {
                        XCTAssertLessThan(table[a * kv + b], infinity, "edge \(e) at (\(a), \(b))")
                    }
                }
            }
        }
    }

    func testShapeOfMediumInstance() throws {
        let config = SyntheticConfig(
            nodes: 600, edges: 900, meanStrategies: 12, maxStrategies: 32, infiniteFraction: 0.4,
            memoryTightness: 1.1, seed: 42, name: "medium")
        let (p, summary, path) = try generate(config, tag: "medium")
        defer { try? FileManager.default.removeItem(atPath: path) }

        // Infinite entries: about the requested fraction, always exactly 1e18.
        var infinite = 0
        var total = 0
        for table in p.edgeCosts {
            for c in table {
                total += 1
                if c >= 1_000_000_000_000_000 {
                    XCTAssertEqual(c, infinity)
                    infinite += 1
                }
            }
        }
        let fraction = Double(infinite) / Double(total)
        XCTAssertTrue((0.3...0.5).contains(fraction), "infinite fraction \(fraction)")

        // Mean strategy count near the target; many 1-strategy nodes; max respected.
        let mean = Double(summary.strategies) / Double(p.nodeCount)
        XCTAssertTrue((9.0...15.0).contains(mean), "mean strategies \(mean)")
        XCTAssertGreaterThan((0..<p.nodeCount).filter { p.k($0) == 1 }.count, 60)

        // Parallel edges (same pair, either order), hubs, mostly nearby edges.
        var pairs: [Int: Int] = [:]
        var degree = [Int](repeating: 0, count: p.nodeCount)
        var nearby = 0
        for pair in p.edgeNodes {
            let key = min(pair[0], pair[1]) * 1_000_000 + max(pair[0], pair[1])
            pairs[key, default: 0] += 1
            degree[pair[0]] += 1
            degree[pair[1]] += 1
            if abs(pair[0] - pair[1]) <= 10 { nearby += 1 }
        }
        XCTAssertTrue(pairs.values.contains { $0 >= 2 }, "no parallel edge")
        XCTAssertGreaterThanOrEqual(degree.max()!, 24, "no hub")
        XCTAssertGreaterThan(nearby, p.edgeNodes.count / 2)

        // Intervals: some empty, some spanning most of the timeline, most short.
        let horizon = p.intervals.map { $0[1] }.max()!
        XCTAssertGreaterThan(p.intervals.filter { $0 == [0, 0] }.count, 0)
        XCTAssertGreaterThan(p.intervals.filter { $0[1] - $0[0] > horizon / 2 }.count, 5)
        XCTAssertGreaterThan(p.intervals.filter { $0[1] - $0[0] <= 10 && $0[1] > 0 }.count, 300)

        // Some zero costs, usages spread over orders of magnitude.
        XCTAssertTrue(p.nodeCosts.contains { $0.allSatisfy { $0 == 0 } })
        let allUsages = p.usages.flatMap { $0 }.filter { $0 > 0 }
        XCTAssertLessThan(allUsages.min()!, 100_000)
        XCTAssertGreaterThan(allUsages.max()!, 10_000_000)

        XCTAssertGreaterThanOrEqual(try XCTUnwrap(p.usageLimit), minUsagePeak(p))
    }

    func testDeterminism() throws {
        let a = tempPath("det-a")
        let b = tempPath("det-b")
        let c = tempPath("det-c")
        defer {
            for path in [a, b, c] { try? FileManager.default.removeItem(atPath: path) }
        }
        _ = try writeSyntheticInstance(small(seed: 11), to: a)
        _ = try writeSyntheticInstance(small(seed: 11), to: b)
        _ = try writeSyntheticInstance(small(seed: 12), to: c)
        let da = try Data(contentsOf: URL(fileURLWithPath: a))
        let db = try Data(contentsOf: URL(fileURLWithPath: b))
        let dc = try Data(contentsOf: URL(fileURLWithPath: c))
        XCTAssertEqual(da, db)
        XCTAssertNotEqual(da, dc)
    }

    func testNoTightnessOmitsUsageLimit() throws {
        for tightness in [0.0, -1.0] {
            let (p, summary, path) = try generate(small(tightness: tightness), tag: "nolimit")
            defer { try? FileManager.default.removeItem(atPath: path) }
            XCTAssertNil(p.root["usage_limit"])
            XCTAssertNil(p.usageLimit)
            XCTAssertNil(summary.usageLimit)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertFalse(text.contains("usage_limit"))
        }
    }

    func testExactFormatOfTinyInstance() throws {
        let config = SyntheticConfig(
            nodes: 3, edges: 2, meanStrategies: 1, maxStrategies: 1, infiniteFraction: 0.4,
            memoryTightness: 1, seed: 3, name: "tiny")
        let path = tempPath("tiny")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try writeSyntheticInstance(config, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("{\"problem\":{\"name\":\"tiny\",\"nodes\":{\"intervals\":[["))
        XCTAssertTrue(text.contains("]],\"costs\":[["))
        XCTAssertTrue(text.contains("]},\"edges\":{\"nodes\":[["))
        XCTAssertTrue(text.hasSuffix("}}"))
        XCTAssertFalse(text.contains(" "))
        XCTAssertFalse(text.contains("\n"))
        let p = try parse(path)
        // One strategy everywhere: every table is a single finite entry.
        XCTAssertEqual(p.edgeCosts.map { $0.count }, [1, 1])
        XCTAssertTrue(p.edgeCosts.allSatisfy { $0[0] < infinity })
        XCTAssertEqual(p.usageLimit, minUsagePeak(p))
    }

    func testDegenerateConfigs() throws {
        let path = tempPath("degenerate")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let empty = try writeSyntheticInstance(
            SyntheticConfig(nodes: 0, edges: 0, seed: 1, name: "empty"), to: path)
        XCTAssertEqual(empty.nodes, 0)
        let p = try parse(path)
        XCTAssertEqual(p.nodeCount, 0)
        XCTAssertEqual(p.edgeNodes.count, 0)
        XCTAssertEqual(p.usageLimit, 0)

        XCTAssertThrowsError(
            try writeSyntheticInstance(SyntheticConfig(nodes: 1, edges: 1), to: path))
        XCTAssertThrowsError(
            try writeSyntheticInstance(SyntheticConfig(nodes: 5, edges: 2), to: "/nonexistent-dir/x.json"))
    }

    func testLargestConfigShape() {
        let config = SyntheticConfig.largest(seed: 5)
        XCTAssertEqual(config.nodes, 62_000)
        XCTAssertEqual(config.edges, 91_000)
        XCTAssertEqual(config.meanStrategies, 20)
        XCTAssertEqual(config.seed, 5)
    }

    /// Writes the `largest` config and reports size and time. Only with IOPDDL_GEN_LARGE=1
    /// (use a release build); IOPDDL_GEN_KEEP=1 keeps the file (path printed).
    func testLargestInstanceTiming() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["IOPDDL_GEN_LARGE"] == "1" else {
            throw XCTSkip("set IOPDDL_GEN_LARGE=1 to write the largest synthetic instance")
        }
        let path = env["IOPDDL_GEN_PATH"] ?? "/tmp/iopddl-synthetic-largest.json"
        let keep = env["IOPDDL_GEN_KEEP"] == "1"
        defer { if !keep { try? FileManager.default.removeItem(atPath: path) } }
        let start = Date()
        let summary = try writeSyntheticInstance(.largest(seed: 1), to: path)
        let seconds = Date().timeIntervalSince(start)
        print(
            "largest synthetic: \(summary.bytes) bytes (\(String(format: "%.3f", Double(summary.bytes) / 1e9)) GB), "
                + "\(summary.nodes) nodes, \(summary.edges) edges, \(summary.strategies) strategies, "
                + "\(summary.edgeEntries) edge entries, limit \(summary.usageLimit.map(String.init) ?? "none"), "
                + "\(String(format: "%.2f", seconds)) s -> \(path)")
        XCTAssertGreaterThan(summary.bytes, 1_000_000_000)
    }
}
