import Foundation
import XCTest

/// `evaluate --json` and `stats --json`: one JSON object as the last stdout line, after the
/// `key: value` lines, with the same facts, exit codes unchanged. The objects are checked field
/// by field here; Tests/bench/test_json_schema.py validates them against docs/schemas.
final class JSONOutputTests: XCTestCase {
    func lastObject(_ r: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let last = try XCTUnwrap(r.lastLine, "no stdout: \(r.summary)", file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(last.utf8))
        return try XCTUnwrap(object as? [String: Any], "last line is not a JSON object: \(last)", file: file, line: line)
    }

    func testEvaluateJSONOnTinysOptimumFollowsTheGoldenLines() throws {
        let solution = try CLI.tempFile("[1, 0, 1, 0, 0]\n", "sol")
        defer { try? FileManager.default.removeItem(atPath: solution) }
        let r = try CLI.run(["evaluate", CLI.example("tiny.json"), solution, "--json"])
        XCTAssertEqual(r.status, 0, r.summary)
        // The human lines are unchanged (examples/README.md), then the object.
        let human = r.stdoutLines.dropLast().joined(separator: "\n")
        XCTAssertEqual(human, tinyOptimumReport.trimmingCharacters(in: .newlines))
        XCTAssertEqual(r.lastLine, """
            {"cost": 54, "node_cost": 48, "edge_cost": 6, "infinite_terms": 0, "peak": 9, "peak_time": 2, "limit": 12, "feasible": true, "violation": null}
            """)
    }

    func testEvaluateJSONOnAnInfeasibleSolutionNamesTheViolationAndExitsOne() throws {
        // [1, 1, 0, 0, 0]: cost 35, usage 6 + 7 = 13 > 12 at t = 2 (examples/README.md).
        let solution = try CLI.tempFile("[1, 1, 0, 0, 0]\n", "sol")
        defer { try? FileManager.default.removeItem(atPath: solution) }
        let r = try CLI.run(["evaluate", CLI.example("tiny.json"), solution, "--json"])
        XCTAssertEqual(r.status, 1, r.summary)
        let o = try lastObject(r)
        XCTAssertEqual(o["cost"] as? Int, 35)
        XCTAssertEqual(o["feasible"] as? Bool, false)
        XCTAssertEqual(o["peak"] as? Int, 16)
        let v = try XCTUnwrap(o["violation"] as? [String: Any], r.summary)
        XCTAssertEqual(v["time"] as? Int, 2)
        XCTAssertEqual(v["excess"] as? Int, 1)
        XCTAssertEqual(v["largest_node"] as? Int, 1)
        XCTAssertTrue(r.stderr.contains(try XCTUnwrap(v["message"] as? String)), r.summary)
    }

    func testEvaluateJSONWithoutALimitSaysNull() throws {
        let solution = try CLI.tempFile("[1, 1, 0, 0, 0]\n", "sol")
        defer { try? FileManager.default.removeItem(atPath: solution) }
        let r = try CLI.run(["evaluate", CLI.example("no-limit.json"), solution, "--json"])
        XCTAssertEqual(r.status, 0, r.summary)
        let o = try lastObject(r)
        XCTAssertTrue(o["limit"] is NSNull, r.summary)
        XCTAssertEqual(o["cost"] as? Int, 35)
    }

    func testEvaluateBadInputPrintsNoObject() throws {
        let solution = try CLI.tempFile("[1, 0]\n", "sol")
        defer { try? FileManager.default.removeItem(atPath: solution) }
        let r = try CLI.run(["evaluate", CLI.example("tiny.json"), solution, "--json"])
        XCTAssertEqual(r.status, 2, r.summary)
        XCTAssertFalse(r.stdout.contains("{"), r.summary)
    }

    func testStatsJSONOnTiny() throws {
        let r = try CLI.run(["stats", CLI.example("tiny.json"), "--json"])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.stdout.hasPrefix("name: tiny\n"), "the key: value lines come first: \(r.summary)")
        let o = try lastObject(r)
        // tiny.json (examples/README.md): 5 nodes, 5 edges, strategies 2+2+3+1+2 = 10, node 4
        // never live, 3 maximal cliques ({0,1}, {1,2}, {2,3}), limit 12, minimum-usage peak 7.
        XCTAssertEqual(o["name"] as? String, "tiny")
        XCTAssertEqual(o["nodes"] as? Int, 5)
        XCTAssertEqual(o["edges"] as? Int, 5)
        let strategies = try XCTUnwrap(o["strategies"] as? [String: Any])
        XCTAssertEqual(strategies["total"] as? Int, 10)
        XCTAssertEqual(strategies["max"] as? Int, 3)
        XCTAssertEqual(strategies["single_strategy_nodes"] as? Int, 1)
        XCTAssertEqual(o["edge_arity"] as? [String: Int], ["2": 5])
        XCTAssertEqual(o["live_nodes"] as? Int, 4)
        XCTAssertEqual(o["maximal_cliques"] as? Int, 3)
        XCTAssertEqual(o["usage_limit"] as? Int, 12)
        XCTAssertEqual(o["min_usage_peak"] as? Int, 7)
        XCTAssertEqual(o["feasible"] as? Bool, true)
        XCTAssertEqual(o["gzip"] as? Bool, false)
    }

    func testStatsJSONOnAnInstanceWhoseMinimumUsagesDoNotFit() throws {
        let r = try CLI.run(["stats", CLI.example("infeasible.json"), "--json"])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertEqual(try lastObject(r)["feasible"] as? Bool, false)
    }

    func testWithoutTheFlagNoObjectIsPrinted() throws {
        let r = try CLI.run(["stats", CLI.example("tiny.json")])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertFalse(r.stdout.contains("{"), r.summary)
    }
}
