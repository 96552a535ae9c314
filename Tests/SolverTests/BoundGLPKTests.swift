import GLPK
import Model
import TestSupport
import XCTest
@testable import Solver

/// The GLPK-based bounds against brute force.
final class BoundGLPKTests: XCTestCase {
    override func tearDown() {
        GLPKEnvironment.releaseCurrentThread()
        super.tearDown()
    }

    /// The LP relaxation in dual form, certified exactly, is <= the optimum, and at least
    /// the trivial sum of minima.
    func testLPDualBoundIsBelowOptimum() {
        var solved = 0
        for (seed, p) in BoundTests.instances(count: 60) {
            guard let opt = BruteForce.optimum(p) else { continue }
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            let layout = DualLayout(inst)
            let r = LPDualBound.solve(inst, layout, timeLimit: 10)
            guard let point = r.point else { continue }
            solved += 1
            let b = DualCertificate.evaluate(inst, layout, point).flatMap {
                originalBound(inst, reducedBound: $0, nonNegative: true)
            }
            XCTAssertNotNil(b, "seed \(seed)")
            if let b { XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed): \(r.status)") }
            let zero = DualPoint(messages: [Double](repeating: 0, count: layout.messageCount),
                                 mu: [Double](repeating: 0, count: inst.cliqueCount))
            if let b, let z = DualCertificate.evaluate(inst, layout, zero) {
                XCTAssertGreaterThanOrEqual(b, z + Int128(inst.constant) - 1, "seed \(seed)")
            }
        }
        XCTAssertGreaterThan(solved, 20)
    }

    /// The MIP bound (with its margin) is <= the optimum; with the optimum as the upper bound
    /// it proves "optimum - 1" (the margin's price).
    func testMIPBoundIsBelowOptimum() {
        var proved = 0
        for (seed, p) in BoundTests.instances(count: 60) {
            guard let opt = BruteForce.optimum(p), opt.cost < Int128(Problem.infinity) else { continue }
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            let r = MIPBound.solve(inst, timeLimit: 10, upperBound: nil, stop: { false })
            if let b = r.bound {
                XCTAssertLessThanOrEqual(b + Int128(inst.constant), opt.cost, "seed \(seed): \(r.status)")
                if b + Int128(inst.constant) == opt.cost - 1 { proved += 1 }
            }
            let ub = opt.cost - Int128(inst.constant)
            let c = MIPBound.solve(inst, timeLimit: 10, upperBound: ub, stop: { false })
            if let b = c.bound {
                XCTAssertLessThanOrEqual(b + Int128(inst.constant), opt.cost, "seed \(seed) with cutoff: \(c.status)")
            }
        }
        XCTAssertGreaterThan(proved, 10)
    }

    func testSafeBoundMargin() {
        XCTAssertEqual(MIPBound.safeBound(532844), 532843)
        XCTAssertEqual(MIPBound.safeBound(532843.4), 532843)
        XCTAssertEqual(MIPBound.safeBound(0), -1)
        XCTAssertNil(MIPBound.safeBound(.nan))
    }
}
