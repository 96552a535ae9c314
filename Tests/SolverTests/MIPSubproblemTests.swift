import Model
import TestSupport
import XCTest
@testable import Solver

final class MIPSubproblemTests: XCTestCase {
    /// Reduced instance and a state at the minimum-usage start; nil when infeasible or empty.
    private func setUp(_ p: Problem) -> (SolverInstance, SearchState)? {
        let inst = Reducer.reduce(p)
        guard inst.feasible, inst.nodeCount > 0 else { return nil }
        return (inst, SearchState(inst, SolverRun.minimumUsage(inst)))
    }

    private func allNodes(_ inst: SolverInstance) -> [Int32] { (0 ..< inst.nodeCount).map { Int32($0) } }

    /// All nodes free: one exact solve from the minimum-usage start reaches the brute-force
    /// optimum whenever it is finite, and the state stays exact and feasible.
    func testAllFreeReachesBruteForceOptimum() {
        var compared = 0, improved = 0
        for memory in [false, true] {
            for seed in UInt64(1) ... 50 {
                var rng = SeededRNG(seed: seed &* 31 &+ (memory ? 7 : 0))
                let nodes = 4 + rng.below(5)
                let p = TestInstances.random(
                    seed: seed, nodes: nodes, edges: 2 * nodes + rng.below(2 * nodes), maxStrategies: 4,
                    infiniteChance: [0.0, 0.2, 0.5][Int(seed % 3)], memory: memory)
                let tag = "seed \(seed) memory \(memory)"
                guard let opt = BruteForce.optimum(p), let (inst, state) = setUp(p) else { continue }
                let startCost = state.cost
                let solver = MIPSubproblemSolver(inst)
                if let r = solver.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { false }) {
                    XCTAssertGreaterThan(r.improvement, 0, tag)
                    XCTAssertTrue(solver.apply(r, to: state), tag)
                    XCTAssertEqual(state.cost, startCost - r.improvement, tag)
                    improved += 1
                }
                XCTAssertNil(state.verify(), tag)
                XCTAssertTrue(state.feasible, tag)
                XCTAssertEqual(solver.failures, 0, "\(tag): \(solver.lastOutcome)")
                let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
                XCTAssertTrue(ev.feasible, tag)
                if opt.cost < Int128(Problem.infinity) {
                    XCTAssertEqual(ev.cost, opt.cost, "\(tag): \(solver.lastOutcome)")
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThan(compared, 40)
        XCTAssertGreaterThan(improved, 20)
    }

    /// Larger instances, random partial free sets, repeated: the cost never rises, fixed nodes
    /// keep their strategies, memory holds, and every result is the subproblem's optimum (checked
    /// by enumerating the free nodes' strategies).
    func testPartialFreeSetsAreExactAndRespectMemory() {
        var improvedTotal = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(
                seed: seed, nodes: 30, edges: 60, maxStrategies: 4, infiniteChance: seed % 2 == 0 ? 0.3 : 0.05,
                memory: seed % 4 != 0)
            guard let (inst, state) = setUp(p) else { continue }
            let solver = MIPSubproblemSolver(inst)
            var rng = SeededRNG(seed: seed)
            for round in 0 ..< 6 {
                let tag = "seed \(seed) round \(round)"
                var free = Set<Int32>()
                let size = 1 + rng.below(5)
                while free.count < min(size, inst.nodeCount) { free.insert(Int32(rng.below(inst.nodeCount))) }
                let freeList = Array(free).sorted()
                let before = state.x
                let costBefore = state.cost
                let best = subproblemOptimum(inst, state, freeList)
                let r = solver.solve(state: state, free: freeList, timeLimit: 30, stop: { false })
                if let r {
                    for (node, _) in r.assignment { XCTAssertTrue(free.contains(node), "\(tag): node \(node) not free") }
                    XCTAssertTrue(solver.apply(r, to: state), tag)
                    improvedTotal += 1
                }
                XCTAssertNil(state.verify(), tag)
                XCTAssertTrue(state.feasible, tag)
                XCTAssertLessThanOrEqual(state.cost, costBefore, tag)
                for i in 0 ..< inst.nodeCount where !free.contains(Int32(i)) { XCTAssertEqual(state.x[i], before[i], "\(tag): node \(i)") }
                XCTAssertEqual(state.cost, min(best, costBefore), "\(tag): \(solver.lastOutcome)")
                XCTAssertEqual(solver.failures, 0, "\(tag): \(solver.lastOutcome)")
            }
        }
        XCTAssertGreaterThan(improvedTotal, 20)
    }

    /// Long timelines with tight limits (many cliques, overlapping live sets, so rows are
    /// merged and implied rows dropped): BFS balls of up to 7 nodes are solved to the
    /// subproblem's optimum and memory holds.
    func testMemoryRowsOnLongTimelinesAreExact() {
        var improvedTotal = 0
        for seed in UInt64(1) ... 40 {
            var rng = SeededRNG(seed: seed ^ 0x5EED)
            let n = 40
            var intervals: [(Int64, Int64)] = [], costs: [[Int64]] = [], usages: [[Int64]] = []
            for _ in 0 ..< n {
                let lo = Int64(rng.below(35))
                intervals.append((lo, lo + 1 + Int64(rng.below(15))))
                let k = 1 + rng.below(3)
                costs.append((0 ..< k).map { _ in Int64(rng.below(100)) })
                usages.append((0 ..< k).map { _ in Int64(rng.below(20)) })
            }
            var edges: [[Int]] = [], tables: [[Int64]] = []
            for _ in 0 ..< 70 {
                let u = rng.below(n), v = (u + 1 + rng.below(n - 1)) % n
                edges.append([u, v])
                tables.append((0 ..< costs[u].count * costs[v].count).map { _ in
                    rng.below(10) == 0 ? Problem.infinity : Int64(rng.below(100))
                })
            }
            var p = try! Problem(intervals: intervals, costs: costs, usages: usages, edges: edges,
                                 edgeCosts: tables, usageLimit: nil)
            p.usageLimit = Int64(InstanceStats.minimumUsagePeak(p)) + Int64(rng.below(10))
            guard let (inst, state) = setUp(p) else { continue }
            let solver = MIPSubproblemSolver(inst)
            for round in 0 ..< 8 {
                let tag = "seed \(seed) round \(round)"
                var ball = [rng.below(inst.nodeCount)]
                var seen = Set(ball)
                var head = 0
                let size = 2 + rng.below(6)
                while head < ball.count && ball.count < size {
                    let t = ball[head]
                    head += 1
                    for q in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) where ball.count < size {
                        let w = Int(inst.adjOther[q])
                        if seen.insert(w).inserted { ball.append(w) }
                    }
                }
                let free = ball.map { Int32($0) }
                let costBefore = state.cost
                let best = subproblemOptimum(inst, state, free)
                if let r = solver.solve(state: state, free: free, timeLimit: 30, stop: { false }) {
                    XCTAssertTrue(solver.apply(r, to: state), tag)
                    improvedTotal += 1
                }
                XCTAssertNil(state.verify(), tag)
                XCTAssertTrue(state.feasible, tag)
                XCTAssertEqual(state.cost, min(best, costBefore), "\(tag): \(solver.lastOutcome)")
                XCTAssertEqual(solver.failures, 0, "\(tag): \(solver.lastOutcome)")
            }
        }
        XCTAssertGreaterThan(improvedTotal, 20)
    }

    /// Least cost over all feasible assignments of `free` (others as in `state`).
    private func subproblemOptimum(_ inst: SolverInstance, _ state: SearchState, _ free: [Int32]) -> Int128 {
        var x = state.x
        var best = Int128.max
        var choice = [Int](repeating: 0, count: free.count)
        while true {
            for (q, i) in free.enumerated() { x[Int(i)] = Int32(choice[q]) }
            let feasible = !inst.hasMemory || SearchState.computeSlack(inst, x).allSatisfy { $0 >= 0 }
            if feasible { best = min(best, SearchState.computeCost(inst, x)) }
            var q = 0
            while q < free.count {
                choice[q] += 1
                if choice[q] < Int(inst.strategyCount[Int(free[q])]) { break }
                choice[q] = 0
                q += 1
            }
            if q == free.count { break }
        }
        return best
    }

    /// Once a subproblem is solved, solving it again finds nothing.
    func testAlreadyOptimalReturnsNil() {
        var checked = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed, nodes: 8, edges: 14, maxStrategies: 4, memory: seed % 2 == 0)
            guard let (inst, state) = setUp(p) else { continue }
            let solver = MIPSubproblemSolver(inst)
            if let r = solver.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { false }) {
                solver.apply(r, to: state)
            }
            let again = solver.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { false })
            XCTAssertNil(again, "seed \(seed): \(solver.lastOutcome)")
            let warm = MIPSubproblemSolver(inst, options: .init(startMode: .warmStart))
            XCTAssertNil(warm.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { false }), "seed \(seed)")
            XCTAssertEqual(solver.failures + warm.failures, 0, "seed \(seed): \(solver.lastOutcome)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// The warm-start mode reaches the same optimum as the cutoff mode.
    func testWarmStartModeReachesOptimum() {
        var checked = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed, nodes: 6, edges: 10, maxStrategies: 4, memory: seed % 2 == 0)
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity),
                  let (inst, state) = setUp(p) else { continue }
            checked += 1
            let solver = MIPSubproblemSolver(inst, options: .init(startMode: .warmStart))
            if let r = solver.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { false }) {
                XCTAssertTrue(solver.apply(r, to: state), "seed \(seed)")
            }
            XCTAssertNil(state.verify(), "seed \(seed)")
            let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
            XCTAssertEqual(ev.cost, opt.cost, "seed \(seed): \(solver.lastOutcome)")
        }
        XCTAssertGreaterThan(checked, 20, "instances checked")
    }

    /// The size caps refuse a subproblem and count it; the state is untouched.
    func testSizeCapReturnsNil() {
        var checked = 0, refused = 0
        for seed in UInt64(1) ... 10 {
            let p = TestInstances.random(seed: seed, nodes: 12, edges: 24, maxStrategies: 4, memory: true)
            guard let (inst, state) = setUp(p) else { continue }
            checked += 1
            let cost = state.cost
            for options in [MIPSubproblemSolver.Options(maxColumns: 1), .init(maxNonzeros: 1)] {
                let solver = MIPSubproblemSolver(inst, options: options)
                XCTAssertNil(solver.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { false }), "seed \(seed)")
                // A subproblem with nothing to choose is not refused for its size.
                if solver.skipped == 0 { continue }
                XCTAssertEqual(solver.skipped, 1, "seed \(seed)")
                XCTAssertEqual(solver.calls, 1, "seed \(seed)")
                refused += 1
            }
            XCTAssertEqual(state.cost, cost, "seed \(seed)")
        }
        XCTAssertGreaterThan(checked, 8, "instances checked")
        XCTAssertGreaterThan(refused, 10, "subproblems refused")
    }

    /// Four nodes all joined (so no reduction folds them away), strategies 0/1; edges cost 1
    /// when the first node takes 1, else 0. Node 0's strategy 0 costs `big`, the rest is cheap.
    private func fourClique(big: Int64) -> Problem {
        let pairs = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
        return try! Problem(
            intervals: Array(repeating: (0, 1), count: 4), costs: [[big, 0], [0, 1], [0, 1], [0, 1]],
            usages: Array(repeating: [0, 1], count: 4), edges: pairs,
            edgeCosts: Array(repeating: [0, 0, 1, 1], count: pairs.count), usageLimit: nil)
    }

    /// A spread of costs that reaches 2^52 is refused, not rounded; 1e12 (as on real
    /// instances) is solved exactly.
    func testObjectiveTooLargeForDoublesIsSkipped() {
        // From (0, 0, 0, 0), cost `big`: node 0 to 1 costs its 3 edges, saving big - 3.
        for (big, expectSkip) in [(Int64(5_000_000_000_000_000), true), (1_000_000_000_000, false)] {
            let p = fourClique(big: big)
            let inst = Reducer.reduce(p)
            guard inst.nodeCount == 4, let start = inst.presolve([0, 0, 0, 0]) else {
                return XCTFail("the reductions changed the 4-clique: \(inst.stats)")
            }
            let state = SearchState(inst, start)
            let solver = MIPSubproblemSolver(inst)
            let r = solver.solve(state: state, free: allNodes(inst), timeLimit: 10, stop: { false })
            if expectSkip {
                XCTAssertNil(r, "big \(big)")
                XCTAssertEqual(solver.skipped, 1, "big \(big): \(solver.lastOutcome)")
            } else {
                XCTAssertEqual(r?.improvement, Int128(big) - 3, "big \(big): \(solver.lastOutcome)")
            }
        }
    }

    /// Adds infinite entries to the 4-clique's edge 0-1 (all but the pair (1, 1)) and starts
    /// on the infinite pair (0, 0): with the reductions' infinite pruning off, the subproblem
    /// keeps the current infinite pair and reaches the brute-force optimum (0, 1, 1, 0), cost
    /// big + 10. With `big` = 2e15 the model keeping every infinite term would need a 6e15
    /// objective range, so the fallback (only the current assignment's infinite terms) is used.
    func testRemovesAnInfiniteCurrentPair() {
        let inf = Problem.infinity
        for big: Int64 in [0, 2_000_000_000_000_000] {
            let p = try! Problem(
                intervals: Array(repeating: (0, 1), count: 4), costs: [[big, 0], [0, 1], [0, 1], [0, 1]],
                usages: Array(repeating: [0, 1], count: 4), edges: [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]],
                edgeCosts: [[inf, 5, inf, inf], [0, 0, 1, 1], [0, 0, 1, 1], [0, inf, inf, 1], [0, 0, 1, 1], [0, 0, 1, 1]],
                usageLimit: nil)
            var options = Reducer.Options()
            options.pruneInfinite = false
            let inst = Reducer.reduce(p, options: options)
            guard inst.nodeCount == 4, let start = inst.presolve([0, 0, 0, 0]) else {
                return XCTFail("the reductions changed the 4-clique: \(inst.stats)")
            }
            let state = SearchState(inst, start)
            XCTAssertGreaterThanOrEqual(state.cost, Int128(inst.infiniteUnit))
            let solver = MIPSubproblemSolver(inst)
            guard let r = solver.solve(state: state, free: allNodes(inst), timeLimit: 10, stop: { false }) else {
                return XCTFail("big \(big): \(solver.lastOutcome)")
            }
            XCTAssertEqual(solver.restrictedSolves, big > 0 ? 1 : 0, "big \(big)")
            XCTAssertTrue(solver.apply(r, to: state))
            XCTAssertNil(state.verify())
            let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
            XCTAssertEqual(ev.cost, BruteForce.optimum(p)!.cost, "big \(big)")
        }
    }

    /// A stop request before the search is honoured (no crash, nothing applied).
    func testStopRequestIsHonoured() {
        let p = TestInstances.random(seed: 5, nodes: 30, edges: 60, maxStrategies: 4, memory: true)
        guard let (inst, state) = setUp(p) else { return }
        let cost = state.cost
        let solver = MIPSubproblemSolver(inst)
        let r = solver.solve(state: state, free: allNodes(inst), timeLimit: 30, stop: { true })
        if let r { solver.apply(r, to: state) }
        XCTAssertNil(state.verify())
        XCTAssertLessThanOrEqual(state.cost, cost)
        XCTAssertEqual(solver.failures, 0, solver.lastOutcome)
    }
}
