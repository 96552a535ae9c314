import Foundation
import Model
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Degenerate and extreme instances through the binary: no edges, no limit, one node, one
/// strategy everywhere, empty intervals only, infeasible limits, zero nodes, odd edge arities,
/// infinite everything, and numbers at the edges of Int64. Each answer is checked by the
/// evaluator and compared with brute force.
final class DegenerateTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = try Reliability.scratchDirectory("degenerate")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Solves `text` and checks the contract; returns the run, the problem and the check.
    @discardableResult
    private func solve(
        _ text: String, name: String, timeout: Double = 1, args: [String] = [], file: StaticString = #filePath, line: UInt = #line
    ) throws -> (Reliability.ChildResult, Problem, Reliability.SolveCheck) {
        let path = dir + "/\(name).json"
        try Reliability.write(Array(text.utf8), to: path)
        let p = try ProblemReader.read(path: path)
        let r = try Reliability.Child.iopddl([path, String(timeout)] + args, killAfter: timeout + 30)
        let check = Reliability.checkSolve(r, p, timeout: timeout)
        for problem in check.problems {
            XCTFail("\(name): \(problem)\n  reproduce: iopddl \(Reliability.keep(Array(text.utf8), name: name + ".json")) \(timeout)\n\(r.summary())",
                    file: file, line: line)
        }
        return (r, p, check)
    }

    /// Solves and expects the brute-force optimum (or `[]` with an explanation when nothing is
    /// feasible).
    @discardableResult
    private func expectOptimum(
        _ inst: Reliability.Instance, timeout: Double = 1, args: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Reliability.SolveCheck {
        let (r, p, check) = try solve(inst.text, name: inst.name, timeout: timeout, args: args, file: file, line: line)
        XCTAssertLessThanOrEqual(inst.searchSpace, 200_000, "too large to brute-force", file: file, line: line)
        let bf = BruteForce.optimum(p)
        var reproduce: String { "reproduce: iopddl \(Reliability.keep(inst.bytes, name: inst.name + ".json")) \(timeout)" }
        if let bf {
            XCTAssertEqual(check.finalCost, bf.cost, "\(inst.name): optimum \(bf.cost) at \(bf.solution); \(reproduce)\n\(r.summary())",
                           file: file, line: line)
        } else {
            XCTAssertEqual(r.lastLine, "[]", "\(inst.name): nothing is feasible; \(reproduce)\n\(r.summary())", file: file, line: line)
            XCTAssertTrue(r.stderr.contains("no feasible solution"), "\(inst.name): no explanation\n\(r.summary())", file: file, line: line)
            XCTAssertFalse(r.stderrLines.contains { $0.hasPrefix("error:") }, "infeasibility is an answer, not an error",
                           file: file, line: line)
        }
        return check
    }

    private func random(_ seed: UInt64, nodes: Int, edges: Int, memory: Reliability.MemoryMode = .loose,
                        infinite: Double = 0.2, maxStrategies: Int = 4) -> Reliability.Instance {
        Reliability.randomInstance(seed: seed, nodes: nodes, edges: edges, maxStrategies: maxStrategies,
                                   infiniteChance: infinite, memory: memory)
    }

    // MARK: - Shapes

    func testNoEdgesKey() throws {
        for seed: UInt64 in 1 ... 3 {
            var inst = random(seed, nodes: 7, edges: 0, memory: .tight)
            inst.omitEmptyEdges = true
            inst.name = "no-edges-key-\(seed)"
            XCTAssertFalse(inst.text.contains("\"edges\""))
            try expectOptimum(inst)
        }
    }

    func testEmptyEdgeArrays() throws {
        var inst = random(11, nodes: 6, edges: 0, memory: .exact)
        inst.name = "empty-edge-arrays"
        XCTAssertTrue(inst.text.contains(#""edges": {"nodes": [], "costs": []}"#))
        try expectOptimum(inst)
    }

    func testNoUsageLimitKey() throws {
        var inst = random(21, nodes: 7, edges: 9, memory: .none)
        inst.explicitNullLimit = false
        inst.name = "no-limit-key"
        XCTAssertFalse(inst.text.contains("usage_limit"))
        try expectOptimum(inst)
    }

    func testNullUsageLimit() throws {
        var inst = random(22, nodes: 7, edges: 9, memory: .none, infinite: 0)
        inst.explicitNullLimit = true
        inst.name = "null-limit"
        XCTAssertTrue(inst.text.contains(#""usage_limit": null"#))
        try expectOptimum(inst)
    }

    func testOneNode() throws {
        let cases: [(String, String)] = [
            ("one-node-five-strategies", #"{"problem": {"nodes": {"intervals": [[0, 3]], "costs": [[9, 4, 7, 1, 3]], "usages": [[1, 5, 2, 9, 3]]}, "usage_limit": 4}}"#),
            ("one-node-one-strategy", #"{"problem": {"nodes": {"intervals": [[0, 3]], "costs": [[5]], "usages": [[2]]}, "usage_limit": 2}}"#),
            ("one-node-no-limit", #"{"problem": {"nodes": {"intervals": [[0, 3]], "costs": [[5, 2]], "usages": [[2, 9]]}}}"#),
            ("one-node-empty-interval", #"{"problem": {"nodes": {"intervals": [[4, 4]], "costs": [[5, 2]], "usages": [[2, 9]]}, "usage_limit": 0}}"#),
        ]
        let expected: [Int128] = [3, 5, 2, 2]
        for ((name, text), cost) in zip(cases, expected) {
            let (r, _, check) = try solve(text, name: name)
            XCTAssertEqual(check.finalCost, cost, "\(name): \(r.summary())")
        }
        let (r, _, _) = try solve(#"{"problem": {"nodes": {"intervals": [[0, 3]], "costs": [[5]], "usages": [[3]]}, "usage_limit": 2}}"#,
                                  name: "one-node-infeasible")
        XCTAssertEqual(r.lastLine, "[]", r.summary())
        XCTAssertTrue(r.stderr.contains("no feasible solution"), r.summary())
    }

    func testEveryNodeHasOneStrategy() throws {
        var inst = random(31, nodes: 40, edges: 60, memory: .exact, maxStrategies: 1)
        inst.name = "one-strategy-each"
        let (r, _, check) = try solve(inst.text, name: inst.name)
        XCTAssertEqual(check.finalSolution, [Int](repeating: 0, count: 40), r.summary())
        XCTAssertLessThan(r.seconds, 1.5, r.summary())
    }

    func testEmptyIntervalsOnly() throws {
        var inst = random(41, nodes: 7, edges: 10, memory: .none)
        inst.name = "empty-intervals-only"
        var rng = Reliability.RNG(seed: 41)
        inst.intervals = inst.intervals.map { _ in
            let lo = Int64(rng.below(10)) - 3
            return (lo, lo - Int64(rng.below(3)))  // [lo, lo] or reversed: never live
        }
        inst.usageLimit = 0
        try expectOptimum(inst)
    }

    func testInfeasibleLimitAnswersEmptyListAtOnce() throws {
        for seed: UInt64 in 51 ... 53 {
            var inst = random(seed, nodes: 12, edges: 15, memory: .infeasible)
            inst.name = "infeasible-\(seed)"
            XCTAssertFalse(inst.knownFeasible)
            let (r, _, _) = try solve(inst.text, name: inst.name, timeout: 10)
            XCTAssertEqual(r.lastLine, "[]", r.summary())
            XCTAssertEqual(r.stdoutLines.count, 1, "only the answer: \(r.summary())")
            XCTAssertTrue(r.stderr.contains("no feasible solution"), r.summary())
            XCTAssertTrue(r.stderr.contains("usage limit \(inst.usageLimit!)"), "the explanation names the limit: \(r.summary())")
            XCTAssertLessThan(r.seconds, 2, "an infeasible instance needs no search time: \(r.summary())")
        }
    }

    func testZeroNodes() throws {
        for (name, text) in [
            ("zero-nodes", #"{"problem": {"nodes": {"intervals": [], "costs": [], "usages": []}}}"#),
            ("zero-nodes-limit", #"{"problem": {"nodes": {"intervals": [], "costs": [], "usages": []}, "edges": {"nodes": [], "costs": []}, "usage_limit": 0}}"#),
        ] {
            let (r, _, _) = try solve(text, name: name, timeout: 5)
            XCTAssertEqual(r.lastLine, "[]", r.summary())
            XCTAssertLessThan(r.seconds, 2, r.summary())
        }
    }

    func testZeroLimitWithZeroUsages() throws {
        var inst = random(61, nodes: 7, edges: 8, memory: .none)
        inst.name = "zero-limit-zero-usages"
        inst.usages = inst.usages.map { $0.map { _ in 0 } }
        inst.usageLimit = 0
        try expectOptimum(inst)
    }

    func testParallelEdgesAddUp() throws {
        var inst = random(71, nodes: 5, edges: 3, memory: .tight, infinite: 0)
        inst.name = "parallel-edges"
        for _ in 0 ..< 50 {
            inst.edges.append(inst.edges[0])
            inst.edgeCosts.append(inst.edgeCosts[1 % inst.edgeCosts.count].count == inst.edgeCosts[0].count
                ? inst.edgeCosts[1 % inst.edgeCosts.count] : inst.edgeCosts[0])
        }
        try expectOptimum(inst)
    }

    func testManyStrategies() throws {
        var rng = Reliability.RNG(seed: 81)
        let k = [1500, 3, 40]
        let inst = Reliability.Instance(
            name: "many-strategies", intervals: [(0, 4), (2, 6), (3, 5)],
            costs: k.map { n in (0 ..< n).map { _ in Int64(rng.below(1000)) } },
            usages: k.map { n in (0 ..< n).map { _ in Int64(rng.below(50)) } },
            edges: [[0, 1], [1, 2], [0, 2]],
            edgeCosts: [(0 ..< k[0] * k[1]).map { _ in Int64(rng.below(1000)) }, (0 ..< k[1] * k[2]).map { _ in Int64(rng.below(1000)) },
                        (0 ..< k[0] * k[2]).map { _ in rng.chance(0.3) ? Problem.infinity : Int64(rng.below(1000)) }],
            usageLimit: 60)
        try expectOptimum(inst, timeout: 2)
    }

    // MARK: - Edge arities

    func testSelfLoopEdge() throws {
        var inst = random(91, nodes: 4, edges: 3, memory: .loose, infinite: 0)
        inst.name = "self-loop"
        let k = inst.costs[1].count
        inst.edges.append([1, 1])
        inst.edgeCosts.append((0 ..< k * k).map { Int64($0 % (k + 1) == 0 ? 100 * ($0 + 1) : 1) })  // only the diagonal counts
        try expectOptimum(inst)
    }

    func testArityOneAndZeroEdges() throws {
        var inst = random(101, nodes: 5, edges: 4, memory: .loose, infinite: 0)
        inst.name = "arity-1-and-0"
        inst.edges.append([2])
        inst.edgeCosts.append((0 ..< inst.costs[2].count).map { Int64(50 - 7 * $0) })
        inst.edges.append([])
        inst.edgeCosts.append([13])
        try expectOptimum(inst)
    }

    func testArityThreeWithRepeatedNode() throws {
        var inst = random(111, nodes: 4, edges: 3, memory: .loose, infinite: 0)
        inst.name = "arity-3-repeated"
        let k0 = inst.costs[0].count, k1 = inst.costs[1].count
        inst.edges.append([0, 0, 1])
        var rng = Reliability.RNG(seed: 111)
        inst.edgeCosts.append((0 ..< k0 * k0 * k1).map { _ in Int64(rng.below(90)) })
        try expectOptimum(inst)
    }

    func testArityFourEdge() throws {
        var inst = random(121, nodes: 5, edges: 2, memory: .tight, infinite: 0, maxStrategies: 3)
        inst.name = "arity-4"
        let list = [0, 2, 3, 4]
        inst.edges.append(list)
        var rng = Reliability.RNG(seed: 121)
        inst.edgeCosts.append((0 ..< list.reduce(1) { $0 * inst.costs[$1].count }).map { _ in
            rng.chance(0.3) ? Problem.infinity : Int64(rng.below(90))
        })
        try expectOptimum(inst)
    }

    // MARK: - Infinite entries

    func testAllEdgeEntriesInfinite() throws {
        var inst = random(131, nodes: 6, edges: 7, memory: .loose, infinite: 1.0)
        inst.name = "all-infinite-edges"
        // Every solution pays one 1e18 per edge; node costs still decide.
        let check = try expectOptimum(inst)
        XCTAssertNotNil(check.finalSolution, "a legal solution with infinite terms is still an answer")
    }

    func testInfiniteNodeCosts() throws {
        var inst = random(141, nodes: 6, edges: 6, memory: .loose, infinite: 0.1)
        inst.name = "infinite-node-costs"
        inst.costs[0] = inst.costs[0].map { _ in Problem.infinity }
        inst.costs[3] = inst.costs[3].enumerated().map { $0.offset == 0 ? 5 : Problem.infinity + 7 }
        try expectOptimum(inst)
    }

    /// When every feasible solution needs infinite entries, the answer should still be the
    /// cheapest one (fewest infinite terms, then the least finite cost).
    func testInfiniteOptimumIsMinimised() throws {
        // Issue 7: the reduction folded the edges into unary costs that saturated at
        // "infinite", so both strategies of node 0 looked equal and [0, 0, 0] (3e18 + 352) came
        // out instead of [1, 0, 0] (1e18 + 470).
        let text = #"{"problem": {"nodes": {"intervals": [[9, 10], [11, 13], [2, 8]], "costs": [[75, 97], [22], [74]], "usages": [[2, 2], [1], [5]]}, "edges": {"nodes": [[2, 0], [0, 1], [0, 1], [1, 2], [2, 0], [2, 0]], "costs": [[20, 99], [76, 1000000000000000000], [1000000000000000000, 37], [85], [1000000000000000000, 42], [1000000000000000000, 14]]}, "usage_limit": 7}}"#
        let (r, _, check) = try solve(text, name: "infinite-optimum", timeout: 1)
        XCTAssertEqual(check.finalCost, 1_000_000_000_000_000_470, r.summary())
        for seed: UInt64 in [1117, 1123, 1146, 1178] {
            var inst = random(seed, nodes: 4, edges: 6, memory: .loose, infinite: 0.6)
            inst.name = "infinite-optimum-\(seed)"
            try expectOptimum(inst)
        }
    }

    // MARK: - Extreme numbers

    /// Large finite costs whose sum passes Int64.max (the evaluator sums in 128 bits).
    func testCostsSummingPastInt64() throws {
        var inst = random(151, nodes: 7, edges: 8, memory: .tight, infinite: 0)
        inst.name = "costs-past-int64"
        inst.costs = inst.costs.map { $0.map { 900_000_000_000_000_000 - $0 * 1_000_000_000 } }
        inst.edgeCosts = inst.edgeCosts.map { $0.map { 999_999_999_999_999_999 - $0 } }
        try expectOptimum(inst)
    }

    /// Costs of Int64.max and Int64.max - 1 (both "infinite", but different).
    func testInt64MaxCosts() throws {
        var inst = random(161, nodes: 5, edges: 6, memory: .loose, infinite: 0)
        inst.name = "int64-max-costs"
        inst.costs[0] = inst.costs[0].enumerated().map { $0.offset % 2 == 0 ? Int64.max : Int64.max - 1 }
        inst.edgeCosts[0] = inst.edgeCosts[0].map { _ in Int64.max }
        try expectOptimum(inst)
    }

    func testNegativeCosts() throws {
        var inst = random(171, nodes: 6, edges: 8, memory: .tight, infinite: 0.1)
        inst.name = "negative-costs"
        inst.costs = inst.costs.map { $0.map { 40 - $0 } }
        inst.edgeCosts = inst.edgeCosts.map { $0.map { $0 == Problem.infinity ? $0 : 30 - $0 } }
        try expectOptimum(inst)
    }

    /// Usages near Int64.max: sums of two overflow Int64.
    func testHugeUsages() throws {
        var inst = random(181, nodes: 6, edges: 7, memory: .none, infinite: 0)
        inst.name = "huge-usages"
        inst.usages = inst.usages.map { $0.map { Int64.max / 4 + $0 * 1_000_000_007 } }
        inst.usageLimit = Int64.max
        try expectOptimum(inst)
        inst.name = "huge-usages-binding"
        inst.usageLimit = Int64.max / 4 * 2 + 10_000_000_000
        try expectOptimum(inst)
    }

    func testExtremeIntervals() throws {
        var inst = random(191, nodes: 6, edges: 7, memory: .none, infinite: 0)
        inst.name = "extreme-intervals"
        inst.intervals = [(Int64.min, Int64.max), (-5, 3), (Int64.max - 2, Int64.max), (Int64.min, Int64.min + 1), (0, 0),
                          (-1_000_000_000_000, 1_000_000_000_000)]
        inst.usageLimit = Int64(inst.minimumUsagePeak) + 3
        try expectOptimum(inst)
    }

    // MARK: - Timeouts

    /// A timeout below the safety margin and below the start-up time: still an answer, at once.
    func testTimeoutBelowTheStartUpTime() throws {
        let tiny = try ProblemReader.read(path: CLI.example("tiny.json"))
        for t in ["0.001", "0.05"] {
            let r = try Reliability.Child.iopddl([CLI.example("tiny.json"), t], killAfter: 20)
            let check = Reliability.checkSolve(r, tiny, timeout: Double(t)!, slack: 0.3)
            for problem in check.problems { XCTFail("timeout \(t): \(problem)\n\(r.summary())") }
            XCTAssertNotNil(check.finalSolution, r.summary())
        }
    }
}
