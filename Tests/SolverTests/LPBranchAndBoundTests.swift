import Foundation
import Model
import XCTest
@testable import Solver

final class LPBranchAndBoundTests: XCTestCase {
    let clock = ProcessClock()
    var later: Double { clock.seconds + 3600 }

    /// The random instances of `DualBranchAndBoundTests` (`TestInstances.branchAndBoundProblem`), reduced.
    func instance(_ seed: UInt64) -> SolverInstance { Reducer.reduce(TestInstances.branchAndBoundProblem(seed: seed)) }

    /// The cheapest assignment that fits, in reduced units, by enumeration; nil when none fits.
    func bruteForce(_ inst: SolverInstance) -> Int128? {
        TestInstances.reducedOptimum(inst).map { $0 - inst.base }
    }

    func search(_ inst: SolverInstance, from u: Int128, incumbent: [Int32]? = nil,
                stop: @escaping (LPBranchAndBound) -> Bool = { _ in false }) -> (LPBranchAndBound, LPBranchAndBound.Outcome) {
        let s = LPBranchAndBound(inst)
        let r = s.run(upperBound: u, incumbent: incumbent, deadline: later, now: { self.clock.seconds }, stop: { stop(s) })
        return (s, r)
    }

    /// Started above the optimum with no assignment, the search ends complete at the
    /// brute-force optimum with an assignment that fits and costs it (its LP's integral
    /// solutions give assignments). Instances where nothing fits, or whose optimum holds an
    /// infinite term, are left out: the callers only set out to prove a finite cost of an
    /// assignment that fits. (With the certificate raised by two units, branches holding the
    /// optimum get closed and this test fails.)
    func testProvesTheBruteForceOptimum() {
        var proved = 0, split = 0, withMemory = 0
        for seed in UInt64(1) ... 400 {
            let inst = instance(seed)
            guard inst.nodeCount > 0, let expected = bruteForce(inst), expected < Int128(inst.infiniteUnit) else { continue }
            let start = expected + 7
            let (s, result) = search(inst, from: start)
            guard case let .complete(lower, best) = result, let best else {
                XCTFail("seed \(seed): \(result)")
                continue
            }
            XCTAssertEqual(lower, expected, "seed \(seed)")
            XCTAssertTrue(TestInstances.fits(inst, best), "seed \(seed): the optimum does not fit")
            XCTAssertEqual(inst.storedCost(best), expected, "seed \(seed)")
            proved += 1
            if s.branches > 1 { split += 1 }
            if inst.hasMemory { withMemory += 1 }
        }
        XCTAssertGreaterThan(proved, 150)
        XCTAssertGreaterThan(split, 10, "too few searches needed a branch")
        XCTAssertGreaterThan(withMemory, 40)
    }

    /// With every certificate a unit below the LP's value (as GLPK's tolerances may leave it),
    /// branches whose LP is integral at U cannot be closed by their certificate: the search
    /// splits their assignment off and still completes at the optimum. (Without `splitOff` it
    /// stops with such branches undecided and this test fails.)
    func testCompletesWhenCertificatesFallShort() {
        var proved = 0
        for seed in UInt64(1) ... 200 {
            let inst = instance(seed)
            guard inst.nodeCount > 0, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            let s = LPBranchAndBound(inst, certificateLoss: 1)
            let result = s.run(upperBound: opt + 7, incumbent: nil, deadline: later, now: { self.clock.seconds }, stop: { false })
            guard case let .complete(lower, best) = result, let best else {
                XCTFail("seed \(seed): \(result)")
                continue
            }
            XCTAssertEqual(lower, opt, "seed \(seed)")
            XCTAssertEqual(inst.storedCost(best), opt, "seed \(seed)")
            proved += 1
        }
        XCTAssertGreaterThan(proved, 80)
    }

    /// The root's certificate is the LP's value: the rows' duals read as messages and
    /// multipliers certify GLPK's objective up to rounding (with a sign of the mapping wrong,
    /// the certificate falls far below it), and never lie above the optimum.
    func testRootCertificateIsTheLPValue() {
        var checked = 0
        for seed in UInt64(1) ... 400 {
            let inst = instance(seed)
            guard inst.nodeCount > 1, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            let (s, _) = search(inst, from: opt + 1_000) { $0.branches >= 1 }
            guard let root = s.rootBound, let objective = s.rootObjective else {
                XCTFail("seed \(seed): no root certificate")
                continue
            }
            XCTAssertLessThanOrEqual(root, opt, "seed \(seed)")
            XCTAssertGreaterThanOrEqual(Double(root), objective - 1e-6 * max(1, abs(objective)) - 1, "seed \(seed)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100)
    }

    /// Given the optimum with an optimal assignment, the search proves it and keeps it; given
    /// a value below the optimum, it proves that value and has no assignment.
    func testGivenCosts() {
        var checked = 0
        for seed in UInt64(601) ... 700 {
            let inst = instance(seed)
            guard inst.nodeCount > 0, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            var x: [Int32]? = nil
            TestInstances.forEachLabelling(inst) { y in
                if x == nil && TestInstances.fits(inst, y) && inst.storedCost(y) == opt { x = y }
            }
            XCTAssertEqual(search(inst, from: opt, incumbent: x).1, .complete(lowerBound: opt, best: x), "seed \(seed)")
            XCTAssertEqual(search(inst, from: opt - 1).1, .complete(lowerBound: opt - 1, best: nil), "seed \(seed)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// A search stopped after k branches reports the least bound of its open branches: never
    /// above the optimum and never falling as k grows. Stopped before the root, it reports none.
    func testStoppedSearchBoundsTheOptimum() {
        var checked = 0
        for seed in UInt64(1) ... 400 {
            let inst = instance(seed)
            guard inst.nodeCount > 0, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            let (full, _) = search(inst, from: opt + 7)
            guard full.branches >= 3 else { continue }
            var last: Int128? = nil
            for k in 1 ..< full.branches {
                guard case let .stopped(lower, _) = search(inst, from: opt + 7, stop: { $0.branches >= k }).1 else { continue }
                guard let lower else {
                    XCTFail("seed \(seed): no bound after \(k) branches")
                    continue
                }
                XCTAssertLessThanOrEqual(lower, opt, "seed \(seed), \(k) branches")
                if let last { XCTAssertGreaterThanOrEqual(lower, last, "seed \(seed), \(k) branches") }
                last = lower
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
        let inst = instance(11)
        XCTAssertEqual(search(inst, from: 1_000_000, stop: { _ in true }).1, .stopped(lowerBound: nil, best: nil))
    }

    /// `mayFit` is exact where it says no: when it rejects, nothing fits (by enumeration);
    /// when something fits, it accepts. A node left without strategies is rejected.
    func testMayFit() {
        var rejected = 0, accepted = 0
        for seed in UInt64(1) ... 120 {
            let inst = instance(seed)
            guard inst.nodeCount > 0 else { continue }
            let all = [Bool](repeating: true, count: inst.unary.count)
            // Forbid each node's first strategy too, so that least loads rise.
            var some = all
            for i in 0 ..< inst.nodeCount where inst.strategyCount[i] > 1 { some[Int(inst.strategyStart[i])] = false }
            for allowed in [all, some] {
                var anyFits = false
                TestInstances.forEachLabelling(inst) { y in
                    if !anyFits && (0 ..< inst.nodeCount).allSatisfy({ allowed[Int(inst.strategyStart[$0]) + Int(y[$0])] })
                        && TestInstances.fits(inst, y) { anyFits = true }
                }
                if LPBranchAndBound.mayFit(inst, allowed) { accepted += 1 } else {
                    XCTAssertFalse(anyFits, "seed \(seed): rejected a branch where something fits")
                    rejected += 1
                }
            }
            var none = all
            for s in Int(inst.strategyStart[0]) ..< Int(inst.strategyStart[1]) { none[s] = false }
            XCTAssertFalse(LPBranchAndBound.mayFit(inst, none), "seed \(seed)")
        }
        XCTAssertGreaterThan(rejected, 5)
        XCTAssertGreaterThan(accepted, 100)
    }

    /// A dual point of the whole instance from a short Lagrangian run without eliminations.
    func guidePoint(_ inst: SolverInstance, iterations: Int) -> DualPoint? {
        let dual = LagrangianDual(inst, eliminate: false)
        for _ in 0 ..< iterations {
            dual.iterate()
            dual.stepMultipliers()
        }
        return dual.wholeInstancePoint(DualLayout(inst))
    }

    /// The per-strategy bounds of a certificate hold for every assignment that fits: each
    /// strategy's bound is at most the cost of every such assignment taking it (by
    /// enumeration), and the overall bound is `evaluate`'s. (With a node's term left out of
    /// the per-strategy bounds, or the edges' minima taken over the fixed strategy's row
    /// only, this fails.) Some strategies get bounds above the overall one.
    func testStrategyBoundsHoldForEveryAssignment() {
        var checked = 0, raised = 0
        for seed in UInt64(1) ... 200 {
            let inst = instance(seed)
            guard inst.nodeCount > 1, inst.feasible, let point = guidePoint(inst, iterations: 5 + Int(seed % 20)) else { continue }
            let layout = DualLayout(inst)
            guard let (bound, strategies) = DualCertificate.strategyBounds(inst, layout, point) else { continue }
            XCTAssertEqual(bound, DualCertificate.evaluate(inst, layout, point), "seed \(seed)")
            TestInstances.forEachLabelling(inst) { x in
                guard TestInstances.fits(inst, x) else { return }
                let cost = inst.storedCost(x)
                for i in 0 ..< inst.nodeCount {
                    let s = Int(inst.strategyStart[i]) + Int(x[i])
                    guard let b = strategies[s] else {
                        XCTFail("seed \(seed): no bound for strategy \(s)")
                        return
                    }
                    XCTAssertLessThanOrEqual(b, cost, "seed \(seed), node \(i)")
                }
            }
            raised += strategies.filter { ($0 ?? bound) > bound }.count
            checked += 1
        }
        XCTAssertGreaterThan(checked, 50)
        XCTAssertGreaterThan(raised, 100)
    }

    /// `keepFinitePartners` excludes only strategies that no finite assignment takes, and
    /// reports a node left empty only when no assignment is finite (by enumeration); on
    /// these instances (up to 20% infinite entries, terms non-negative) it excludes some.
    func testKeepFinitePartnersKeepsEveryFiniteAssignment() {
        var excludedAny = 0
        for seed in UInt64(1) ... 150 {
            let inst = instance(seed)
            guard inst.nodeCount > 0, !inst.unary.contains(where: { $0 < 0 }), !inst.edgeCost.contains(where: { $0 < 0 }) else { continue }
            var excluded = [Bool](repeating: false, count: inst.unary.count)
            let kept = LPBranchAndBound.keepFinitePartners(inst, &excluded)
            var finite = false
            TestInstances.forEachLabelling(inst) { x in
                guard inst.storedCost(x) < Int128(inst.infiniteUnit) else { return }
                finite = true
                for i in 0 ..< inst.nodeCount {
                    XCTAssertFalse(excluded[Int(inst.strategyStart[i]) + Int(x[i])], "seed \(seed): a finite assignment's strategy excluded")
                }
            }
            if !kept {
                XCTAssertFalse(finite, "seed \(seed): a node emptied although a finite assignment exists")
            }
            if excluded.contains(true) { excludedAny += 1 }
        }
        XCTAssertGreaterThan(excludedAny, 10)
    }
}
