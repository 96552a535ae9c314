import Model
import Synchronization
import TestSupport
import XCTest
@testable import Solver

/// Lower bounds against brute force: every bound must be <= the optimum.
final class BoundTests: XCTestCase {
    /// Random tiny instances of several shapes (with and without memory, infinite entries,
    /// arity-3 edges).
    static func instances(count: Int = 120, nodes: Int = 7) -> [(UInt64, Problem)] {
        (1 ... UInt64(count)).map { seed in
            let shape = seed % 4
            let p = TestInstances.random(
                seed: seed &* 7919, nodes: shape == 3 ? nodes - 2 : nodes, edges: shape == 0 ? nodes - 1 : nodes + 4,
                maxStrategies: shape == 2 ? 5 : 4, infiniteChance: shape == 1 ? 0.45 : 0.15,
                memory: shape != 0, arity3Chance: shape == 3 ? 0.3 : 0)
            return (seed, p)
        }
    }

    /// A bound run on `p` of `seconds` on a fresh clock, with `configure`'s changes to the
    /// options, run to its end.
    func finishedRun(_ p: Problem, seconds: Double, threads: Int,
                     configure: (inout BoundOptions) -> Void = { _ in }) -> BoundRun {
        let clock = ProcessClock()
        var options = BoundOptions(stopAt: clock.seconds + seconds, threads: threads)
        configure(&options)
        let run = BoundRun(problem: p, options: options, clock: clock)
        run.run()
        return run
    }

    /// When the reductions fix every node, the bound is the evaluator's cost of their one
    /// solution, infinite terms counted at 1e18 (the reduced constant counts them at the
    /// reduced unit, 1e15, which gave a valid but lower bound), and the run holds that solution.
    func testEverythingFixedGivesTheEvaluatorsCost() throws {
        let inf = Problem.infinity
        let p = try Problem(intervals: [(0, 1), (0, 1)], costs: [[5], [7]], usages: [[1], [1]],
                            edges: [[0, 1]], edgeCosts: [[inf]], usageLimit: nil)
        let run = finishedRun(p, seconds: 5, threads: 1)
        XCTAssertEqual(run.instance.nodeCount, 0)
        XCTAssertEqual(run.bound, Int128(inf) + 12)
        XCTAssertEqual(run.optimum?.cost, Int128(inf) + 12)
        XCTAssertEqual(run.optimum?.solution, [0, 0])
    }

    /// `BoundRun`'s exact method alone proves the brute-force optimum of every feasible tiny
    /// instance (the bound equals it, `optimum` holds a solution of that cost) and proves
    /// nothing on infeasible ones.
    func testExactMethodProvesTheOptimum() throws {
        var proved = 0, infeasible = 0
        for (seed, p) in Self.instances(count: 60) {
            let run = finishedRun(p, seconds: 10, threads: 1) {
                $0.lagrange = false
                $0.mip = false
            }
            guard let opt = BruteForce.optimum(p) else {
                XCTAssertNil(run.optimum, "seed \(seed)")
                infeasible += 1
                continue
            }
            if run.instance.nodeCount == 0 {
                XCTAssertEqual(run.bound, opt.cost, "seed \(seed): reductions fixed everything")
                continue
            }
            let found = try XCTUnwrap(run.optimum, "seed \(seed): not proved")
            XCTAssertEqual(found.cost, opt.cost, "seed \(seed)")
            XCTAssertEqual(try Evaluator.evaluate(p, found.solution).cost, opt.cost, "seed \(seed)")
            XCTAssertEqual(run.bound, opt.cost, "seed \(seed)")
            XCTAssertEqual(run.method, "exact", "seed \(seed)")
            proved += 1
        }
        XCTAssertGreaterThanOrEqual(proved, 30, "too few instances proved")
        print("exact method: \(proved) proved, \(infeasible) infeasible")
    }

    /// Certificates of random dual points (messages and multipliers of any size and sign)
    /// never exceed the optimum.
    func testCertificateOfRandomDualPointsIsBelowOptimum() {
        var instances = 0, points = 0
        for (seed, p) in Self.instances() {
            guard let opt = BruteForce.optimum(p) else { continue }
            instances += 1
            let inst = Reducer.reduce(p)
            let layout = DualLayout(inst)
            var rng = SeededRNG(seed: seed)
            for trial in 0 ..< 30 {
                let scale = [1.0, 10, 100, 1e4][trial % 4]
                let m = (0 ..< layout.messageCount).map { _ in (rng.unit() - 0.5) * scale }
                let mu = (0 ..< inst.cliqueCount).map { _ in rng.unit() * scale / 50 }
                guard let r = DualCertificate.evaluate(inst, layout, DualPoint(messages: m, mu: mu)),
                      let b = originalBound(inst, reducedBound: r, nonNegative: true) else { continue }
                points += 1
                XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed) trial \(trial)")
            }
        }
        // Most random instances are feasible, and moderate dual values always certify.
        XCTAssertGreaterThanOrEqual(instances, 80)
        XCTAssertGreaterThanOrEqual(points, 20 * instances)
    }

    /// A wrong relaxation is caught. Its dual point has positive messages and negative
    /// multipliers, and it claims the value a buggy optimiser would: messages added to the
    /// nodes but not taken from the edges, multipliers not projected onto mu >= 0. That claim
    /// lies above the optimum; the certificate recomputes the dual value from the point itself
    /// and never passes the brute-force optimum.
    func testCertificateRefusesAWrongRelaxation() {
        let message = 1000.0, multiplier = -3.0
        var checked = 0, claimsAboveOptimum = 0
        for (seed, p) in Self.instances() {
            guard let opt = BruteForce.optimum(p) else { continue }
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0, inst.edgeCount > 0 else { continue }
            let layout = DualLayout(inst)
            let messages = [Double](repeating: message, count: layout.messageCount)
            let mu = [Double](repeating: multiplier, count: inst.cliqueCount)
            let claim = Self.wrongDualValue(inst, message: message, mu: mu)
            if claim + Double(inst.base) > Double(opt.cost) { claimsAboveOptimum += 1 }
            guard let r = DualCertificate.evaluate(inst, layout, DualPoint(messages: messages, mu: mu)),
                  let b = originalBound(inst, reducedBound: r, nonNegative: true) else {
                XCTFail("seed \(seed): no certificate for moderate dual values")
                continue
            }
            XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed): certified \(b) above the optimum \(opt.cost)")
            // The Lagrangian method's own certificate (its core after eliminations) likewise.
            let dual = LagrangianDual(inst)
            let lm = [Double](repeating: message, count: dual.messages.count)
            if let lr = dual.certify(messages: lm, mu: mu), let lb = originalBound(inst, reducedBound: lr, nonNegative: true) {
                XCTAssertLessThanOrEqual(lb, opt.cost, "seed \(seed): Lagrangian certificate \(lb) above the optimum \(opt.cost)")
            } else {
                XCTFail("seed \(seed): no Lagrangian certificate")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 25)
        XCTAssertGreaterThanOrEqual(claimsAboveOptimum, checked / 2, "the wrong relaxation rarely claimed too much: little tested")
    }

    /// The value the wrong relaxation above claims (reduced units): every slot's message
    /// counted at its node only, multipliers used as they are.
    static func wrongDualValue(_ inst: SolverInstance, message: Double, mu: [Double]) -> Double {
        var total = 0.0
        for c in 0 ..< inst.cliqueCount { total -= mu[c] * Double(inst.capacity[c]) }
        for i in 0 ..< inst.nodeCount {
            var m = 0.0
            if inst.hasMemory { for c in Int(inst.cliqueFirst[i]) ..< max(Int(inst.cliqueFirst[i]), Int(inst.cliqueEnd[i])) { m += mu[c] } }
            let degree = Double(Int(inst.adjOff[i + 1]) - Int(inst.adjOff[i]))
            var best = Double.infinity
            for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) {
                best = min(best, Double(inst.unary[s]) + Double(inst.usage[s]) * m + degree * message)
            }
            total += best
        }
        for e in 0 ..< inst.edgeCount {
            total += Double(inst.edgeCost[inst.edgeOff[e] ..< inst.edgeOff[e + 1]].min() ?? 0)
        }
        return total
    }

    /// With zero messages and multipliers the certificate is the sum of the minima.
    func testZeroDualPointIsSumOfMinima() {
        var checked = 0
        for (seed, p) in Self.instances(count: 40) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            checked += 1
            let layout = DualLayout(inst)
            let point = DualPoint(messages: [Double](repeating: 0, count: layout.messageCount),
                                  mu: [Double](repeating: 0, count: inst.cliqueCount))
            var expected: Int128 = 0
            for i in 0 ..< inst.nodeCount {
                expected += Int128(inst.unary[Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1])].min()!)
            }
            for e in 0 ..< inst.edgeCount {
                expected += Int128(inst.edgeCost[inst.edgeOff[e] ..< inst.edgeOff[e + 1]].min()!)
            }
            XCTAssertEqual(DualCertificate.evaluate(inst, layout, point), expected, "seed \(seed)")
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }

    /// Every certified bound along the Lagrangian iterations is <= the optimum.
    func testLagrangianBoundsAreBelowOptimum() {
        var checked = 0
        for (seed, p) in Self.instances() {
            guard let opt = BruteForce.optimum(p) else { continue }
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            checked += 1
            let dual = LagrangianDual(inst)
            for it in 0 ..< 60 {
                dual.iterate()
                // Both the state after the passes and the one after the multiplier step.
                for phase in 0 ..< 2 {
                    if phase == 1 { dual.stepMultipliers() }
                    guard let r = dual.certify() else {
                        XCTFail("seed \(seed): no certificate at iteration \(it)")
                        break
                    }
                    let b = originalBound(inst, reducedBound: r, nonNegative: true)!
                    XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed) iteration \(it)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 60)
    }

    /// Without memory on a tree-shaped instance, message passing is exact.
    func testMessagePassingIsExactOnTrees() {
        var checked = 0
        for seed in UInt64(1) ... 60 {
            let p = TestInstances.random(seed: seed, nodes: 8, edges: 7, maxStrategies: 4,
                                         infiniteChance: 0.1, memory: false)
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity) else { continue }
            // A forest? Edges are random pairs; only check when the edges form a forest.
            guard isForest(p) else { continue }
            let inst = Reducer.reduce(p)
            let dual = LagrangianDual(inst)
            for _ in 0 ..< 5 { dual.iterate() }
            let r = dual.certify().flatMap { originalBound(inst, reducedBound: $0, nonNegative: true) }
            XCTAssertEqual(r, opt.cost, "seed \(seed)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 3, "too few forests among the random instances")
    }

    /// quickBound is a valid bound.
    func testQuickBoundIsBelowOptimum() {
        var checked = 0
        for (seed, p) in Self.instances(count: 40) {
            guard let opt = BruteForce.optimum(p) else { continue }
            let inst = Reducer.reduce(p)
            let b = quickBound(inst, seconds: 0.005)
            XCTAssertNotNil(b, "seed \(seed): no bound")
            if let b { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)") }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 25)
    }

    /// A whole run: bounds never decrease and never pass the optimum.
    func testBoundRunIsMonotoneAndValid() {
        var checked = 0
        for (seed, p) in Self.instances(count: 30) {
            guard let opt = BruteForce.optimum(p) else { continue }
            let run = finishedRun(p, seconds: 0.3, threads: 2) { $0.upperBound = nil }
            let history = run.history
            for (a, b) in zip(history, history.dropFirst()) {
                XCTAssertLessThan(a.bound, b.bound, "seed \(seed)")
            }
            XCTAssertEqual(history.last?.bound, run.bound, "seed \(seed)")
            XCTAssertNotNil(run.bound, "seed \(seed): no bound")
            if let b = run.bound { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)") }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 20)
    }

    /// Without the exact search and without a known cost, the branch and bound waits for the
    /// Lagrangian run's first feasible labelling and proves the optimum from there; whatever
    /// it proves is the brute-force optimum.
    func testBranchFromTheLagrangianLabellings() {
        var proved = 0, checked = 0
        for (seed, p) in Self.instances(count: 40) {
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity) else { continue }
            let run = finishedRun(p, seconds: 0.5, threads: 2) {
                $0.exact = false
                $0.mip = false
                $0.lpBranch = false
                $0.upperBound = nil
            }
            if run.instance.nodeCount == 0 { continue }
            checked += 1
            if let b = run.bound { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)") }
            if let o = run.optimum {
                XCTAssertEqual(o.cost, opt.cost, "seed \(seed)")
                XCTAssertTrue(run.methodNotes.contains { $0.hasPrefix("branch: optimum") }, "seed \(seed): \(run.methodNotes)")
                proved += 1
            }
        }
        XCTAssertGreaterThan(checked, 15)
        XCTAssertGreaterThan(proved, 12, "the branch and bound rarely got a labelling's cost")
    }

    /// The branch and bound on the LP alone after the Lagrangian run (no exact search, no
    /// dual branches, no known cost): it takes the run's first feasible labelling and proves
    /// the brute-force optimum, and whatever it reports is a valid bound.
    func testLPBranchFromTheLagrangianLabellings() {
        var proved = 0, checked = 0
        for (seed, p) in Self.instances(count: 40) {
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity) else { continue }
            let run = finishedRun(p, seconds: 0.5, threads: 2) {
                $0.exact = false
                $0.branch = false
                $0.mip = false
                $0.upperBound = nil
            }
            if run.instance.nodeCount == 0 { continue }
            checked += 1
            if let b = run.bound { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)") }
            if let o = run.optimum {
                XCTAssertEqual(o.cost, opt.cost, "seed \(seed)")
                if run.methodNotes.contains(where: { $0.hasPrefix("lpbranch: optimum") }) { proved += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 15)
        XCTAssertGreaterThan(proved, 12, "the LP branch and bound rarely proved the optimum")
    }

    /// Threads no other method uses run further Lagrangian runs with the other step
    /// schedules; every run's bound is valid and the best one counts.
    func testSpareThreadsRunMoreLagrangianSchedules() {
        var checked = 0
        for (seed, p) in Self.instances(count: 12) {
            guard let opt = BruteForce.optimum(p) else { continue }
            let run = finishedRun(p, seconds: 0.2, threads: 3) {
                $0.exact = false
                $0.branch = false
                $0.lpBranch = false
                $0.mip = false
            }
            let lagrange = run.methodNotes.filter { $0.hasPrefix("lagrange (") }
            if run.instance.nodeCount == 0 { continue }
            XCTAssertEqual(lagrange.count, 3, "seed \(seed): \(run.methodNotes)")
            XCTAssertEqual(lagrange.filter { $0.hasPrefix("lagrange (60 halvings)") }.count, 1, "seed \(seed)")
            XCTAssertEqual(lagrange.filter { $0.hasPrefix("lagrange (12 halvings)") }.count, 2, "seed \(seed)")
            if let b = run.bound { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)") }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 5)
    }

    /// The bound command's progress lines: one per rise of the bound, in the shared grammar,
    /// with `best:` and `gap:` when a solution cost is known.
    func testBoundRunWritesOneProgressLinePerRise() throws {
        let (_, p) = try XCTUnwrap(Self.instances(count: 8).first { BruteForce.optimum($0.1) != nil && Reducer.reduce($0.1).nodeCount > 0 })
        let opt = try XCTUnwrap(BruteForce.optimum(p)).cost
        let lines = Mutex<[String]>([])
        let clock = ProcessClock()
        var options = BoundOptions(stopAt: clock.seconds + 0.2, threads: 1, upperBound: opt)
        options.mip = false
        let run = BoundRun(problem: p, options: options, clock: clock,
                           progress: ProgressLog(sink: { line in lines.withLock { $0.append(line) } }))
        run.run()
        let written = lines.withLock { $0 }
        XCTAssertEqual(written.count, run.history.count)
        XCTAssertGreaterThan(written.count, 0)
        for (n, (line, event)) in zip(written, run.history).enumerated() {
            let expected = "#\(n + 1) \(formatSeconds(event.seconds))s best:\(opt) bound:\(event.bound) gap:\(gapPercent(cost: opt, bound: event.bound))% src:\(event.method)\n"
            XCTAssertEqual(line, expected)
        }
    }

    /// Absurd dual values (beyond what Int128 arithmetic can take safely, or not finite) give
    /// no certificate instead of a trap or a wrong value.
    func testHugeOrNonFiniteDualValuesGiveNoCertificate() {
        var checked = 0
        for (seed, p) in Self.instances(count: 20) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0, inst.edgeCount > 0 else { continue }
            checked += 1
            let layout = DualLayout(inst)
            for bad in [1e35, 1e25, .infinity, .nan] {
                var m = [Double](repeating: 0, count: layout.messageCount)
                m[0] = bad
                let mu = [Double](repeating: 0, count: inst.cliqueCount)
                XCTAssertNil(DualCertificate.evaluate(inst, layout, DualPoint(messages: m, mu: mu)), "seed \(seed) value \(bad)")
                let dual = LagrangianDual(inst, eliminate: false)
                var dm = dual.messages
                if !dm.isEmpty {
                    dm[0] = bad
                    XCTAssertNil(dual.certify(messages: dm, mu: dual.mu), "seed \(seed) value \(bad)")
                }
            }
            if inst.cliqueCount > 0 {
                let m = [Double](repeating: 0, count: layout.messageCount)
                var mu = [Double](repeating: 0, count: inst.cliqueCount)
                mu[0] = 1e30
                XCTAssertNil(DualCertificate.evaluate(inst, layout, DualPoint(messages: m, mu: mu)), "seed \(seed) huge multiplier")
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 5)
    }

    func isForest(_ p: Problem) -> Bool {
        var parent = Array(0 ..< p.nodeCount)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { x = parent[x] }
            return x
        }
        for e in 0 ..< p.edgeCount {
            let list = p.edgeNodeList(e).map { Int($0) }
            guard list.count == 2 else { return false }
            let a = find(list[0]), b = find(list[1])
            if a == b { return false }
            parent[a] = b
        }
        return true
    }
}

/// Property: with the multipliers fixed, message passing never lowers the dual value, so the
/// certified bounds never decrease over iterations (up to the grid rounding of the
/// certificate, which can cost at most one unit after rounding up).
final class BoundMonotonicityTests: XCTestCase {
    func testMessagePassingNeverLowersTheBound() {
        var checked = 0
        for (seed, p) in BoundTests.instances(count: 80) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            checked += 1
            let dual = LagrangianDual(inst)
            if inst.hasMemory {
                // Some fixed positive multipliers.
                var rng = SeededRNG(seed: seed)
                dual.setMultipliers((0 ..< inst.cliqueCount).map { _ in rng.unit() * 3 })
            }
            var last = -Double.infinity
            var lastCertified: Int128? = nil
            for it in 0 ..< 40 {
                let d = dual.iterate()
                XCTAssertGreaterThanOrEqual(d, last - 1e-7 * max(1, abs(last)), "seed \(seed) iteration \(it)")
                last = d
                let c = dual.certify()
                if let c, let l = lastCertified { XCTAssertGreaterThanOrEqual(c, l - 1, "seed \(seed) iteration \(it)") }
                lastCertified = c
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 60)
    }

    /// A polish goes back to the best state, keeps the multipliers there (the steps do nothing
    /// meanwhile), never lowers the estimate, certifies below the optimum, and ends by itself.
    func testPolishFreezesTheBestStateAndOnlyRises() {
        var checked = 0
        for (seed, p) in BoundTests.instances(count: 200) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0, inst.hasMemory, let opt = BruteForce.optimum(p) else { continue }
            checked += 1
            let dual = LagrangianDual(inst)
            for _ in 0 ..< 30 {
                dual.iterate()
                dual.stepMultipliers()
            }
            let best = dual.bestEstimate
            dual.startPolish()
            XCTAssertTrue(dual.polishing)
            let frozen = dual.mu
            var last = best
            var iterations = 0
            while dual.polishing && iterations < 20 * LagrangianDual.polishWindow {
                let d = dual.iterate()
                iterations += 1
                XCTAssertGreaterThanOrEqual(d, last - 1e-7 * max(1, abs(last)), "seed \(seed) iteration \(iterations)")
                last = d
                dual.stepMultipliers()
                if dual.polishing { XCTAssertEqual(dual.mu, frozen, "seed \(seed)") }
                if let c = dual.certify(), let b = originalBound(inst, reducedBound: c, nonNegative: true) {
                    XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed) iteration \(iterations)")
                } else {
                    XCTFail("seed \(seed): no certificate")
                }
            }
            XCTAssertFalse(dual.polishing, "seed \(seed): the polish did not end")
            XCTAssertEqual(dual.polishes, 1)
            XCTAssertGreaterThanOrEqual(dual.polishGain, 0)
            // The steps resume afterwards.
            dual.iterate()
            dual.stepMultipliers()
        }
        XCTAssertGreaterThanOrEqual(checked, 40)
    }

    /// The keeper only ever takes rising bounds, whatever order they are offered in, and
    /// refuses any value above the known cost.
    func testKeeperOnlyRises() {
        var keeper = BoundKeeper()
        var rng = SeededRNG(seed: 5)
        var best: Int128? = nil
        var raisedCount = 0, refused = 0
        for step in 0 ..< 200 {
            let b = Int128(rng.below(1000))
            let cost: Int128? = rng.below(4) == 0 ? Int128(rng.below(1000)) : nil
            let outcome = keeper.offer(b, source: "test", at: Double(step), cost: cost)
            if let cost, b > cost {
                XCTAssertEqual(outcome, .aboveCost(cost))
                refused += 1
            } else if let old = best, b <= old {
                XCTAssertEqual(outcome, .notHigher)
            } else {
                XCTAssertEqual(outcome, .raised)
                best = b
                raisedCount += 1
            }
            XCTAssertEqual(keeper.bound, best)
        }
        let h = keeper.history.map(\.bound)
        XCTAssertEqual(h.count, raisedCount)
        XCTAssertEqual(h, h.sorted())
        XCTAssertEqual(Set(h).count, h.count)
        XCTAssertGreaterThan(refused, 0)
        // A bound above a newly found cost is dropped.
        let top = try? XCTUnwrap(keeper.bound)
        if let top {
            XCTAssertNil(keeper.dropIfAbove(top))
            XCTAssertEqual(keeper.dropIfAbove(top - 1)?.bound, top)
            XCTAssertNil(keeper.bound)
            XCTAssertEqual(keeper.source, "")
        }
    }

    /// A best value counts as flat only when it stops rising over a whole window: a slow
    /// steady rise (A without its limit) keeps it going, which the bound's old rule for plain
    /// message passing (the estimate no higher than at the last certificate) did not.
    func testRiseWindowNeedsAFlatWindow() {
        let w = 500
        var slow = RiseWindow(window: w, tolerance: 1e-9)
        var best = 5e9
        for it in 1 ... 20 * w {
            best += 5e9 * 2e-6 / Double(w)  // 2e-6 of the value per window
            XCTAssertNotEqual(slow.check(iteration: it, best: best)?.flat, true, "iteration \(it)")
        }
        var flat = RiseWindow(window: w, tolerance: 1e-9)
        var stoppedAt: Int?
        for it in 1 ... 5 * w where stoppedAt == nil {
            // Rises for two windows, then stays within the tolerance.
            let value = it <= 2 * w ? 1e6 + Double(it) : 1e6 + Double(2 * w) + 1e-6
            if flat.check(iteration: it, best: value)?.flat == true { stoppedAt = it }
        }
        // Marks at w (the first), 2w (risen), 3w: the first flat window ends there.
        XCTAssertEqual(stoppedAt, 3 * w)
        // From a finite mark the first window already counts, and reports its rise.
        var marked = RiseWindow(window: w, tolerance: 1e-9, from: 10, best: 7)
        XCTAssertNil(marked.check(iteration: 10 + w - 1, best: 9))
        let first = marked.check(iteration: 10 + w, best: 9)
        XCTAssertEqual(first?.rise, 2)
        XCTAssertEqual(first?.flat, false)
    }

    /// One patience formula: the iterations the time left allows, per planned halving, within
    /// [15, 1000].
    func testPatienceSpreadsTheHalvingsOverTheTimeLeft() {
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: 100, secondsLeft: 60, halvings: 12), 500)
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: 100, secondsLeft: 60, halvings: 60), 100)
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: 100, secondsLeft: 1, halvings: 12), 15)
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: 1e6, secondsLeft: 60, halvings: 12), 1000)
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: 100, secondsLeft: -5, halvings: 12), 15)
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: .infinity, secondsLeft: 1, halvings: 12), 1000)
        XCTAssertEqual(LagrangianDual.patience(iterationsPerSecond: 37, secondsLeft: 10, halvings: 12), 30, "rounds down")
    }

    /// The solve's dual phase and its extra bound thread use one memory estimate of the dual.
    func testOneMemoryEstimateOfTheDual() {
        let inst = Reducer.reduce(TestInstances.random(seed: 3, nodes: 8, edges: 10))
        let entries = inst.edgeOff[inst.edgeCount], strategies = Int(inst.strategyStart[inst.nodeCount])
        XCTAssertEqual(LagrangianDual.estimatedBytes(inst), 32 * entries + 64 * strategies)
        XCTAssertEqual(DualPrimal.estimatedBytes(inst), LagrangianDual.estimatedBytes(inst))
        XCTAssertLessThan(quickBoundMaxBytes, DualPrimal.maxBytes)
    }
}

/// The solve command's bound: `quickBound`'s reports, the incumbent store's bookkeeping and
/// `SolverRun.computeBound` on the solver's own reduction.
final class BoundInSolveTests: XCTestCase {
    /// Every value handed to `onBound` is valid and higher than the one before, and the last one
    /// is the returned bound.
    func testQuickBoundReportsRisingValidBounds() {
        var checked = 0
        for (seed, p) in BoundTests.instances(count: 40) {
            guard let opt = BruteForce.optimum(p) else { continue }
            checked += 1
            let inst = Reducer.reduce(p)
            var seen: [Int128] = []
            let b = quickBound(inst, seconds: 0.01, onBound: { seen.append($0) })
            XCTAssertEqual(seen, seen.sorted(), "seed \(seed)")
            XCTAssertEqual(Set(seen).count, seen.count, "seed \(seed)")
            XCTAssertEqual(seen.last, b, "seed \(seed)")
            for v in seen { XCTAssertLessThanOrEqual(v, opt.cost, "seed \(seed)") }
        }
        XCTAssertGreaterThanOrEqual(checked, 25)
    }

    /// Property: whatever is offered in whatever order, the store's bound never decreases and
    /// never passes its incumbent; a value above the incumbent is refused; `provedOptimal` holds
    /// exactly when bound == cost, and the optimality action runs once.
    func testStoreBoundNeverDecreasesNorPassesTheIncumbent() {
        var checked = 0
        for (seed, p) in BoundTests.instances(count: 40) {
            guard let opt = BruteForce.optimum(p) else { continue }
            checked += 1
            let store = IncumbentStore(problem: p, clock: ProcessClock(), logProgress: false)
            let fired = Mutex(0)
            store.whenOptimal { fired.withLock { $0 += 1 } }
            var rng = SeededRNG(seed: seed)
            var lastBound: Int128? = nil
            for step in 0 ..< 200 {
                let before = store.snapshot
                if rng.below(3) == 0 {
                    // A random assignment (often infeasible: then refused).
                    let x = (0 ..< p.nodeCount).map { rng.below(p.strategyCount($0)) }
                    store.offer(x, source: "random")
                } else if rng.below(4) == 0 {
                    store.offer(opt.solution, source: "optimum")
                } else {
                    // Valid bounds up to the optimum, and some invalid ones above the incumbent.
                    // (Without an incumbent the store cannot tell an invalid value: only valid ones.)
                    let valid = rng.below(5) != 0 || before.cost == nil
                    let v = valid ? opt.cost - Int128(rng.below(30)) : before.cost! + 1 + Int128(rng.below(30))
                    let raised = store.offerBound(v, source: "test")
                    if !valid { XCTAssertFalse(raised, "seed \(seed) step \(step): \(v) above \(before.cost!)") }
                }
                let s = store.snapshot
                if let l = lastBound {
                    let b = try? XCTUnwrap(s.bound, "seed \(seed) step \(step): bound lost")
                    if let b { XCTAssertGreaterThanOrEqual(b, l, "seed \(seed) step \(step)") }
                }
                if let b = s.bound, let c = s.cost { XCTAssertLessThanOrEqual(b, c, "seed \(seed) step \(step)") }
                XCTAssertEqual(s.provedOptimal, s.bound != nil && s.bound == s.cost, "seed \(seed) step \(step)")
                if s.provedOptimal { XCTAssertEqual(s.cost, opt.cost, "seed \(seed) step \(step)") }
                lastBound = s.bound ?? lastBound
            }
            XCTAssertEqual(fired.withLock { $0 }, store.provedOptimal ? 1 : 0, "seed \(seed)")
        }
        XCTAssertGreaterThanOrEqual(checked, 25)
    }

    /// The solve's bound thread on the solver's own reduction: its bound never passes the
    /// brute-force optimum.
    func testRunBoundIsBelowOptimum() {
        var checked = 0
        for (seed, p) in BoundTests.instances(count: 40) {
            guard let opt = BruteForce.optimum(p) else { continue }
            let clock = ProcessClock()
            let store = IncumbentStore(problem: p, clock: clock, logProgress: false)
            let run = SolverRun(problem: p, options: SolverOptions(stopAt: clock.seconds + 5, logProgress: false),
                                clock: clock, store: store)
            guard run.prepare() else { continue }
            checked += 1
            run.computeBound(seconds: 0.01)
            let b = store.snapshot.bound
            XCTAssertNotNil(b, "seed \(seed): no bound")
            if let b { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)") }
        }
        XCTAssertGreaterThanOrEqual(checked, 25)
    }
}
