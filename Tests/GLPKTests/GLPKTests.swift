import Foundation
import XCTest

@testable import GLPK

final class GLPKSolveTests: XCTestCase {
    func testThreeVariableMIPOptimum() throws {
        // See Fixtures.threeVariableMIP: optimum 20 at (1, 0, 2); LP relaxation 22.
        for presolve in [true, false] {
            let p = try Fixtures.threeVariableMIP()
            let r = try p.solveMIP(MIPOptions(presolve: presolve))
            XCTAssertEqual(r.status, .optimal, "presolve \(presolve)")
            XCTAssertEqual(r.objective ?? .nan, 20, accuracy: 1e-9)
            XCTAssertEqual(r.values ?? [], [1, 0, 2])
            XCTAssertEqual(r.bestBound ?? .nan, 20, accuracy: 1e-9)
            let lp = try p.solveLP()
            XCTAssertEqual(lp.status, .optimal)
            XCTAssertEqual(lp.objective ?? .nan, 22, accuracy: 1e-9)
        }
    }

    /// The LP of `testLPKnownOptimum`.
    func knownLP() throws -> MIPProblem {
        let p = MIPProblem(direction: .maximise)
        try p.addColumns([Column(objective: 5), Column(objective: 4), Column(objective: 3)])
        try p.setObjectiveConstant(7)
        var rows = SparseRows()
        try rows.append(.upper(5), columns: [0, 1, 2], values: [2, 3, 1])
        try rows.append(.upper(11), columns: [0, 1, 2], values: [4, 1, 2])
        try rows.append(.upper(8), columns: [0, 1, 2], values: [3, 4, 2])
        XCTAssertEqual(try p.addRows(rows), 0..<3)
        return p
    }

    func testLPKnownOptimum() throws {
        // maximise 5x + 4y + 3z + 7
        // s.t. 2x + 3y +  z <=  5
        //      4x +  y + 2z <= 11
        //      3x + 4y + 2z <=  8,   x, y, z >= 0.
        // Optimum at (2, 0, 1): rows 5 <= 5, 10 <= 11, 8 <= 8; objective 10 + 3 + 7 = 20.
        let p = try knownLP()
        for method in [SimplexMethod.primal, .dual, .dualThenPrimal] {
            for presolve in [false, true] {
                let r = try p.solveLP(presolve: presolve, method: method)
                XCTAssertEqual(r.status, .optimal)
                XCTAssertEqual(r.objective ?? .nan, 20, accuracy: 1e-9)
                let x = try XCTUnwrap(r.values)
                XCTAssertEqual(x[0], 2, accuracy: 1e-9)
                XCTAssertEqual(x[1], 0, accuracy: 1e-9)
                XCTAssertEqual(x[2], 1, accuracy: 1e-9)
            }
        }
    }

    /// A reduced-cost tolerance of GLPK's (`dualTolerance`) gives the same optimum; one
    /// outside (0, 1) is refused.
    func testDualTolerance() throws {
        let p = try knownLP()
        for tolerance in [1e-11, 1e-7] {
            let r = try p.solveLP(method: .dualThenPrimal, dualTolerance: tolerance)
            XCTAssertEqual(r.status, .optimal)
            XCTAssertEqual(r.objective ?? .nan, 20, accuracy: 1e-9)
        }
        for bad in [0.0, -1e-9, 1.0, .nan] {
            XCTAssertThrowsError(try p.solveLP(dualTolerance: bad)) { error in
                guard case GLPKError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
    }

    /// Row duals of the known optimum above (rows 1 and 3 tight: duals 1 and 1, row 2 slack:
    /// 0; reduced costs 5 - 2 - 3 = 0, 4 - 3 - 4 = -3, 3 - 1 - 2 = 0); a column added with
    /// coefficients enters the model (repeated or unknown rows are refused); a basis taken at
    /// the optimum and restored after other solves leads back to the optimum and that basis.
    func testRowDualsColumnsAndBasis() throws {
        let p = try knownLP()
        let r = try p.solveLP(method: .dual, returnDuals: true)
        let duals = try XCTUnwrap(r.rowDuals)
        XCTAssertEqual(duals.count, 3)
        XCTAssertEqual(duals[0], 1, accuracy: 1e-9)
        XCTAssertEqual(duals[1], 0, accuracy: 1e-9)
        XCTAssertEqual(duals[2], 1, accuracy: 1e-9)
        XCTAssertNil(try p.solveLP().rowDuals, "duals only when asked")
        let optimal = try p.basis()
        XCTAssertEqual(optimal.rows.count, 3)
        XCTAssertEqual(optimal.columns.count, 3)
        // w = 1 in row 1 only, objective 10: worth adding (reduced cost 10 - 1 > 0).
        XCTAssertEqual(try p.addColumn(Column(objective: 10), rows: [0], values: [1]), 3)
        XCTAssertThrowsError(try p.addColumn(Column(objective: 1), rows: [0, 0], values: [1, 1]))
        XCTAssertThrowsError(try p.addColumn(Column(objective: 1), rows: [3], values: [1]))
        let withW = try p.solveLP(method: .primal)
        XCTAssertEqual(withW.status, .optimal)
        XCTAssertEqual(withW.objective ?? .nan, 57, accuracy: 1e-6)  // w = 5, the rest 0
        // Without w (fixed at 0), from the old optimal basis (w non-basic): the old optimum.
        try p.setColumnBounds(column: 3, .fixed(0))
        try p.setBasis(optimal)
        let back = try p.solveLP(method: .dualThenPrimal)
        XCTAssertEqual(back.status, .optimal)
        XCTAssertEqual(back.objective ?? .nan, 20, accuracy: 1e-9)
        XCTAssertEqual(try p.basis().rows, optimal.rows)
    }

    func testLPStatuses() throws {
        let unbounded = MIPProblem(direction: .maximise)
        try unbounded.addColumns([Column(objective: 1)])
        XCTAssertEqual(try unbounded.solveLP().status, .unbounded)
        XCTAssertEqual(try unbounded.solveLP(presolve: true).status, .unbounded)
        XCTAssertEqual(try unbounded.solveMIP().status, .unbounded)

        // x + y >= 3 with x, y in [0, 1].
        let infeasible = MIPProblem()
        try infeasible.addColumns([Column(bounds: .range(0, 1)), Column(bounds: .range(0, 1))])
        try infeasible.addRow(.lower(3), columns: [0, 1], values: [1, 1])
        XCTAssertEqual(try infeasible.solveLP().status, .infeasible)
        XCTAssertEqual(try infeasible.solveLP(presolve: true).status, .infeasible)

        let p = try Fixtures.threeVariableMIP()
        XCTAssertEqual(try p.solveLP(iterationLimit: 0).status, .iterationLimit)
        XCTAssertNil(try p.solveLP(returnValues: false).values)
    }

    func testInfeasibleMIPIsAResult() throws {
        // 2x + 2y = 3 has LP solutions but no integer one.
        for presolve in [true, false] {
            let p = MIPProblem()
            try p.addColumns([
                Column(kind: .integer, bounds: .range(0, 5)), Column(kind: .integer, bounds: .range(0, 5)),
            ])
            try p.addRow(.fixed(3), columns: [0, 1], values: [2, 2])
            XCTAssertEqual(try p.solveLP().status, .optimal)
            let r = try p.solveMIP(MIPOptions(presolve: presolve))
            XCTAssertEqual(r.status, .infeasible, "presolve \(presolve)")
            XCTAssertNil(r.objective)
            XCTAssertNil(r.values)
            XCTAssertNil(r.bestBound)
        }
    }

    func testStopClosureStopsTheSearch() throws {
        let p = try Fixtures.marketSplit(rows: 4, columns: 30, seed: 7)
        let calls = Box(0)
        let r = try p.solveMIP(
            MIPOptions(
                timeLimit: 60, presolve: false,
                shouldStop: {
                    calls.value += 1
                    return calls.value >= 200
                }))
        XCTAssertEqual(r.stopReason, .stopRequested)
        XCTAssertTrue(r.status == .feasible || r.status == .noSolutionFound)
        XCTAssertEqual(calls.value, 200)
        XCTAssertGreaterThan(r.nodes ?? 0, 1)
        let bound = try XCTUnwrap(r.bestBound)
        XCTAssertGreaterThanOrEqual(bound, try XCTUnwrap(p.solveLP().objective) - 1e-9)
        if let objective = r.objective { XCTAssertLessThanOrEqual(bound, objective) }
        XCTAssertLessThan(r.wallTime, 30)
    }

    func testTimeLimitIsAResult() throws {
        for presolve in [true, false] {
            let p = try Fixtures.marketSplit(rows: 4, columns: 30, seed: 11)
            let r = try p.solveMIP(MIPOptions(timeLimit: 0.3, presolve: presolve))
            XCTAssertEqual(r.stopReason, .timeLimit, "presolve \(presolve)")
            XCTAssertTrue(r.status == .feasible || r.status == .noSolutionFound)
            XCTAssertLessThan(r.wallTime, 1.5)
            if let bound = r.bestBound, let objective = r.objective {
                XCTAssertLessThanOrEqual(bound, objective)  // minimising
            }
        }
        // A zero limit still returns (from the root LP or at the first node).
        let p = try Fixtures.marketSplit(rows: 4, columns: 30, seed: 11)
        let r = try p.solveMIP(MIPOptions(timeLimit: 0, presolve: false))
        XCTAssertEqual(r.stopReason, .timeLimit)
        XCTAssertEqual(r.status, .noSolutionFound)
    }

    func testWarmStartWithNearZeroTimeLimit() throws {
        let k = Fixtures.knapsack(items: 40, seed: 2024)
        let (optimum, take) = Fixtures.solveByDP(k)
        let p = try Fixtures.model(k)
        let r = try p.solveMIP(MIPOptions(timeLimit: 0.001, warmStart: take))
        XCTAssertTrue(r.status == .feasible || r.status == .optimal, "\(r.status)")
        XCTAssertGreaterThanOrEqual(r.objective ?? -1, Double(optimum) - 1e-9)
        let x = try XCTUnwrap(r.values)
        XCTAssertEqual(zip(x, k.values).map { $0 * Double($1) }.reduce(0, +), r.objective ?? .nan, accuracy: 1e-6)
        XCTAssertLessThanOrEqual(zip(x, k.weights).map { $0 * Double($1) }.reduce(0, +), Double(k.capacity))
    }

    func testWarmStartIsInjected() throws {
        let k = Fixtures.knapsack(items: 40, seed: 2024)
        let (optimum, take) = Fixtures.solveByDP(k)
        // The optimum as warm start: GLPK accepts it at the first heuristic callback.
        let p = try Fixtures.model(k)
        let r = try p.solveMIP(MIPOptions(timeLimit: 30, warmStart: take))
        XCTAssertEqual(r.warmStart, .accepted)
        XCTAssertEqual(r.status, .optimal)
        XCTAssertEqual(r.objective ?? .nan, Double(optimum), accuracy: 1e-9)

        // A poor but feasible warm start (nothing taken) is injected and then improved on.
        let empty = try p.solveMIP(MIPOptions(warmStart: [Double](repeating: 0, count: 40)))
        XCTAssertEqual(empty.warmStart, .accepted)
        XCTAssertEqual(empty.objective ?? .nan, Double(optimum), accuracy: 1e-9)

        // An infeasible warm start (everything taken) is reported and not used.
        let all = try p.solveMIP(MIPOptions(warmStart: [Double](repeating: 1, count: 40)))
        guard case .infeasible(let why) = all.warmStart else {
            return XCTFail("expected an infeasible warm start, got \(all.warmStart)")
        }
        XCTAssertTrue(why.contains("row 0"), why)
        XCTAssertEqual(all.objective ?? .nan, Double(optimum), accuracy: 1e-9)
    }

    func testObjectiveCutoff() throws {
        // Fixtures.threeVariableMIP: optimum 20 (maximising).
        let p = try Fixtures.threeVariableMIP()
        let above = try p.solveMIP(MIPOptions(objectiveCutoff: 20.5))
        XCTAssertEqual(above.status, .infeasible)
        XCTAssertEqual(try p.rowCount(), 1, "the temporary cutoff row is removed")
        XCTAssertEqual(try p.solveMIP(MIPOptions(objectiveCutoff: 20)).objective ?? .nan, 20, accuracy: 1e-9)
        XCTAssertEqual(try p.solveMIP(MIPOptions(objectiveCutoff: 19)).objective ?? .nan, 20, accuracy: 1e-9)

        // The helper row: 8x + 11y + 6z >= 21 leaves nothing.
        let row = try p.addObjectiveCutoffRow(21)
        XCTAssertEqual(row, 1)
        XCTAssertEqual(try p.rowBounds(row: row), .lower(21))
        XCTAssertEqual(try p.solveMIP().status, .infeasible)
        try p.setRowBounds(row: row, .lower(19.5))
        XCTAssertEqual(try p.solveMIP().objective ?? .nan, 20, accuracy: 1e-9)
        try p.removeRows([row])
        XCTAssertEqual(try p.rowCount(), 1)

        // Minimising with a constant term: minimise 10 + 2a + 3b, a + b >= 1, binaries.
        // Optimum 12 (a = 1); cutoff 11.5 leaves nothing, 12 keeps it.
        let q = MIPProblem()
        try q.addBinaryColumns(objective: [2, 3])
        try q.setObjectiveConstant(10)
        try q.addRow(.lower(1), columns: [0, 1], values: [1, 1])
        XCTAssertEqual(try q.solveMIP(MIPOptions(objectiveCutoff: 11.5)).status, .infeasible)
        XCTAssertEqual(try q.solveMIP(MIPOptions(objectiveCutoff: 12)).objective ?? .nan, 12, accuracy: 1e-9)
    }

    func testAbsoluteGapStopsWhenBoundMeetsIncumbent() throws {
        let k = Fixtures.knapsack(items: 40, seed: 99)
        let (optimum, take) = Fixtures.solveByDP(k)
        let p = try Fixtures.model(k)
        // With the optimum injected, a gap of one unit is closed as soon as the bound drops
        // below optimum + 1.
        let r = try p.solveMIP(MIPOptions(absoluteGap: 0.999, presolve: false, warmStart: take))
        XCTAssertTrue(r.status == .optimal || r.stopReason == .gapReached, "\(r.status)")
        XCTAssertEqual(r.objective ?? .nan, Double(optimum), accuracy: 1e-9)
        XCTAssertLessThan((r.bestBound ?? .infinity) - Double(optimum), 1)
    }

    func testLargeModelBuildsAndSolvesLP() throws {
        // 100k columns, 50k rows, 100k coefficients: building row by row (glp_set_mat_row,
        // what addRows uses) stays fast, and the LP's time limit holds.
        let n = 100_000, m = 50_000
        var rng = Fixtures.SplitMix64(state: 5)
        var rows = SparseRows()
        rows.reserveCapacity(rows: m, nonzeros: 2 * m)
        for _ in 0..<m {
            let a = rng.next(in: 0...(n - 1)), b = (a + 1 + rng.next(in: 0...(n - 2))) % n
            try rows.append(.upper(1), columns: [a, b], values: [1, 1])
        }
        let columns = (0..<n).map { Column.binary(objective: Double(-1 - $0 % 7)) }

        let p = MIPProblem()
        var t = RawGLPK.now()
        try p.addColumns(columns)
        let columnTime = RawGLPK.now() - t
        t = RawGLPK.now()
        try p.addRows(rows)
        let rowTime = RawGLPK.now() - t
        XCTAssertEqual(try p.nonzeroCount(), 2 * m)
        print(
            String(
                format: "GLPK build: %d columns %.3f s; %d rows / %d nonzeros: addRows %.3f s",
                n, columnTime, m, 2 * m, rowTime))
        XCTAssertLessThan(rowTime, 10)

        // GLPK's simplex needs minutes on this LP: the time limit must hold.
        let lp = try p.solveLP(timeLimit: 0.5)
        XCTAssertTrue(lp.status == .timeLimit || lp.status == .optimal, "\(lp.status)")
        XCTAssertLessThan(lp.wallTime, 2)
    }
}

final class GLPKSafetyTests: XCTestCase {
    func testInvalidArgumentsThrowInsteadOfAborting() throws {
        let p = try Fixtures.threeVariableMIP()
        XCTAssertThrowsError(try p.addRow(.upper(1), columns: [3], values: [1])) {
            XCTAssertEqual($0 as? GLPKError, .columnOutOfRange(index: 3, count: 3))
        }
        XCTAssertThrowsError(try p.addRow(.upper(1), columns: [-1], values: [1])) {
            XCTAssertEqual($0 as? GLPKError, .columnOutOfRange(index: -1, count: 3))
        }
        XCTAssertThrowsError(try p.addRow(.upper(1), columns: [0, 1], values: [1, .nan])) {
            guard case .notFinite = $0 as? GLPKError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try p.addRow(.upper(.infinity), columns: [0], values: [1])) {
            guard case .notFinite = $0 as? GLPKError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try p.addRow(.range(2, 1), columns: [0], values: [1])) {
            guard case .invalidBounds = $0 as? GLPKError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try p.addRow(.upper(1), columns: [0, 0], values: [1, 1])) {
            XCTAssertEqual($0 as? GLPKError, .duplicateColumn(row: 1, column: 0))
        }
        XCTAssertThrowsError(try p.addRow(.upper(1), columns: [0, 1], values: [1])) {
            guard case .lengthMismatch = $0 as? GLPKError else { return XCTFail("\($0)") }
        }
        let badStarts = SparseRows(bounds: [.free], starts: [0, 5], columns: [0], values: [1])
        XCTAssertThrowsError(try p.addRows(badStarts))
        XCTAssertEqual(try p.rowCount(), 1, "failed additions leave the model unchanged")

        XCTAssertThrowsError(try p.addColumns([Column(objective: .nan)]))
        XCTAssertThrowsError(try p.addColumns([Column(kind: .integer, bounds: .range(0, 2.5))])) {
            XCTAssertEqual($0 as? GLPKError, .nonIntegralBound(column: 3, value: 2.5))
        }
        XCTAssertThrowsError(try p.addColumns([Column(kind: .binary, bounds: .range(0, 2))]))
        XCTAssertEqual(try p.columnCount(), 3)

        XCTAssertThrowsError(try p.setColumnBounds(column: 7, .fixed(0))) {
            XCTAssertEqual($0 as? GLPKError, .columnOutOfRange(index: 7, count: 3))
        }
        XCTAssertThrowsError(try p.setColumnBounds(column: 2, .fixed(1.5)))  // z is integer
        XCTAssertThrowsError(try p.setObjectiveCoefficient(column: 0, .infinity))
        XCTAssertThrowsError(try p.setRowBounds(row: 1, .free)) {
            XCTAssertEqual($0 as? GLPKError, .rowOutOfRange(index: 1, count: 1))
        }
        XCTAssertThrowsError(try p.removeRows([0, 0]))
        XCTAssertThrowsError(try p.solveMIP(MIPOptions(warmStart: [1, 0])))
        XCTAssertThrowsError(try p.solveMIP(MIPOptions(warmStart: [1, .nan, 0])))
        XCTAssertThrowsError(try p.solveMIP(MIPOptions(timeLimit: .nan)))
        XCTAssertThrowsError(try p.solveMIP(MIPOptions(relativeGap: -1)))
        XCTAssertThrowsError(try p.solveMIP(MIPOptions(objectiveCutoff: .infinity)))
        XCTAssertThrowsError(try p.solveLP(iterationLimit: -1))

        // Still fully usable.
        XCTAssertEqual(try p.solveMIP().objective ?? .nan, 20, accuracy: 1e-9)
        try p.setColumnBounds(column: 0, .fixed(0))  // forbid x: best is (0,0,3) = 18
        XCTAssertEqual(try p.solveMIP().objective ?? .nan, 18, accuracy: 1e-9)
    }

    func testEmptyProblem() throws {
        let p = MIPProblem()
        try p.setObjectiveConstant(4)
        XCTAssertEqual(try p.solveLP().objective, 4)
        XCTAssertEqual(try p.solveMIP().objective, 4)
        XCTAssertEqual(try p.solveMIP(MIPOptions(presolve: false)).objective, 4)
        XCTAssertEqual(try p.solveMIP(MIPOptions(warmStart: [])).objective, 4)
    }

    func testReleasingTheThreadEnvironmentInvalidatesItsProblems() {
        let outcome = Box<(GLPKError?, Double?)>((nil, nil))
        onNewThread {
            guard let p = try? Fixtures.threeVariableMIP() else { return }
            GLPKEnvironment.releaseCurrentThread()
            var thrown: GLPKError?
            do throws(GLPKError) { _ = try p.solveMIP() } catch { thrown = error }
            var objective: Double?
            if let q = try? Fixtures.threeVariableMIP() { objective = try? q.solveMIP().objective }
            outcome.value = (thrown, objective)
            GLPKEnvironment.releaseCurrentThread()  // p and q are released after this: no delete
        }
        XCTAssertEqual(outcome.value.0, .problemInvalidated)
        XCTAssertEqual(outcome.value.1, 20)
    }

    func testBoundsHelpers() {
        XCTAssertEqual(Bounds.between(-.infinity, .infinity), .free)
        XCTAssertEqual(Bounds.between(1, .infinity), .lower(1))
        XCTAssertEqual(Bounds.between(-.infinity, 2), .upper(2))
        XCTAssertEqual(Bounds.between(3, 3), .fixed(3))
        XCTAssertEqual(Bounds.between(1, 2), .range(1, 2))
        XCTAssertEqual(Column(kind: .binary).bounds, .range(0, 1))
        XCTAssertEqual(Column(kind: .integer).bounds, .lower(0))
    }

    func testTwoThreadsSolveConcurrently() {
        let k1 = Fixtures.knapsack(items: 40, seed: 1)
        let k2 = Fixtures.knapsack(items: 40, seed: 2)
        let expected = [Fixtures.solveByDP(k1).value, Fixtures.solveByDP(k2).value]
        let results = Box([[Double]](repeating: [], count: 2))
        let group = DispatchGroup()
        for (t, k) in [k1, k2].enumerated() {
            group.enter()
            let thread = Thread {
                var found: [Double] = []
                for round in 0..<5 {
                    // Created, solved and released on this thread.
                    let p = try? Fixtures.model(k)
                    let r = try? p?.solveMIP(MIPOptions(presolve: round % 2 == 0))
                    found.append(r?.objective ?? -1)
                }
                results.value[t] = found
                group.leave()
            }
            thread.start()
        }
        group.wait()
        for t in 0..<2 {
            XCTAssertEqual(results.value[t], [Double](repeating: Double(expected[t]), count: 5))
        }
    }

    func testWrongThreadThrowsAndForeignReleaseDoesNotAbort() throws {
        let p = try Fixtures.threeVariableMIP()
        nonisolated(unsafe) let shared = p
        let caught = Box<GLPKError?>(nil)
        onNewThread {
            do throws(GLPKError) { _ = try shared.solveMIP() } catch { caught.value = error }
        }
        XCTAssertEqual(caught.value, .wrongThread)
        XCTAssertEqual(try p.solveMIP().objective ?? .nan, 20, accuracy: 1e-9)

        // Released on a foreign thread: leaked with a note on stderr instead of an abort.
        nonisolated(unsafe) var handOff: MIPProblem? = try Fixtures.threeVariableMIP()
        onNewThread { handOff = nil }
        XCTAssertNil(handOff)
    }

    func testGuardRecoversFromFatalError() {
        let survived = Box(false)
        onNewThread {
            survived.value = RawGLPK.guardSelfTest()
            // GLPK works again on this thread afterwards.
            let p = try? Fixtures.threeVariableMIP()
            let r = try? p?.solveMIP()
            survived.value = survived.value && r?.objective == 20
        }
        XCTAssertTrue(survived.value)
    }

    func testFatalErrorInsideSolveInvalidatesTheThreadsProblems() throws {
        let outcome = Box<(GLPKError?, GLPKError?, Bool, Double?)>((nil, nil, true, nil))
        let stdoutText = try capturingStdout {
            onNewThread {
                guard let victim = try? Fixtures.threeVariableMIP(),
                    let bystander = try? Fixtures.threeVariableMIP()
                else { return }
                var options = MIPOptions(presolve: false)
                options.provokeFatalErrorInCallback = true
                var thrown: GLPKError?
                do throws(GLPKError) { _ = try victim.solveMIP(options) } catch { thrown = error }
                var second: GLPKError?
                do throws(GLPKError) { _ = try bystander.solveMIP() } catch { second = error }
                // A new problem on the same thread works (fresh environment).
                let fresh = try? Fixtures.threeVariableMIP()
                let objective = try? fresh?.solveMIP().objective
                outcome.value = (thrown, second, victim.isUsable, objective ?? nil)
            }
        }
        let (thrown, second, usable, objective) = outcome.value
        guard case .glpkFatalError(let message) = thrown else {
            return XCTFail("expected a recovered fatal error, got \(String(describing: thrown))")
        }
        XCTAssertTrue(message.contains("glp_ios_select_node"), message)
        XCTAssertEqual(second, .problemInvalidated)
        XCTAssertFalse(usable)
        XCTAssertEqual(objective, 20)
        XCTAssertEqual(stdoutText, "", "GLPK must never write to stdout")
    }

    func testNothingIsPrintedToStdout() throws {
        let text = try capturingStdout {
            onNewThread {
                let p = try? Fixtures.marketSplit(rows: 3, columns: 20, seed: 3)
                _ = try? p?.solveMIP(MIPOptions(timeLimit: 0.3, cuts: .all, feasibilityPump: true))
                _ = try? p?.solveLP(presolve: true)
            }
        }
        XCTAssertEqual(text, "")
    }

    /// Runs `body` with file descriptor 1 redirected to a temporary file; returns its content.
    private func capturingStdout(_ body: () -> Void) throws -> String {
        fflush(nil)
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("glpk-stdout-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try FileHandle(forWritingTo: url)
        let saved = dup(1)
        dup2(file.fileDescriptor, 1)
        body()
        fflush(nil)
        dup2(saved, 1)
        close(saved)
        try file.close()
        return try String(contentsOf: url, encoding: .utf8)
    }
}
