import Foundation
import Model
import TestSupport
import XCTest
@testable import Solver

final class ExactSearchTests: XCTestCase {
    let clock = ProcessClock()
    var later: Double { clock.seconds + 3600 }

    func reducedBruteForce(_ inst: SolverInstance) -> Int128? { TestInstances.reducedOptimum(inst) }

    func fits(_ inst: SolverInstance, _ x: [Int32]) -> Bool { TestInstances.fits(inst, x) }

    /// Seeded random instance number `seed`: 2-8 nodes, memory limits, infinite entries and
    /// some edges of arity 3; every fifth one (when the limit stays >= 0) with a limit below the
    /// minimum-usage peak.
    func instance(_ seed: UInt64) -> Problem {
        let nodes = 2 + Int(seed % 7)
        var p = TestInstances.random(seed: seed, nodes: nodes, edges: nodes + nodes / 2 + 1, maxStrategies: 4,
                                     infiniteChance: seed % 3 == 0 ? 0.5 : 0.2, arity3Chance: 0.1)
        if seed % 5 == 0, let limit = p.usageLimit, limit >= 20 { p.usageLimit = limit - 20 }
        return p
    }

    /// On hundreds of random instances the search proves the brute-force optimum (or
    /// infeasibility), its assignment fits and costs what `SearchState` says, and mapped back
    /// it costs the original problem's brute-force optimum.
    func testMatchesBruteForce() {
        var optimal = 0, infeasible = 0, infiniteOptima = 0, originalChecked = 0
        for seed in UInt64(1) ... 400 {
            let p = instance(seed)
            let inst = Reducer.reduce(p)
            let expected = reducedBruteForce(inst)
            let result = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { false })
            switch result {
            case let .optimal(x, cost):
                optimal += 1
                XCTAssertTrue(fits(inst, x), "seed \(seed): optimum does not fit the memory")
                XCTAssertEqual(cost, SearchState.computeCost(inst, x), "seed \(seed)")
                XCTAssertEqual(cost, expected, "seed \(seed)")
                if cost >= Int128(inst.infiniteUnit) { infiniteOptima += 1 }
                // The original brute force, where it is cheap enough.
                if inst.exactInfinite && p.strategyCountsProduct <= 20_000 {
                    originalChecked += 1
                    let ev = try? Evaluator.evaluate(p, inst.postsolve(x))
                    XCTAssertEqual(ev?.feasible, true, "seed \(seed)")
                    XCTAssertEqual(ev?.cost, BruteForce.optimum(p)?.cost, "seed \(seed)")
                }
            case .infeasible:
                infeasible += 1
                XCTAssertNil(expected, "seed \(seed): claimed infeasible")
                XCTAssertNil(BruteForce.optimum(p)?.cost, "seed \(seed): claimed infeasible")
            case .unknown:
                XCTFail("seed \(seed): no proof without a deadline")
            }
        }
        XCTAssertGreaterThan(optimal, 250)
        XCTAssertGreaterThan(infeasible, 40)
        XCTAssertGreaterThan(infiniteOptima, 5, "too few optima with an infinite term")
        XCTAssertGreaterThan(originalChecked, 200)
    }

    /// Given an optimal incumbent, the search proves it (and returns it: nothing is cheaper);
    /// given a worse feasible one, it still finds the optimum.
    func testIncumbents() {
        var proved = 0, improved = 0
        for seed in UInt64(1) ... 200 {
            let inst = Reducer.reduce(instance(seed))
            guard case let .optimal(opt, cost) = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { false }) else { continue }
            let again = ExactSearch.solve(inst, incumbent: (opt, cost), deadline: later, clock: clock, stop: { false })
            XCTAssertEqual(again, .optimal(x: opt, cost: cost), "seed \(seed)")
            proved += 1
            // The worst feasible assignment as incumbent, with a wrong (too low) stated cost,
            // which must not be trusted.
            var worst: ([Int32], Int128)? = nil
            TestInstances.forEachLabelling(inst) { x in
                guard self.fits(inst, x) else { return }
                let c = SearchState.computeCost(inst, x)
                if worst == nil || c > worst!.1 { worst = (x, c) }
            }
            guard let (w, wc) = worst, wc > cost else { continue }
            var reported: [Int128] = []
            let from = ExactSearch.solve(inst, incumbent: (w, cost - 1), deadline: later, clock: clock, stop: { false },
                                         onImprove: { y, c in
                                             XCTAssertEqual(c, SearchState.computeCost(inst, y), "seed \(seed)")
                                             reported.append(c)
                                         })
            guard case let .optimal(x, c) = from else {
                XCTFail("seed \(seed): \(from)")
                continue
            }
            // Every improvement was reported, each cheaper than the one before, the last the optimum.
            XCTAssertEqual(reported.last, c, "seed \(seed)")
            XCTAssertEqual(reported, reported.sorted(by: >), "seed \(seed)")
            XCTAssertLessThan(reported.first ?? wc, wc, "seed \(seed)")
            XCTAssertEqual(c, cost, "seed \(seed)")
            XCTAssertTrue(fits(inst, x), "seed \(seed)")
            improved += 1
        }
        XCTAssertGreaterThan(proved, 150)
        XCTAssertGreaterThan(improved, 100)
    }

    /// A deadline already passed, or a stop request, gives `unknown`, never a proof; the
    /// incumbent comes back as the best found.
    func testStoppedSearchProvesNothing() {
        var checked = 0
        for seed in UInt64(1) ... 50 {
            let inst = Reducer.reduce(instance(seed))
            guard inst.feasible, case let .optimal(opt, cost) = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { false }) else { continue }
            let past = ExactSearch.solve(inst, incumbent: (opt, cost), deadline: clock.seconds - 1, clock: clock, stop: { false })
            XCTAssertEqual(past, .unknown(bestFound: ExactSolution(x: opt, cost: cost), nodesSearched: 0), "seed \(seed)")
            let stopped = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { true })
            XCTAssertEqual(stopped, .unknown(bestFound: nil, nodesSearched: 0), "seed \(seed)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// A search too large to finish between two looks at `stop` is interrupted: it reports
    /// `unknown` with a feasible best assignment whose cost is recomputed.
    func testInterruptedLargeSearch() throws {
        let p = TestInstances.random(seed: 7, nodes: 150, edges: 400, maxStrategies: 6, infiniteChance: 0.1)
        let inst = Reducer.reduce(p)
        XCTAssertGreaterThan(inst.nodeCount, 30)
        var calls = 0
        let result = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: {
            calls += 1
            return calls >= 3
        })
        guard case let .unknown(best, nodes) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(nodes, 2 * ExactSearch.checkInterval, "stop is asked at the start and after every checkInterval nodes")
        let b = try XCTUnwrap(best, "a depth-first search completes assignments early")
        XCTAssertTrue(fits(inst, b.x))
        XCTAssertEqual(b.cost, SearchState.computeCost(inst, b.x))
    }

    /// Assignments fed in during the search (as the run feeds the workers' bests) only tighten
    /// the pruning: a feed of the optimum, or of garbage (wrong length, strategies out of
    /// range, memory overfilled), leaves the proved cost unchanged; the optimum fed in cuts
    /// the search short.
    func testFedIncumbentsOnlyTighten() {
        var checked = 0, consulted = 0
        for seed: UInt64 in 1 ... 12 {
            let p = TestInstances.random(seed: seed, nodes: 40, edges: 70, maxStrategies: 6, infiniteChance: 0.1)
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 5, case let .optimal(opt, cost) = ExactSearch.solve(
                inst, incumbent: nil, deadline: clock.seconds + 20, clock: clock, stop: { false }) else { continue }
            var calls = 0
            let fed = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { false },
                                        incumbentFeed: { calls += 1; return opt })
            XCTAssertEqual(fed, .optimal(x: opt, cost: cost), "seed \(seed)")
            let wrong: [[Int32]] = [[0], [Int32](repeating: 99, count: inst.nodeCount),
                                    inst.strategyCount.map { $0 - 1 }, [Int32](repeating: -1, count: inst.nodeCount)]
            for (w, y) in wrong.enumerated() {
                let r = ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { false },
                                          incumbentFeed: { y })
                guard case let .optimal(x, c) = r else {
                    XCTFail("seed \(seed) feed \(w): \(r)")
                    continue
                }
                XCTAssertEqual(c, cost, "seed \(seed) feed \(w)")
                XCTAssertTrue(fits(inst, x), "seed \(seed) feed \(w)")
            }
            if calls > 0 { consulted += 1 }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 6, "too few instances proved")
        XCTAssertGreaterThanOrEqual(consulted, 1, "no search ran long enough to ask the feed")
    }

    /// Three nodes on a path, two strategies each, one clique holding all three (no reduction,
    /// so reduced nodes are the original ones and costs are the plain sums):
    ///   node costs 0: [1, 3], 1: [2, 0], 2: [3, 1]; usages 0: [1, 3], 1: [2, 5], 2: [1, 1]
    ///   edge (0,1): [[0, 5], [6, 1]], edge (1,2): [[2, 7], [0, 9]]
    /// All eight assignments (a, b, c): cost, usage
    ///   000: 1+2+3+0+2 = 8, 4     001: 1+2+1+0+7 = 11, 4    010: 1+0+3+5+0 = 9, 7
    ///   011: 1+0+1+5+9 = 16, 7    100: 3+2+3+6+2 = 16, 6    101: 3+2+1+6+7 = 19, 6
    ///   110: 3+0+3+1+0 = 7, 9     111: 3+0+1+1+9 = 14, 9
    /// Limit 9: optimum 110 (7). Limit 8: 110 and 111 no longer fit, optimum 000 (8).
    /// Limit 3: below the least usage 4, infeasible.
    func testHandMadePath() throws {
        func solve(limit: Int64) throws -> ExactResult {
            let p = try Problem(intervals: [(0, 2), (0, 2), (0, 2)], costs: [[1, 3], [2, 0], [3, 1]],
                                usages: [[1, 3], [2, 5], [1, 1]], edges: [[0, 1], [1, 2]],
                                edgeCosts: [[0, 5, 6, 1], [2, 7, 0, 9]], usageLimit: limit)
            var options = Reducer.Options()
            options.pruneInfinite = false
            options.pruneMemory = false
            options.fixSingletons = false
            options.eliminate = false
            let inst = Reducer.reduce(p, options: options)
            XCTAssertEqual(inst.nodeCount, 3)
            XCTAssertEqual(inst.base, 0)
            return ExactSearch.solve(inst, incumbent: nil, deadline: later, clock: clock, stop: { false })
        }
        XCTAssertEqual(try solve(limit: 9), .optimal(x: [1, 1, 0], cost: 7))
        XCTAssertEqual(try solve(limit: 8), .optimal(x: [0, 0, 0], cost: 8))
        XCTAssertEqual(try solve(limit: 3), .infeasible)
    }

    /// The memory test of the search itself (not the reducer's): an instance whose clique
    /// cannot hold the least usages, though marked feasible, is proved infeasible; with room
    /// for one node's larger strategy only, that strategy is taken by one node at most.
    ///   Nodes 0 and 1 share clique 0; strategies [0, 1] cost [5, 0] each, usage [1, 4].
    ///   Capacity 5: 11 (usage 8) does not fit; 01 and 10 cost 5, 00 costs 10. Optimum 5.
    ///   Capacity 1: even 00 (usage 2) does not fit: infeasible.
    func testSearchMemoryReserve() {
        func make(capacity: Int64) -> SolverInstance {
            SolverInstance(
                n: 2, k: [2, 2], off: [0, 2, 4], unary: [5, 0, 5, 0], usage: [1, 4, 1, 4], edgeU: [], edgeV: [],
                edgeOff: [0], edgeCost: [], infinite: 1_000_000_000_000_000, exactInfinite: true, offset: 0,
                hasMemory: true, capacity: [capacity], cFirst: [0, 0], cEnd: [1, 1], constant: 0,
                stats: ReductionStats(), origNode: [0, 1], origStrategy: [0, 1, 0, 1], fixedWork: [-1, -1],
                workOf: [0, 1], eliminations: [], originalNodeCount: 2, feasible: true)
        }
        let five = ExactSearch.solve(make(capacity: 5), incumbent: nil, deadline: later, clock: clock, stop: { false })
        guard case let .optimal(x, cost) = five else { return XCTFail("\(five)") }
        XCTAssertEqual(cost, 5)
        XCTAssertTrue(x == [0, 1] || x == [1, 0], "\(x)")
        XCTAssertEqual(ExactSearch.solve(make(capacity: 1), incumbent: nil, deadline: later, clock: clock, stop: { false }), .infeasible)
    }
}

/// Measurements for benchmarks/EXACT.md (not a check): skipped unless `IOPDDL_EXACT_MEASURE`
/// lists instances as `path[=solution]` separated by commas, where `solution` holds an
/// original solution `[s0, s1, ...]` used as the incumbent. `IOPDDL_EXACT_SECONDS` is the time
/// per run (default 60). Prints one line per instance and incumbent.
final class ExactSearchMeasurements: XCTestCase {
    func testMeasure() throws {
        let env = ProcessInfo.processInfo.environment
        guard let list = env["IOPDDL_EXACT_MEASURE"], !list.isEmpty else {
            throw XCTSkip("set IOPDDL_EXACT_MEASURE=path[=solution],... to measure")
        }
        let seconds = Double(env["IOPDDL_EXACT_SECONDS"] ?? "") ?? 60
        let clock = ProcessClock()
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let p = try ProblemReader.read(path: parts[0])
            let start = clock.seconds
            let inst = Reducer.reduce(p)
            let search = ExactSearch(inst)
            search.prepare(until: clock.seconds + seconds, clock: clock)
            print("\(parts[0]): reduced in \(formatSeconds(clock.seconds - start)) s to \(inst.nodeCount) nodes, \(inst.edgeCount) edges, \(inst.stats.strategies) strategies, \(inst.cliqueCount) cliques; frontier width \(search.frontierWidth) (greedy \(ExactSearch.width(inst, ExactSearch.greedyOrder(inst))), time \(ExactSearch.width(inst, ExactSearch.timeOrder(inst)))); root bound \(search.rootBound) after \(search.diffusionRoundsDone) diffusion rounds in \(formatSeconds(search.prepareSeconds)) s")
            var incumbents: [(String, [Int32]?)] = [("none", nil)]
            if parts.count > 1 {
                let text = try String(contentsOfFile: parts[1], encoding: .utf8)
                let digits = text.split { !$0.isNumber }.compactMap { Int($0) }
                let y = try XCTUnwrap(inst.presolve(digits), "the solution does not map into the reduced instance")
                incumbents.append(("\(SearchState.computeCost(inst, y))", y))
            }
            for (name, y) in incumbents {
                let t0 = clock.seconds
                let r = search.run(incumbent: y, deadline: t0 + seconds, clock: clock, stop: { false })
                let dt = formatSeconds(clock.seconds - t0)
                switch r {
                case let .optimal(_, cost): print("  incumbent \(name): optimal \(cost) in \(dt) s, \(search.nodes) nodes")
                case .infeasible: print("  incumbent \(name): infeasible in \(dt) s, \(search.nodes) nodes")
                case let .unknown(b, nodes): print("  incumbent \(name): unknown after \(dt) s, \(nodes) nodes, best \(b.map { "\($0.cost)" } ?? "none")")
                }
            }
        }
    }
}

extension Problem {
    /// Number of assignments of the original problem.
    var strategyCountsProduct: Int {
        (0 ..< nodeCount).reduce(1) { $0 * strategyCount($1) }
    }
}
