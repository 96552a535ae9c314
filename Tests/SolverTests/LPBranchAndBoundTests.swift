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
}
