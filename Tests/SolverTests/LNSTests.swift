import Model
import TestSupport
import XCTest
@testable import Solver

final class LNSTests: XCTestCase {
    private func setUp(_ p: Problem) -> (SolverInstance, SearchState)? {
        let inst = Reducer.reduce(p)
        guard inst.feasible, inst.nodeCount > 0 else { return nil }
        return (inst, SearchState(inst, SolverRun.minimumUsage(inst)))
    }

    /// Instances of 40-80 nodes with memory and infinite entries; infinite pruning off so that
    /// edges with infinite entries survive the reductions.
    private func instances() -> [(UInt64, SolverInstance, SearchState)] {
        var out: [(UInt64, SolverInstance, SearchState)] = []
        for seed in UInt64(1) ... 30 {
            let nodes = 40 + Int(seed % 5) * 10
            let p = TestInstances.random(
                seed: seed, nodes: nodes, edges: nodes + nodes / 2, maxStrategies: 4,
                infiniteChance: seed % 3 == 0 ? 0 : 0.25, memory: seed % 4 != 0)
            guard let (inst, state) = setUp(p) else { continue }
            out.append((seed, inst, state))
        }
        return out
    }

    /// Whether every node of `set` is reachable from `seed` inside `set`.
    private func connected(_ inst: SolverInstance, _ set: [Int32], from seed: Int) -> Bool {
        let inSet = Set(set.map(Int.init))
        var seen: Set<Int> = [seed]
        var queue = [seed]
        while let t = queue.popLast() {
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                let w = Int(inst.adjOther[p])
                if inSet.contains(w) && seen.insert(w).inserted { queue.append(w) }
            }
        }
        return seen.count == inSet.count
    }

    /// Size of `seed`'s connected component (along edges where `along` holds, or all edges).
    private func componentSize(_ inst: SolverInstance, _ seed: Int, along: [Bool]? = nil) -> Int {
        var seen: Set<Int> = [seed]
        var queue = [seed]
        while let t = queue.popLast() {
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                if let along, !along[Int(inst.adjEdge[p])] { continue }
                let w = Int(inst.adjOther[p])
                if seen.insert(w).inserted { queue.append(w) }
            }
        }
        return seen.count
    }

    /// Balls, infinite clusters and random regions contain their seed, are connected, have no
    /// duplicates and stop at `size` (or at the seed's component when it is smaller).
    func testConnectedGeneratorsContainSeedAndRespectSize() {
        var checked = 0
        for (seed, inst, _) in instances() {
            let gen = NeighbourhoodGenerator(inst)
            var rng = SeededRNG(seed: seed)
            for round in 0 ..< 10 {
                let root = rng.below(inst.nodeCount)
                let size = 1 + rng.below(min(inst.nodeCount, 30))
                let tag = "seed \(seed) round \(round) root \(root) size \(size)"
                let component = componentSize(inst, root)
                let sets: [(String, [Int32])] = [
                    ("ball", gen.ball(seeds: [root], size: size, rng: &rng)),
                    ("random", gen.randomRegion(seed: root, size: size, rng: &rng)),
                    ("inf-cluster", gen.infiniteCluster(seed: root, size: size, rng: &rng)),
                ]
                for (name, set) in sets {
                    XCTAssertEqual(set.first, Int32(root), "\(name) \(tag)")
                    XCTAssertEqual(Set(set).count, set.count, "\(name) \(tag): duplicates")
                    XCTAssertEqual(set.count, min(size, component), "\(name) \(tag)")
                    XCTAssertTrue(connected(inst, set, from: root), "\(name) \(tag): not connected")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 500)
    }

    /// An infinite cluster takes the seed's whole component along infinite-entry edges before
    /// any other node, when it fits.
    func testInfiniteClusterTakesInfiniteComponentFirst() {
        var checked = 0
        for (seed, inst, _) in instances() {
            let gen = NeighbourhoodGenerator(inst)
            guard !gen.infiniteNodes.isEmpty else { continue }
            var rng = SeededRNG(seed: seed ^ 0x1F)
            for _ in 0 ..< 5 {
                let root = Int(gen.infiniteNodes[rng.below(gen.infiniteNodes.count)])
                let infComponent = componentSize(inst, root, along: gen.edgeHasInfinite)
                let size = infComponent + rng.below(10)
                let set = gen.infiniteCluster(seed: root, size: size, rng: &rng)
                let prefix = Array(set.prefix(infComponent))
                XCTAssertEqual(componentSize(inst, root, along: gen.edgeHasInfinite), prefix.count)
                // The first `infComponent` nodes are linked to the seed by infinite-entry edges.
                var seen: Set<Int> = [root]
                var queue = [root]
                while let t = queue.popLast() {
                    for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) where gen.edgeHasInfinite[Int(inst.adjEdge[p])] {
                        let w = Int(inst.adjOther[p])
                        if seen.insert(w).inserted { queue.append(w) }
                    }
                }
                XCTAssertEqual(Set(prefix.map(Int.init)), seen, "seed \(seed) root \(root)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// The peak window contains every variable node live at its centre clique (when the size
    /// allows), stays within size, and `tightClique` finds a clique of least slack.
    func testWindowCoversPeakClique() {
        var checked = 0
        for (seed, inst, state) in instances() where inst.hasMemory && inst.cliqueCount > 0 {
            let gen = NeighbourhoodGenerator(inst)
            guard gen.applies(.peakWindow) else { continue }
            var rng = SeededRNG(seed: seed ^ 0x77)
            let slack = SearchState.computeSlack(inst, state.x)
            let peak = gen.tightClique(state: state, rng: &rng)
            if inst.cliqueCount < 128 { XCTAssertEqual(slack[peak], slack.min(), "seed \(seed)") }
            let live = (0 ..< inst.nodeCount).filter { inst.cliqueFirst[$0] <= peak && peak < inst.cliqueEnd[$0] && inst.strategyCount[$0] > 1 }
            for size in [live.count * 3 / 2 + 1, inst.nodeCount] {
                let set = gen.window(center: peak, size: size, rng: &rng)
                let s = Set(set.map(Int.init))
                XCTAssertEqual(s.count, set.count, "seed \(seed): duplicates")
                XCTAssertLessThanOrEqual(set.count, size, "seed \(seed)")
                for i in live { XCTAssertTrue(s.contains(i), "seed \(seed) size \(size): node \(i) live at the peak \(peak) missing") }
            }
            // Through `generate`, within size.
            for size in [1, 5, 20] {
                XCTAssertLessThanOrEqual(gen.generate(.peakWindow, state: state, size: size, rng: &rng).free.count, size)
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }

    /// Every kind through `generate`: valid, distinct nodes, at least one, at most `size`.
    func testGenerateIsValidForEveryKind() {
        for (seed, inst, state) in instances() {
            let gen = NeighbourhoodGenerator(inst)
            var rng = SeededRNG(seed: seed ^ 0x99)
            for kind in NeighbourhoodKind.allCases where gen.applies(kind) {
                for size in [1, 2, 7, 25, 1000] {
                    let set = gen.generate(kind, state: state, size: size, rng: &rng).free
                    XCTAssertFalse(set.isEmpty, "\(kind.name) seed \(seed)")
                    XCTAssertLessThanOrEqual(set.count, min(size, inst.nodeCount), "\(kind.name) seed \(seed)")
                    XCTAssertEqual(Set(set).count, set.count, "\(kind.name) seed \(seed)")
                    XCTAssertTrue(set.allSatisfy { $0 >= 0 && Int($0) < inst.nodeCount }, "\(kind.name) seed \(seed)")
                }
            }
        }
    }

    /// LNS steps never make the state worse or infeasible, keep it exact, and are counted.
    func testStepNeverWorsensOrBreaksMemory() {
        var improved = 0
        for (seed, inst, state) in instances() {
            let lns = NeighbourhoodSearch(inst)
            var rng = SeededRNG(seed: seed ^ 0x5)
            XCTAssertTrue(state.feasible, "seed \(seed)")
            for round in 0 ..< 12 {
                let before = state.cost
                if lns.step(state: state, now: 0, stopAt: 100, rng: &rng, stop: { false }) {
                    XCTAssertLessThan(state.cost, before, "seed \(seed) round \(round)")
                    improved += 1
                } else {
                    XCTAssertEqual(state.cost, before, "seed \(seed) round \(round)")
                }
                XCTAssertNil(state.verify(), "seed \(seed) round \(round)")
                XCTAssertTrue(state.feasible, "seed \(seed) round \(round)")
            }
            let calls = lns.stats.generators.reduce(0) { $0 + $1.calls }
            let wins = lns.stats.generators.reduce(0) { $0 + $1.improvements }
            XCTAssertEqual(calls, 12, "seed \(seed)")
            XCTAssertEqual(lns.mip.failures, 0, "seed \(seed): \(lns.mip.lastOutcome)")
            // One line per generator used, and the time share (no whole-instance solves here).
            XCTAssertEqual(lns.stats.lines.filter { !$0.hasPrefix("time-share") }.count, lns.stats.generators.filter { $0.calls > 0 }.count)
            XCTAssertEqual(lns.stats.shares.count, 1)
            XCTAssertTrue((0.1 ... 0.6).contains(lns.timeShare), "seed \(seed): share \(lns.timeShare)")
            _ = wins
        }
        XCTAssertGreaterThan(improved, 20)
    }

    /// The time share counts the worker's own progress between solves, not a better state it
    /// adopted: after a first solve that improved, a state replaced by a better one from
    /// elsewhere (`ownCost` = the cost the worker itself had reached) leaves GLPK the largest
    /// share, while the same replacement counted as the worker's own progress lowers it.
    func testTimeShareIgnoresAdoptedStates() {
        var compared = 0
        for (seed, inst, _) in instances() {
            // Two identical runs from the minimum-usage start, the same RNG stream.
            func run(passOwnCost: Bool) -> Double? {
                let state = SearchState(inst, SolverRun.minimumUsage(inst))
                let lns = NeighbourhoodSearch(inst)
                var rng = SeededRNG(seed: seed ^ 0x77)
                let start = state.cost
                // The share only follows finite costs.
                guard state.feasible && start < Int128(inst.infiniteUnit) else { return nil }
                var calls = 0
                // Solves until one improves (a > 0).
                while state.cost == start && calls < 6 {
                    lns.step(state: state, now: 0, stopAt: 100, rng: &rng, stop: { false })
                    calls += 1
                }
                guard state.cost < start else { return nil }
                let reached = state.cost
                // A better state found elsewhere: a descent on a copy.
                let better = SearchState(inst, state.x)
                LocalSearch(better, seed: seed, memory: MemoryPolicy(nodes: inst.nodeCount)).descend(stop: { false })
                guard better.cost < reached else { return nil }
                state.reset(better.x)
                lns.step(state: state, ownCost: passOwnCost ? reached : nil, now: 10, stopAt: 100, rng: &rng,
                         stop: { false })
                return lns.timeShare
            }
            guard let own = run(passOwnCost: true), let counted = run(passOwnCost: false) else { continue }
            XCTAssertEqual(own, 0.6, accuracy: 1e-9, "seed \(seed)")
            XCTAssertLessThan(counted, 0.6, "seed \(seed)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 3)
    }

    /// Dual regions (with worker 0's reduced costs published): connected from their first
    /// node, no duplicates, the restricted model within the column budget (or one node), and
    /// the mask keeps exactly the strategies within the share of the gap. Steps with them never
    /// worsen or break the state.
    func testDualRegionsAreConnectedWithinBudget() {
        var checked = 0, improved = 0
        for (seed, inst, state) in instances() {
            let dp = DualPrimal(inst)
            for _ in 0 ..< 20 { _ = dp.iterate() }
            let (d, rc) = dp.dual.reducedCosts()
            let hints = DualHints()
            let gen = NeighbourhoodGenerator(inst, hints: hints)
            hints.publish(DualHints.Hint(dual: d, reducedCost: rc))
            XCTAssertTrue(gen.applies(.dualRegion))
            var rng = SeededRNG(seed: seed ^ 0x77)
            for budget in [1, 40, 200, 5000] {
                let hint = hints.current!
                let region = gen.dualRegion(state: state, hint: hint, columns: budget, rng: &rng)
                let set = region.free
                let tag = "seed \(seed) budget \(budget)"
                guard let mask = region.mask, let first = set.first else { XCTFail(tag); continue }
                XCTAssertEqual(Set(set).count, set.count, "\(tag): duplicates")
                XCTAssertTrue(connected(inst, set, from: Int(first)), "\(tag): not connected")
                let limit = gen.dualShare * max(0, Double(state.cost - inst.base) - d) + 1e-9 * max(1, abs(d))
                for s in 0 ..< rc.count { XCTAssertEqual(mask[s], rc[s] <= limit, tag) }
                // Columns of the restricted model: kept strategies (plus the current one) and
                // pairs on edges inside the region.
                var alive = [Int](repeating: 0, count: inst.nodeCount)
                for v in set {
                    let i = Int(v), o = Int(inst.strategyStart[i])
                    alive[i] = mask[o + Int(state.x[i])] ? 0 : 1
                    for t in o ..< Int(inst.strategyStart[i + 1]) where mask[t] { alive[i] += 1 }
                }
                var columns = alive.reduce(0, +)
                for e in 0 ..< inst.edgeCount { columns += alive[Int(inst.edgeU[e])] * alive[Int(inst.edgeV[e])] }
                if set.count > 1 { XCTAssertLessThanOrEqual(columns, budget, tag) }
                checked += 1
            }
            let lns = NeighbourhoodSearch(inst, hints: hints)
            for round in 0 ..< 6 {
                let before = state.cost
                if lns.step(state: state, now: 0, stopAt: 100, rng: &rng, stop: { false }) {
                    XCTAssertLessThan(state.cost, before, "seed \(seed) round \(round)")
                    improved += 1
                }
                XCTAssertNil(state.verify(), "seed \(seed) round \(round)")
                XCTAssertTrue(state.feasible, "seed \(seed) round \(round)")
                XCTAssertNil(lns.mip.strategyMask, "the mask is only set during a dual-region solve")
            }
        }
        XCTAssertGreaterThan(checked, 40)
        XCTAssertGreaterThan(improved, 0)
    }

    /// Exact mode: the whole-instance solve reaches the brute-force optimum.
    func testSolveWholeReachesOptimum() {
        var compared = 0
        for seed in UInt64(1) ... 30 {
            var rng = SeededRNG(seed: seed &* 13)
            let nodes = 4 + rng.below(5)
            let p = TestInstances.random(seed: seed &+ 1000, nodes: nodes, edges: 2 * nodes, maxStrategies: 4,
                                         infiniteChance: 0.2, memory: seed % 2 == 0)
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity),
                  let (inst, state) = setUp(p) else { continue }
            let lns = NeighbourhoodSearch(inst)
            XCTAssertTrue(lns.exactApplies)
            lns.solveWhole(state: state, timeLimit: 30, better: { nil }, stop: { false })
            XCTAssertNil(state.verify(), "seed \(seed)")
            let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
            XCTAssertTrue(ev.feasible, "seed \(seed)")
            XCTAssertEqual(ev.cost, opt.cost, "seed \(seed): \(lns.mip.lastOutcome)")
            XCTAssertGreaterThan(lns.stats.whole.calls, 0)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 15)
    }

    /// Exact mode through `step`: once the state stops improving, one whole-instance solve,
    /// which reaches the brute-force optimum; never again after that.
    func testExactModeRunsOnceWhenStalled() {
        var compared = 0
        for seed in UInt64(1) ... 20 {
            let p = TestInstances.random(seed: seed &+ 2000, nodes: 7, edges: 14, maxStrategies: 4,
                                         infiniteChance: 0.2, memory: seed % 2 == 0)
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity),
                  let (inst, state) = setUp(p) else { continue }
            let lns = NeighbourhoodSearch(inst, exactMode: true)
            var rng = SeededRNG(seed: seed)
            // Solves in the one exact-mode call (a solve per improvement, then one that finds
            // nothing); no later step adds any.
            var exactSolves: Int?
            for call in 0 ..< 8 {
                let before = state.cost
                lns.step(state: state, now: Double(call) * 100, stopAt: 1000, rng: &rng, stop: { false })
                XCTAssertLessThanOrEqual(state.cost, before, "seed \(seed)")
                XCTAssertTrue(state.feasible, "seed \(seed)")
                XCTAssertNil(state.verify(), "seed \(seed)")
                if exactSolves == nil && lns.stats.whole.calls > 0 { exactSolves = lns.stats.whole.calls }
            }
            XCTAssertNotNil(exactSolves, "seed \(seed)")
            XCTAssertEqual(lns.stats.whole.calls, exactSolves ?? -1, "seed \(seed)")
            XCTAssertEqual(try Evaluator.evaluate(p, inst.postsolve(state.x)).cost, opt.cost, "seed \(seed)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 8)
    }

    /// A better assignment handed in by `better` is taken before the solve.
    func testSolveWholeTakesBetterStart() {
        let p = TestInstances.random(seed: 4242, nodes: 8, edges: 16, maxStrategies: 4, infiniteChance: 0, memory: false)
        guard let opt = BruteForce.optimum(p), let (inst, state) = setUp(p),
              let x = inst.presolve(opt.solution) else { return XCTFail("setup") }
        let lns = NeighbourhoodSearch(inst)
        lns.solveWhole(state: state, timeLimit: 30, better: { x }, stop: { false })
        XCTAssertEqual(try Evaluator.evaluate(p, inst.postsolve(state.x)).cost, opt.cost)
        XCTAssertEqual(lns.stats.whole.improvements, 0)
    }

    /// `repairInfinite` on states that hold infinite terms: never dearer, still fitting, cost
    /// exact, its answer true exactly when no infinite term is left; and, with windows that
    /// grow to the whole instance, it removes every infinite term whenever an assignment
    /// without one fits (`FiniteSolutionSearch`), which fails when the windows miss the terms'
    /// nodes or the solves are not applied.
    func testRepairRemovesInfiniteTerms() {
        var tried = 0, repaired = 0
        // Sparse infinite entries, so that most instances have an assignment without one.
        for seed in UInt64(1) ... 30 {
            let p = TestInstances.random(seed: seed, nodes: 40, edges: 60, maxStrategies: 4,
                                         infiniteChance: 0.05, memory: seed % 4 != 0)
            guard let (inst, state) = setUp(p) else { continue }
            let unit = Int128(inst.infiniteUnit)
            guard let exists = FiniteSolutionSearch.run(inst, constantFinite: true) else { continue }
            // Up to three switches into an infinite term that use no more memory.
            var injected = 0
            for i in 0 ..< inst.nodeCount where injected < 3 {
                for b in 0 ..< Int(inst.strategyCount[i]) where state.usageDelta(i, b) <= 0 {
                    let d = state.delta(i, b)
                    if d >= unit { state.apply(i, b, d); injected += 1; break }
                }
            }
            guard (state.cost - inst.base) / unit >= 1 else { continue }
            tried += 1
            let rs = NeighbourhoodSearch(inst)
            let before = state.cost
            var rng = SeededRNG(seed: seed)
            let finite = rs.repairInfinite(state: state, rounds: 6, firstSize: 4, timeLimit: 10, rng: &rng, stop: { false })
            let tag = "seed \(seed)"
            XCTAssertLessThanOrEqual(state.cost, before, tag)
            XCTAssertEqual(state.cost, SearchState.computeCost(inst, state.x), tag)
            XCTAssertTrue(state.feasible, tag)
            XCTAssertEqual(finite, (state.cost - inst.base) / unit == 0, tag)
            XCTAssertEqual(finite, rs.infiniteTermNodes(state).isEmpty, tag)
            XCTAssertEqual(finite, exists, tag)
            if finite { repaired += 1 }
        }
        XCTAssertGreaterThan(tried, 3)
        XCTAssertGreaterThan(repaired, 3)
    }
}
