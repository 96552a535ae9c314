import Model
import TestSupport
import XCTest
@testable import Solver

final class DualPrimalTests: XCTestCase {
    /// Every labelling the dual decodes, once loaded (and repaired), is an exact search state;
    /// when it fits, its postsolved solution is feasible for the evaluator at the same cost and
    /// never below the brute-force optimum.
    func testLoadedLabellingsAreExactAndFeasible() {
        var loaded = 0, fitting = 0, optimal = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed, nodes: 9, edges: 14, maxStrategies: 4, infiniteChance: 0.15)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 1, let opt = BruteForce.optimum(p)?.cost else { continue }
            let dp = DualPrimal(inst)
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            var best = Int128.max
            for _ in 0 ..< 60 where dp.iterate() {
                loaded += 1
                let fits = dp.loadLabelling(into: state, stop: { false })
                if let problem = state.verify() { XCTFail("seed \(seed): \(problem)"); return }
                XCTAssertEqual(fits, state.feasible, "seed \(seed)")
                guard fits else { continue }
                fitting += 1
                let solution = inst.postsolve(state.x)
                guard let ev = try? Evaluator.evaluate(p, solution) else { XCTFail("seed \(seed): evaluation"); return }
                XCTAssertTrue(ev.feasible, "seed \(seed)")
                // Infinite terms count as `inst.infiniteUnit` inside the search (a soft infinity).
                if ev.cost < Int128(Problem.infinity) {
                    XCTAssertEqual(ev.cost, state.cost, "seed \(seed)")
                } else {
                    XCTAssertGreaterThanOrEqual(state.cost, Int128(inst.infiniteUnit), "seed \(seed)")
                }
                XCTAssertGreaterThanOrEqual(ev.cost, opt, "seed \(seed)")
                best = min(best, ev.cost)
            }
            if best == opt { optimal += 1 }
        }
        print("dual primal: \(loaded) labellings loaded, \(fitting) fit, optimum reached on \(optimal) instances")
        XCTAssertGreaterThan(fitting, 0)
        XCTAssertGreaterThan(optimal, 0)
    }

    /// Given the clock, a dual whose best estimate stops rising polishes its best state (as
    /// `iopddl bound`'s runs do, `PolishOnStall`); without it (runs under a work limit) it
    /// never does, and its iterations stay the same as before. The clock here is simulated:
    /// each iteration takes 0.1 s.
    func testStalledDualPolishesOnlyWithTheClock() {
        var polished = 0, checked = 0
        for seed in UInt64(1) ... 20 {
            guard let inst = Self.memoryInstance(seed: seed, edges: 14, maxStrategies: 4) else { continue }
            let timed = DualPrimal(inst), plain = DualPrimal(inst), reference = LagrangianDual(inst)
            for it in 0 ..< 2000 {
                _ = timed.iterate(now: 0.1 * Double(it))
                _ = plain.iterate()
                reference.iterate()
                reference.stepMultipliers()
            }
            XCTAssertEqual(plain.dual.polishes, 0, "seed \(seed)")
            XCTAssertEqual(plain.dual.bestEstimate, reference.bestEstimate, "seed \(seed)")
            if timed.dual.polishes > 0 { polished += 1 }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
        XCTAssertGreaterThan(polished, checked / 2, "stalled duals did not polish")
    }

    /// The final polish of the best state never lowers the best estimate, ends by itself when
    /// given the time, stops at once past its deadline, and leaves a state whose certificate
    /// still bounds every feasible labelling (checked by enumeration).
    func testPolishBestStateRaisesAValidBound() {
        var checked = 0, rose = 0
        for seed in UInt64(1) ... 80 {
            guard let inst = Self.memoryInstance(seed: seed, edges: 22, maxStrategies: 3) else { continue }
            guard let optimum = TestInstances.reducedOptimum(inst) else { continue }
            let dp = DualPrimal(inst)
            for _ in 0 ..< 15 { _ = dp.iterate() }
            let iterations = dp.dual.iterations
            let late = dp.polishBestState(until: 1, now: { 2 })
            XCTAssertEqual(dp.dual.iterations, iterations, "seed \(seed): iterated past the deadline")
            XCTAssertEqual(late.after, late.before, "seed \(seed)")
            let (before, after) = dp.polishBestState(until: .infinity, now: { 0 })
            XCTAssertFalse(dp.dual.polishing, "seed \(seed): the polish did not end by itself")
            XCTAssertGreaterThanOrEqual(after, before, "seed \(seed)")
            if after > before { rose += 1 }
            if let certified = dp.dual.certifyBest() {
                XCTAssertLessThanOrEqual(certified, optimum, "seed \(seed)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
        XCTAssertGreaterThan(rose, 0, "no polish raised the estimate (\(checked) instances)")
    }

    /// A node's weight is the sum of its cliques' multipliers (the Lagrangian penalty per unit
    /// of usage).
    /// The dual phase's yield rule: it yields only when it has waited long enough, no polished
    /// labelling since came within the margin of the run's best, and the step has settled;
    /// each condition alone keeps the phase going.
    func testDualPhaseYieldsOnlyWhenSettledAndFarFromTheRunsBest() {
        typealias Phase = Worker.DualPhase
        let reference: Int128 = 1_000_000
        let margin = WorkerTuning.dualYieldMargin
        let near = Int128(Double(reference) * (1 + margin / 2))
        let far = Int128(Double(reference) * (1 + 2 * margin))
        let settled = WorkerTuning.dualYieldStepScale, moving = WorkerTuning.dualYieldStepScale * 2
        // Near: within the margin of the run's best; no labelling is near nothing, and every
        // cost is near while the run has no best.
        XCTAssertTrue(Phase.isNear(near, reference: reference))
        XCTAssertTrue(Phase.isNear(reference - 1, reference: reference))
        XCTAssertFalse(Phase.isNear(far, reference: reference))
        XCTAssertFalse(Phase.isNear(.max, reference: reference))
        XCTAssertTrue(Phase.isNear(far, reference: .max))
        XCTAssertTrue(Phase.yields(waited: 11, after: 10, closestSince: far, reference: reference, stepScale: settled))
        XCTAssertTrue(Phase.yields(waited: 11, after: 10, closestSince: .max, reference: reference, stepScale: settled))
        XCTAssertFalse(Phase.yields(waited: 9, after: 10, closestSince: far, reference: reference, stepScale: settled))
        XCTAssertFalse(Phase.yields(waited: 11, after: 10, closestSince: near, reference: reference, stepScale: settled))
        XCTAssertFalse(Phase.yields(waited: 11, after: 10, closestSince: far, reference: reference, stepScale: moving))
    }

    func testWeightsAreSumsOfCliqueMultipliers() {
        var checked = 0
        for seed in UInt64(1) ... 30 {
            guard let inst = Self.memoryInstance(seed: seed, edges: 12, maxStrategies: 4) else { continue }
            let dp = DualPrimal(inst)
            for _ in 0 ..< 30 { _ = dp.iterate() }
            let memory = MemoryPolicy(nodes: inst.nodeCount)
            dp.applyWeights(to: memory)
            let mu = dp.dual.mu
            for i in 0 ..< inst.nodeCount where inst.cliqueFirst[i] < inst.cliqueEnd[i] {
                var sum = 0.0
                for c in Int(inst.cliqueFirst[i]) ..< Int(inst.cliqueEnd[i]) { sum += max(0, mu[c]) }
                XCTAssertEqual(memory.weight[i], sum, accuracy: 1e-9 * max(1, sum), "seed \(seed) node \(i)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0)
    }

    /// A random 10-node instance, reduced, when it is feasible, keeps more than one node and
    /// has memory rows (nil otherwise).
    private static func memoryInstance(seed: UInt64, edges: Int, maxStrategies: Int) -> SolverInstance? {
        let p = TestInstances.random(seed: seed, nodes: 10, edges: edges, maxStrategies: maxStrategies, infiniteChance: 0.1)
        let inst = Reducer.reduce(p)
        return inst.feasible && inst.nodeCount > 1 && inst.hasMemory ? inst : nil
    }

    /// Every memory-feasible labelling of the reduced instance, with its search cost.
    private func enumerate(_ inst: SolverInstance, _ body: ([Int32], Int128) -> Void) {
        TestInstances.forEachLabelling(inst) { x in
            let state = SearchState(inst, x)
            if state.feasible { body(x, state.cost) }
        }
    }

    /// The reduced costs bound every feasible labelling: cost(x) >= D + rc(node, x_node) for
    /// every node (checked by enumeration), at any point of the dual's run.
    func testReducedCostsBoundEveryFeasibleLabelling() {
        var checked = 0, positive = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed, nodes: 7, edges: 10, maxStrategies: 3, infiniteChance: 0,
                                         memory: seed % 3 != 0)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 1 else { continue }
            let dp = DualPrimal(inst)
            for round in 0 ..< 3 {
                for _ in 0 ..< [0, 5, 40][round] { _ = dp.iterate() }
                let (d, rc) = dp.dual.reducedCosts()
                positive += rc.filter { $0 > 1e-6 }.count
                enumerate(inst) { x, cost in
                    for i in 0 ..< inst.nodeCount {
                        let r = rc[Int(inst.strategyStart[i]) + Int(x[i])]
                        XCTAssertGreaterThanOrEqual(Double(cost - inst.base), d + r - 1e-6 * max(1, abs(d)), "seed \(seed) round \(round) node \(i)")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 1000)
        XCTAssertGreaterThan(positive, 100, "reduced costs all zero: nothing tested")
    }

    /// With the whole gap as the share, the restriction is reduced-cost fixing: the restricted
    /// whole-instance GLPK solve from any feasible start reaches the brute-force optimum, and
    /// a restricted solve only ever picks kept strategies (or keeps the current one).
    func testRestrictedSolvesKeepToTheMask() {
        var compared = 0, smaller = 0
        for seed in UInt64(1) ... 30 {
            let p = TestInstances.random(seed: seed &+ 500, nodes: 7, edges: 12, maxStrategies: 4, infiniteChance: 0,
                                         memory: seed % 2 == 0)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 1, let opt = BruteForce.optimum(p) else { continue }
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            guard state.feasible else { continue }
            let dp = DualPrimal(inst)
            for _ in 0 ..< 30 { _ = dp.iterate() }
            let lns = NeighbourhoodSearch(inst)
            // Share 1: exact.
            let r = dp.restriction(incumbent: state.cost, share: 1)
            if r.kept < inst.unary.count { smaller += 1 }
            let start = state.x
            lns.solveWhole(state: state, timeLimit: 30, mask: r.mask, better: { nil }, stop: { false })
            XCTAssertNil(state.verify(), "seed \(seed)")
            let ev = try! Evaluator.evaluate(p, inst.postsolve(state.x))
            XCTAssertTrue(ev.feasible, "seed \(seed)")
            XCTAssertEqual(ev.cost, opt.cost, "seed \(seed): \(lns.mip.lastOutcome)")
            compared += 1
            // A tight share: only kept strategies, or the start's.
            let tight = dp.restriction(incumbent: SearchState(inst, start).cost, share: 0.01)
            let other = SearchState(inst, start)
            lns.solveWhole(state: other, timeLimit: 30, mask: tight.mask, better: { nil }, stop: { false })
            for i in 0 ..< inst.nodeCount where other.x[i] != start[i] {
                XCTAssertTrue(tight.mask[Int(inst.strategyStart[i]) + Int(other.x[i])], "seed \(seed) node \(i)")
            }
            XCTAssertLessThanOrEqual(other.cost, SearchState(inst, start).cost)
            XCTAssertEqual(lns.stats.whole.calls, 0, "restricted solves are counted apart")
            XCTAssertGreaterThanOrEqual(lns.stats.restricted.calls, 2)
            XCTAssertNil(other.verify(), "seed \(seed)")
        }
        XCTAssertGreaterThan(compared, 15)
        XCTAssertGreaterThan(smaller, 5, "the restriction never removed anything")
    }
}
