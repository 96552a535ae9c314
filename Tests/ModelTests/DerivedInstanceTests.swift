import Foundation
import Model
import XCTest

/// A deterministic generator for these tests: ModelTests does not link Solver, whose SeededRNG
/// the command line uses. Weyl sequence through a 64-bit finaliser.
private struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }
}

private let infinity = Problem.infinity

/// A synthetic instance shaped like the contest's (1e18 entries, a limit at 1.1 x the least
/// peak), read back through the reader.
private func syntheticSource(seed: UInt64, nodes: Int = 200, edges: Int = 300) throws -> Problem {
    let path = NSTemporaryDirectory() + "iopddl-derive-src-\(getpid())-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let config = SyntheticConfig(nodes: nodes, edges: edges, meanStrategies: 8, maxStrategies: 16,
                                 infiniteFraction: 0.4, memoryTightness: 1.1, seed: seed)
    _ = try writeSyntheticInstance(config, to: path)
    return try ProblemReader.read(path: path)
}

private func derive(_ source: Problem, _ options: DerivationOptions, seed: UInt64) throws -> DerivedInstance {
    var rng = TestRNG(seed: seed)
    return try DerivedInstance.derive(from: source, options: options,
                                      name: options.derivedName(source: source.name, seed: seed), using: &rng)
}

/// The least possible peak computed independently of the Evaluator: per time, the sum of each
/// live node's least usage; the maximum over all times.
private func leastPeak(_ p: Problem) -> Int64 {
    var times = Set<Int64>()
    for i in 0 ..< p.nodeCount where p.isLive(i) { times.insert(p.intervalLo[i]) }
    var peak: Int64 = 0
    for t in times {
        var sum: Int64 = 0
        for i in 0 ..< p.nodeCount where p.intervalLo[i] <= t && t < p.intervalHi[i] {
            sum += p.nodeUsage[p.strategyOffset[i] ..< p.strategyOffset[i + 1]].min() ?? 0
        }
        peak = max(peak, sum)
    }
    return peak
}

private func assertSameArrays(_ a: Problem, _ b: Problem, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.name, b.name, file: file, line: line)
    XCTAssertEqual(a.intervalLo, b.intervalLo, file: file, line: line)
    XCTAssertEqual(a.intervalHi, b.intervalHi, file: file, line: line)
    XCTAssertEqual(a.strategyOffset, b.strategyOffset, file: file, line: line)
    XCTAssertEqual(a.nodeCost, b.nodeCost, file: file, line: line)
    XCTAssertEqual(a.nodeUsage, b.nodeUsage, file: file, line: line)
    XCTAssertEqual(a.edgeNodeOffset, b.edgeNodeOffset, file: file, line: line)
    XCTAssertEqual(a.edgeNodes, b.edgeNodes, file: file, line: line)
    XCTAssertEqual(a.edgeCostOffset, b.edgeCostOffset, file: file, line: line)
    XCTAssertEqual(a.edgeCost, b.edgeCost, file: file, line: line)
    XCTAssertEqual(a.usageLimit, b.usageLimit, file: file, line: line)
}

final class DerivedInstanceTests: XCTestCase {
    /// Added edges: the count asked for, the infinite share asked for, the source untouched,
    /// and the reference feasible and finite on every added edge.
    func testAddedEdgesHaveTheAskedCountAndShareAndKeepTheReferenceFinite() throws {
        var checked = 0
        for seed: UInt64 in 1 ... 3 {
            let source = try syntheticSource(seed: seed)
            for share in [0.0, 0.55, 0.9] {
                let d = try derive(source, DerivationOptions(addEdges: 250, infiniteShare: share), seed: seed)
                let p = d.problem
                XCTAssertEqual(p.edgeCount, source.edgeCount + 250, "seed \(seed)")
                XCTAssertEqual(d.addedEdges, 250)
                XCTAssertEqual(Array(p.edgeCost[0 ..< source.edgeCost.count]), source.edgeCost, "source tables changed")
                XCTAssertEqual(p.strategyOffset, source.strategyOffset)
                XCTAssertEqual(p.usageLimit, source.usageLimit)
                let added = p.edgeCost[source.edgeCost.count...]
                XCTAssertEqual(added.count, d.addedEntries)
                let infinite = added.filter { $0 >= infinity }.count
                XCTAssertEqual(infinite, d.addedInfinite)
                XCTAssertTrue(added.allSatisfy { $0 < infinity || $0 == infinity }, "infinite entries are exactly 1e18")
                XCTAssertEqual(Double(infinite) / Double(added.count), share, accuracy: 0.01, "seed \(seed) share \(share)")
                XCTAssertEqual(d.reference, p.minimumUsageSolution())
                let ev = try Evaluator.evaluate(p, d.reference)
                XCTAssertTrue(ev.feasible, "seed \(seed)")
                XCTAssertEqual(ev, d.referenceEvaluation)
                for e in source.edgeCount ..< p.edgeCount {
                    let nodes = p.edgeNodeList(e).map { Int($0) }
                    XCTAssertEqual(nodes.count, 2)
                    XCTAssertNotEqual(nodes[0], nodes[1], "edge \(e) is a loop")
                    XCTAssertTrue(nodes.allSatisfy { p.strategyCount($0) >= 2 }, "edge \(e) joins a one-strategy node")
                    let index = d.reference[nodes[0]] * p.strategyCount(nodes[1]) + d.reference[nodes[1]]
                    XCTAssertLessThan(p.edgeCost[p.edgeCostOffset[e] + index], infinity, "seed \(seed) edge \(e)")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 3 * 3 * 250)
    }

    /// Added edges prefer pairs that live at the same time or are near in the graph: far more of
    /// them overlap in time than random pairs of the same nodes do.
    func testAddedEdgesPreferOverlappingLifetimes() throws {
        let source = try syntheticSource(seed: 5, nodes: 600, edges: 900)
        let d = try derive(source, DerivationOptions(addEdges: 400, infiniteShare: 0.5), seed: 5)
        let p = d.problem
        func overlap(_ a: Int, _ b: Int) -> Bool {
            max(p.intervalLo[a], p.intervalLo[b]) < min(p.intervalHi[a], p.intervalHi[b])
        }
        var together = 0
        for e in source.edgeCount ..< p.edgeCount {
            let n = p.edgeNodeList(e).map { Int($0) }
            if overlap(n[0], n[1]) { together += 1 }
        }
        var rng = TestRNG(seed: 99)
        let rich = (0 ..< p.nodeCount).filter { p.strategyCount($0) >= 2 }
        var randomTogether = 0
        for _ in 0 ..< 400 {
            let a = rich[Int(rng.next() % UInt64(rich.count))], b = rich[Int(rng.next() % UInt64(rich.count))]
            if a != b && overlap(a, b) { randomTogether += 1 }
        }
        XCTAssertGreaterThan(together, 200, "at least half of the added edges join overlapping lifetimes")
        XCTAssertGreaterThan(together, 2 * randomTogether, "random pairs: \(randomTogether) of 400")
    }

    /// More strategies: about X times as many, original strategies and table entries kept,
    /// the infinite share of each table about as before, the reference unchanged.
    func testStrategyFactorMultipliesStrategiesAndKeepsTables() throws {
        var checkedEdges = 0
        for seed: UInt64 in 1 ... 3 {
            let source = try syntheticSource(seed: seed)
            let d = try derive(source, DerivationOptions(strategyFactor: 2.4), seed: seed)
            let p = d.problem
            let ratio = Double(p.strategyTotal) / Double(source.strategyTotal)
            XCTAssertEqual(ratio, 2.4, accuracy: 0.1, "seed \(seed)")
            XCTAssertEqual(p.edgeCount, source.edgeCount)
            XCTAssertEqual(p.edgeNodes, source.edgeNodes)
            XCTAssertEqual(d.reference, source.minimumUsageSolution())
            XCTAssertEqual(d.reference, p.minimumUsageSolution(), "new strategies undercut the reference")
            for i in 0 ..< p.nodeCount {
                let k = source.strategyCount(i)
                XCTAssertGreaterThanOrEqual(p.strategyCount(i), k)
                XCTAssertEqual(Array(p.nodeCost[p.strategyOffset[i] ..< p.strategyOffset[i] + k]),
                               Array(source.nodeCost[source.strategyOffset[i] ..< source.strategyOffset[i + 1]]))
            }
            var oldInfinite = 0, newInfinite = 0
            for e in 0 ..< p.edgeCount {
                let n = p.edgeNodeList(e).map { Int($0) }
                let (ka, kb) = (source.strategyCount(n[0]), source.strategyCount(n[1]))
                let kbNew = p.strategyCount(n[1])
                for a in 0 ..< ka {
                    for b in 0 ..< kb {
                        XCTAssertEqual(p.edgeCost[p.edgeCostOffset[e] + a * kbNew + b],
                                       source.edgeCost[source.edgeCostOffset[e] + a * kb + b], "edge \(e) entry \(a),\(b)")
                    }
                }
                oldInfinite += source.edgeCost[source.edgeCostOffset[e] ..< source.edgeCostOffset[e + 1]].filter { $0 >= infinity }.count
                newInfinite += p.edgeCost[p.edgeCostOffset[e] ..< p.edgeCostOffset[e + 1]].filter { $0 >= infinity }.count
                checkedEdges += 1
            }
            let oldShare = Double(oldInfinite) / Double(source.edgeCost.count)
            let newShare = Double(newInfinite) / Double(p.edgeCost.count)
            XCTAssertEqual(newShare, oldShare, accuracy: 0.03, "seed \(seed)")
            XCTAssertTrue(try Evaluator.evaluate(p, d.reference).feasible)
        }
        XCTAssertEqual(checkedEdges, 900)
    }

    /// The limit is L x the least possible peak, computed here without the Evaluator.
    func testLimitFactorSetsTheLimitFromTheLeastPeak() throws {
        let source = try syntheticSource(seed: 2)
        let peak = leastPeak(source)
        XCTAssertGreaterThan(peak, 0)
        for factor in [1.0, 1.02, 1.1] {
            let d = try derive(source, DerivationOptions(strategyFactor: 1.5, limitFactor: factor), seed: 2)
            XCTAssertEqual(d.minimumPeak, peak)
            XCTAssertEqual(leastPeak(d.problem), peak, "new strategies lowered the least peak")
            XCTAssertEqual(d.problem.usageLimit, Int64((Double(peak) * factor).rounded(.down)), "factor \(factor)")
            XCTAssertTrue(try Evaluator.evaluate(d.problem, d.reference).feasible, "factor \(factor)")
        }
    }

    /// All three changes at once, on a hand-made instance where only one node has a choice: the
    /// added edges then join any nodes, and the result stays feasible.
    func testCombinedChangesOnATinyInstance() throws {
        // Node 0: two strategies; nodes 1 and 2: one each. Least usages 1 + 1 + 2 = 4 at time 1.
        let source = try Problem(
            intervals: [(0, 3), (1, 2), (1, 4)], costs: [[5, 1], [0], [7]], usages: [[1, 3], [1], [2]],
            edges: [[0, 1]], edgeCosts: [[4, 9]], usageLimit: 4)
        let d = try derive(source, DerivationOptions(addEdges: 5, infiniteShare: 0.5, strategyFactor: 3, limitFactor: 1),
                           seed: 4)
        XCTAssertEqual(d.problem.edgeCount, 6)
        XCTAssertEqual(d.problem.usageLimit, 4)
        XCTAssertEqual(d.reference, [0, 0, 0])
        let ev = try Evaluator.evaluate(d.problem, d.reference)
        XCTAssertTrue(ev.feasible)
        XCTAssertEqual(ev.infiniteTerms, 0)
    }

    /// A kept solution (here: finite where the reference is not) gets a finite entry on every
    /// added edge, as the reference does.
    func testKeptSolutionStaysFiniteOnAddedEdges() throws {
        // Minimum usage picks strategy 0 everywhere, infinite on the one edge; [1, 1, 1, 1] is
        // finite (cost 2 + 0 + 3 + 1 + ... ) and fits the limit (usage 2 + 2 at times 1 and 2).
        let source = try Problem(
            intervals: [(0, 2), (1, 3), (2, 4), (0, 4)], costs: [[1, 2], [1, 0], [0, 3], [1, 1]],
            usages: [[1, 2], [1, 2], [1, 2], [0, 0]], edges: [[0, 1]],
            edgeCosts: [[infinity, 5, 5, 0]], usageLimit: 4)
        let anchor = [1, 1, 1, 1]
        XCTAssertEqual(try Evaluator.evaluate(source, anchor).infiniteTerms, 0)
        XCTAssertEqual(try Evaluator.evaluate(source, source.minimumUsageSolution()).infiniteTerms, 1)
        var checked = 0
        for seed: UInt64 in 1 ... 20 {
            var rng = TestRNG(seed: seed)
            let options = DerivationOptions(addEdges: 8, infiniteShare: 0.75)
            let d = try DerivedInstance.derive(from: source, options: options, name: "kept", keepFinite: [anchor],
                                               using: &rng)
            let ev = try XCTUnwrap(d.keptEvaluations.first)
            XCTAssertEqual(ev.infiniteTerms, 0, "seed \(seed)")
            XCTAssertTrue(ev.feasible)
            for e in 1 ..< d.problem.edgeCount {
                let n = d.problem.edgeNodeList(e).map { Int($0) }
                let k = d.problem.strategyCount(n[1])
                XCTAssertLessThan(d.problem.edgeCost[d.problem.edgeCostOffset[e] + anchor[n[0]] * k + anchor[n[1]]], infinity)
                XCTAssertLessThan(d.problem.edgeCost[d.problem.edgeCostOffset[e] + d.reference[n[0]] * k + d.reference[n[1]]],
                                  infinity)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 20 * 8)
        var rng = TestRNG(seed: 1)
        XCTAssertThrowsError(try DerivedInstance.derive(from: source, options: DerivationOptions(addEdges: 1), name: "x",
                                                        keepFinite: [[0, 0]], using: &rng)) { error in
            guard case .invalidOption(let option, _) = error as? DerivationError else {
                return XCTFail("expected invalidOption(.keepFinite), got \(error)")
            }
            XCTAssertEqual(option, .keepFinite)
        }
    }

    /// A planted solution gets finite, cheap entries on the added edges: its added-edge cost is
    /// far below the reference's, whose entries are drawn high.
    func testPlantedSolutionIsCheapOnAddedEdges() throws {
        let source = try syntheticSource(seed: 8, nodes: 300, edges: 450)
        let planted = (0 ..< source.nodeCount).map { source.strategyCount($0) - 1 }
        var rng = TestRNG(seed: 8)
        let d = try DerivedInstance.derive(from: source, options: DerivationOptions(addEdges: 300, infiniteShare: 0.6),
                                           name: "planted", planted: [planted], using: &rng)
        let p = d.problem
        var plantedCost: Int128 = 0, referenceCost: Int128 = 0, checked = 0
        for e in source.edgeCount ..< p.edgeCount {
            let n = p.edgeNodeList(e).map { Int($0) }
            let k = p.strategyCount(n[1])
            let x = p.edgeCost[p.edgeCostOffset[e] + planted[n[0]] * k + planted[n[1]]]
            let r = p.edgeCost[p.edgeCostOffset[e] + d.reference[n[0]] * k + d.reference[n[1]]]
            XCTAssertLessThan(x, infinity, "edge \(e)")
            XCTAssertLessThan(r, infinity, "edge \(e)")
            plantedCost += Int128(x)
            referenceCost += Int128(r)
            checked += 1
        }
        XCTAssertEqual(checked, 300)
        XCTAssertLessThan(plantedCost * 4, referenceCost, "planted \(plantedCost), reference \(referenceCost)")
        XCTAssertEqual(d.keptEvaluations.count, 1)
        XCTAssertEqual(d.keptEvaluations.first?.infiniteTerms, try Evaluator.evaluate(source, planted).infiniteTerms)
    }

    /// The same generator state gives the same instance; another seed gives another one.
    func testSameSeedSameBytesOtherSeedOtherBytes() throws {
        let source = try syntheticSource(seed: 3)
        let options = DerivationOptions(addEdges: 100, infiniteShare: 0.6, strategyFactor: 1.7, limitFactor: 1.05)
        let a = ProblemWriter.json(try derive(source, options, seed: 11).problem)
        let b = ProblemWriter.json(try derive(source, options, seed: 11).problem)
        let c = ProblemWriter.json(try derive(source, options, seed: 12).problem)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testInfeasibleSourceIsRejected() throws {
        // Least usages 2 + 3 = 5 at time 0, limit 4.
        let source = try Problem(intervals: [(0, 2), (0, 1)], costs: [[1, 2], [3]], usages: [[2, 5], [3]],
                                 edges: [], edgeCosts: [], usageLimit: 4)
        XCTAssertThrowsError(try derive(source, DerivationOptions(addEdges: 1), seed: 1)) { error in
            guard case .infeasibleSource(let message) = error as? DerivationError else {
                return XCTFail("expected infeasibleSource, got \(error)")
            }
            XCTAssertTrue(message.contains("memory limit 4 exceeded"), message)
        }
    }

    func testBadOptionsNameTheOption() throws {
        let source = try syntheticSource(seed: 1, nodes: 20, edges: 30)
        let cases: [(DerivationOptions, DerivationOption)] = [
            (DerivationOptions(addEdges: -1), .addEdges),
            (DerivationOptions(addEdges: 3, infiniteShare: 1), .infiniteShare),
            (DerivationOptions(addEdges: 3, infiniteShare: -0.1), .infiniteShare),
            (DerivationOptions(addEdges: 3, infiniteShare: .nan), .infiniteShare),
            (DerivationOptions(strategyFactor: 0.9), .strategyFactor),
            (DerivationOptions(strategyFactor: .infinity), .strategyFactor),
            (DerivationOptions(limitFactor: 0.99), .limitFactor),
        ]
        for (options, option) in cases {
            XCTAssertThrowsError(try derive(source, options, seed: 1)) { error in
                guard case .invalidOption(let named, _) = error as? DerivationError else {
                    return XCTFail("expected invalidOption(\(option)), got \(error)")
                }
                XCTAssertEqual(named, option)
                XCTAssertTrue("\(error)".hasPrefix("--\(option.rawValue) "), "\(error)")
            }
        }
    }

    /// The writer's output reads back to the same arrays, as JSON and as gzip.
    func testWriterRoundTripsThroughTheReader() throws {
        let source = try syntheticSource(seed: 6)
        let d = try derive(source, DerivationOptions(addEdges: 40, infiniteShare: 0.5, strategyFactor: 1.3), seed: 6)
        for suffix in [".json", ".json.gz"] {
            let path = NSTemporaryDirectory() + "iopddl-derive-\(getpid())-\(UUID().uuidString)\(suffix)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let bytes = try ProblemWriter.write(d.problem, to: path)
            let (back, info) = try ProblemReader.readWithInfo(path: path)
            XCTAssertEqual(info.gzip, suffix == ".json.gz")
            XCTAssertEqual(info.textBytes, bytes)
            assertSameArrays(back, d.problem)
        }
        // A name that needs escaping, and no limit.
        var odd = try Problem(intervals: [(0, 1)], costs: [[3]], usages: [[1]], edges: [], edgeCosts: [], usageLimit: nil)
        odd.name = "a \"quoted\"\\ name\n\u{1}"
        let back = try ProblemReader.read(bytes: ProblemWriter.json(odd))
        assertSameArrays(back, odd)
    }

    func testWriteToAMissingDirectoryFailsWithThePath() throws {
        let p = try Problem(intervals: [(0, 1)], costs: [[3]], usages: [[1]], edges: [], edgeCosts: [], usageLimit: nil)
        XCTAssertThrowsError(try ProblemWriter.write(p, to: "/nonexistent-dir/x.json.gz")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/x.json.gz"), "\(error)")
        }
    }
}
