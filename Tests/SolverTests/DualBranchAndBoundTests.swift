import Foundation
import Model
import XCTest
@testable import Solver

final class DualBranchAndBoundTests: XCTestCase {
    let clock = ProcessClock()
    var later: Double { clock.seconds + 3600 }

    /// Seeded random instance (`TestInstances.branchAndBoundProblem`).
    func instance(_ seed: UInt64) -> Problem { TestInstances.branchAndBoundProblem(seed: seed) }

    /// The cheapest assignment of the reduced instance that fits, in reduced units (stored
    /// terms, without `inst.base`), by enumeration; nil when none fits.
    func bruteForce(_ inst: SolverInstance) -> Int128? {
        TestInstances.reducedOptimum(inst).map { $0 - inst.base }
    }

    func fits(_ inst: SolverInstance, _ x: [Int32]) -> Bool { TestInstances.fits(inst, x) }

    /// Whether `result` is a completed proof of `opt` with an assignment that fits and costs
    /// `opt` (failures reported for `seed`).
    func proves(_ result: DualBranchAndBound.Outcome, _ opt: Int128, _ inst: SolverInstance, seed: UInt64,
                file: StaticString = #filePath, line: UInt = #line) -> Bool {
        guard case let .complete(lower, best) = result else {
            XCTFail("seed \(seed): stopped without a deadline", file: file, line: line)
            return false
        }
        XCTAssertEqual(lower, opt, "seed \(seed)", file: file, line: line)
        guard let best else {
            XCTFail("seed \(seed): no assignment", file: file, line: line)
            return false
        }
        XCTAssertTrue(fits(inst, best), "seed \(seed): the optimum does not fit", file: file, line: line)
        XCTAssertEqual(inst.storedCost(best), opt, "seed \(seed)", file: file, line: line)
        return lower == opt
    }

    /// Started from a value above the optimum and no assignment, the search ends complete at
    /// the brute-force optimum, with an assignment that fits and costs that; on instances
    /// where nothing fits it ends with no assignment. (With the certificate raised by two units
    /// in `DualBranchAndBound.run`, this test fails: branches holding the optimum get closed.)
    /// Instances whose optimum holds an infinite term are left out: the solve and the bound
    /// command never run the search for such a cost (the dual's optimiser caps infinite terms,
    /// so its certificates say little there and the search degenerates into enumeration).
    func testProvesTheBruteForceOptimum() {
        var proved = 0, split = 0, withMemory = 0
        for seed in UInt64(1) ... 600 {
            let inst = Reducer.reduce(instance(seed))
            guard inst.nodeCount > 0 else { continue }
            let expected = bruteForce(inst)
            if let expected, expected >= Int128(inst.infiniteUnit) { continue }
            let start = (expected ?? 1_000) + 7
            let search = DualBranchAndBound(inst)
            let result = search.run(upperBound: start, incumbent: nil, deadline: later, clock: clock, stop: { false })
            if let expected {
                guard proves(result, expected, inst, seed: seed) else { continue }
                proved += 1
                if search.branches > 1 { split += 1 }
                if inst.hasMemory { withMemory += 1 }
            } else {
                XCTAssertEqual(result, .complete(lowerBound: start, best: nil), "seed \(seed): nothing fits")
            }
        }
        XCTAssertGreaterThan(proved, 200)
        XCTAssertGreaterThan(split, 20, "too few searches needed a branch")
        XCTAssertGreaterThan(withMemory, 80)
    }

    /// Started from another dual's state at the root (`iopddl bound` hands over its runs'
    /// best), the search proves the same brute-force optimum with an assignment that fits and
    /// costs it. (Whether it needs fewer branches
    /// depends on the instance: on these tiny ones it is a wash.)
    func testRootStateFromAnotherDual() {
        var proved = 0
        for seed in UInt64(1) ... 300 {
            let inst = Reducer.reduce(instance(seed))
            guard inst.nodeCount > 0, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            let run = LagrangianDual(inst)
            for _ in 0 ..< 500 {
                run.iterate()
                run.stepMultipliers()
            }
            let result = DualBranchAndBound(inst).run(upperBound: opt + 7, incumbent: nil, rootState: run.bestState,
                                                      deadline: later, clock: clock, stop: { false })
            if proves(result, opt, inst, seed: seed) { proved += 1 }
        }
        XCTAssertGreaterThan(proved, 100)
    }

    /// Given the optimum and an optimal assignment, the search proves it and keeps it; given a
    /// value below the optimum, it proves that value and finds no assignment.
    func testGivenCosts() {
        var checked = 0
        for seed in UInt64(601) ... 800 {
            let inst = Reducer.reduce(instance(seed))
            guard inst.nodeCount > 0, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            var x: [Int32]? = nil
            TestInstances.forEachLabelling(inst) { y in
                if x == nil && fits(inst, y) && inst.storedCost(y) == opt { x = y }
            }
            let proof = DualBranchAndBound(inst).run(upperBound: opt, incumbent: x, deadline: later, clock: clock, stop: { false })
            XCTAssertEqual(proof, .complete(lowerBound: opt, best: x), "seed \(seed)")
            let below = DualBranchAndBound(inst).run(upperBound: opt - 1, incumbent: nil, deadline: later, clock: clock, stop: { false })
            XCTAssertEqual(below, .complete(lowerBound: opt - 1, best: nil), "seed \(seed)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 60)
    }

    /// A search stopped at once proves nothing.
    func testStoppedSearch() {
        let inst = Reducer.reduce(instance(11))
        let result = DualBranchAndBound(inst).run(upperBound: 1_000_000, incumbent: nil, deadline: later, clock: clock, stop: { true })
        XCTAssertEqual(result, .stopped(branches: 0, lowerBound: nil))
    }

    /// A search stopped after k branches reports the least bound of its open branches: never
    /// above the brute-force optimum, never falling as k grows (best first: a searched branch
    /// is the least open one, and its halves are bounded by at least its bound), and above
    /// the first branch's on some instances (29 of 43 today). (Leaving out the branch being
    /// searched when the search stops makes this test fail.)
    func testStoppedSearchBoundsTheOptimum() {
        var checked = 0, rose = 0
        for seed in UInt64(1) ... 600 {
            let inst = Reducer.reduce(instance(seed))
            guard inst.nodeCount > 0, let opt = bruteForce(inst), opt < Int128(inst.infiniteUnit) else { continue }
            let start = opt + 7
            let full = DualBranchAndBound(inst)
            _ = full.run(upperBound: start, incumbent: nil, deadline: later, clock: clock, stop: { false })
            guard full.branches >= 3 else { continue }
            var last: Int128? = nil, first: Int128? = nil
            for k in 1 ..< full.branches {
                let search = DualBranchAndBound(inst)
                let result = search.run(upperBound: start, incumbent: nil, deadline: later, clock: clock,
                                        stop: { search.branches > k })
                guard case let .stopped(_, lower) = result else { continue }
                guard let lower else { continue }
                XCTAssertLessThanOrEqual(lower, opt, "seed \(seed), \(k) branches")
                if let last { XCTAssertGreaterThanOrEqual(lower, last, "seed \(seed), \(k) branches") }
                if first == nil { first = lower }
                last = lower
            }
            checked += 1
            if let first, let last, last > first { rose += 1 }
        }
        XCTAssertGreaterThan(checked, 20)
        XCTAssertGreaterThan(rose, 5, "the open branches' bound never rose above the first branch's")
    }

    /// `forbidding`: allowed assignments cost the same, the others one infinite term more; a
    /// node without an allowed strategy gives nil.
    func testForbidding() throws {
        let inst = Reducer.reduce(instance(23))
        XCTAssertGreaterThan(inst.nodeCount, 1)
        var allowed = [Bool](repeating: true, count: inst.unary.count)
        let i = (0 ..< inst.nodeCount).first { inst.strategyCount[$0] > 1 }!
        let o = Int(inst.strategyStart[i])
        allowed[o] = false
        let masked = try XCTUnwrap(inst.forbidding(allowed))
        TestInstances.forEachLabelling(inst) { x in
            let extra = x[i] == 0 ? Int128(inst.infiniteUnit) : 0
            XCTAssertEqual(masked.storedCost(x), inst.storedCost(x) + extra)
        }
        for s in 0 ..< Int(inst.strategyCount[i]) { allowed[o + s] = false }
        XCTAssertNil(inst.forbidding(allowed))
    }
}
