import CGLPK

extension MIPProblem {
    // MARK: LP

    /// Solves the LP relaxation (integrality ignored) with the simplex method.
    ///
    /// - Parameters:
    ///   - timeLimit: seconds; `nil`: none.
    ///   - presolve: use GLPK's LP presolver (an infeasible/unbounded verdict is then confirmed
    ///     without it).
    ///   - iterationLimit: simplex iterations; `nil`: none.
    ///   - returnValues: whether to read back the column values when optimal.
    ///   - scaling: let GLPK scale rows and columns first (as glpsol does by default).
    ///   - returnDuals: whether to read back the row duals when optimal or infeasible (after
    ///     the dual simplex, an infeasible problem's duals are still dual feasible).
    ///   - dualTolerance: GLPK's tolerance on reduced costs (`tol_dj`, 1e-7 by default). It
    ///     applies to the scaled problem: where scaling shrinks a column a lot, a reduced cost
    ///     of -1 or worse in the model's units can pass as optimal, which matters when the
    ///     duals are read back as a bound.
    /// - Returns: the status; never throws for infeasibility or limits.
    /// - Throws: ``GLPKError`` for invalid arguments, wrong thread, or a recovered GLPK fatal
    ///   error.
    public func solveLP(
        timeLimit: Double? = nil, presolve: Bool = false, method: SimplexMethod = .primal,
        iterationLimit: Int? = nil, returnValues: Bool = true, scaling: Bool = true,
        returnDuals: Bool = false, dualTolerance: Double? = nil
    ) throws(GLPKError) -> LPResult {
        if let dualTolerance, !(dualTolerance > 0 && dualTolerance < 1) {
            throw .invalidArgument("dual tolerance \(dualTolerance) is not in (0, 1)")
        }
        try checkUsable()
        let start = RawGLPK.now()
        let deadline = try deadline(start: start, timeLimit: timeLimit)
        if let iterationLimit, iterationLimit < 0 {
            throw .invalidArgument("iteration limit \(iterationLimit) is negative")
        }
        let iterations = iterationLimit.map { Int32(clamping: $0) } ?? Int32.max
        if scaling { raw.scale() }
        let (status, message) = try simplex(
            deadline: deadline, iterationLimit: iterations, presolve: presolve, method: method,
            dualTolerance: dualTolerance)
        let optimal = status == .optimal
        return LPResult(
            status: status, objective: optimal ? raw.lpObjective : nil,
            values: optimal && returnValues ? raw.lpValues() : nil,
            rowDuals: returnDuals && (optimal || status == .infeasible) ? raw.lpRowDuals() : nil,
            wallTime: RawGLPK.now() - start, message: message)
    }

    // MARK: MIP

    /// Solves the problem as a MIP with GLPK's branch-and-cut.
    ///
    /// With presolve on (and no warm start) `glp_intopt` presolves and solves the root LP
    /// itself; otherwise the root LP is solved first with `glp_simplex` (GLPK needs an optimal
    /// basis without presolve), then `glp_intopt` runs with presolve off. The time limit
    /// covers the whole call: it is passed to GLPK as `tm_lim` and also checked as a
    /// wall-clock deadline in the callback, so the search stops within one node of it (the
    /// root LP itself cannot be interrupted other than by `tm_lim`).
    ///
    /// - Returns: the status, best integer solution, best bound and statistics; a time limit,
    ///   stop request or infeasibility is a status, not an error.
    /// - Throws: ``GLPKError`` for invalid options, wrong thread, or a recovered GLPK fatal
    ///   error (the problem is then invalid).
    public func solveMIP(_ options: MIPOptions = MIPOptions()) throws(GLPKError) -> MIPResult {
        try checkUsable()
        let start = RawGLPK.now()
        let deadline = try deadline(start: start, timeLimit: options.timeLimit)
        try validate(options)

        var cutoffRow: Int?
        if let cutoff = options.objectiveCutoff { cutoffRow = try addObjectiveCutoffRow(cutoff) }
        defer {
            if let cutoffRow, isUsable { raw.deleteRows([cutoffRow]) }
        }

        // Check the warm start against the model (including the cutoff row) before using it.
        var warm: (values: [Double], objective: Double)?
        var warmOutcome = WarmStartOutcome.notGiven
        if let start = options.warmStart {
            switch check(solution: start) {
            case .success(let values): warm = (values, objectiveValue(of: values))
            case .failure(let violation): warmOutcome = .infeasible(violation.text)
            }
        }

        if options.scaling { raw.scale() }
        let minimise = raw.direction == .minimise
        var outcome = Outcome(start: start, minimise: minimise)
        let presolve = options.presolve && warm == nil
        if !presolve {
            let (lpStatus, message) = try simplex(
                deadline: deadline, iterationLimit: Int32.max, presolve: false,
                method: .dualThenPrimal)
            switch lpStatus {
            case .optimal:
                outcome.bound = raw.lpObjective
            case .infeasible:
                outcome.status = .infeasible
            case .unbounded:
                outcome.status = .unbounded
            case .timeLimit:
                outcome.stop(.timeLimit)
            case .iterationLimit, .failed:
                outcome.status = .failed
                outcome.message = "root LP: " + (message ?? "\(lpStatus)")
            }
            if lpStatus != .optimal {
                return outcome.result(warm: warm, warmOutcome: &warmOutcome)
            }
        }

        let settings = RawGLPK.IntoptSettings(
            timeLimitMilliseconds: milliseconds(until: deadline),
            relativeGap: options.relativeGap, presolve: presolve, cuts: options.cuts,
            branching: options.branching, backtracking: options.backtracking,
            feasibilityPump: options.feasibilityPump, proximitySearch: options.proximitySearch,
            proximityMilliseconds: Int32(
                clamping: Int((options.proximitySearchTimeLimit * 1000).rounded(.up))))
        guard
            let report = raw.intopt(
                settings, warmStart: warm?.values, deadline: deadline, initialBound: outcome.bound,
                absoluteGap: options.absoluteGap, shouldStop: options.shouldStop,
                provokeFatalError: options.provokeFatalErrorInCallback)
        else {
            markInvalidated()
            throw .glpkFatalError(message: RawGLPK.lastFatalErrorText)
        }

        let mipStatus = raw.mipStatus
        let hasIncumbent = mipStatus == GLP_OPT || mipStatus == GLP_FEAS
        if hasIncumbent {
            outcome.objective = raw.mipObjective
            outcome.values = raw.mipValues()
        }
        outcome.tighten(bound: report.bound)
        outcome.nodes = report.nodes
        switch report.returnCode {
        case 0:
            switch mipStatus {
            case GLP_OPT: outcome.status = .optimal
            case GLP_NOFEAS: outcome.status = .infeasible
            default:
                outcome.status = .failed
                outcome.message = "glp_intopt succeeded without a solution status"
            }
        case GLP_ETMLIM: outcome.stop(.timeLimit)
        case GLP_ESTOP: outcome.stop(report.stopReason ?? .stopRequested)
        case GLP_EMIPGAP: outcome.stop(.gapReached)
        case GLP_ENOPFS: outcome.status = .infeasible
        case GLP_ENODFS: outcome.status = .unbounded
        default:
            outcome.status = .failed
            outcome.message = "glp_intopt: " + RawGLPK.returnCodeName(report.returnCode)
        }
        if warm != nil {
            switch report.warmStartAccepted {
            case true?: warmOutcome = .accepted
            case false?: warmOutcome = .rejectedByGLPK
            case nil: warmOutcome = .notReached
            }
        }
        return outcome.result(warm: warm, warmOutcome: &warmOutcome)
    }

    // MARK: Helpers

    /// Accumulates a MIP result.
    private struct Outcome {
        let start: Double
        let minimise: Bool
        var status = MIPStatus.failed
        var stopReason: MIPStopReason?
        var objective: Double?
        var values: [Double]?
        var bound: Double?
        var nodes: Int?
        var message: String?

        init(start: Double, minimise: Bool) {
            self.start = start
            self.minimise = minimise
        }

        mutating func stop(_ reason: MIPStopReason) {
            stopReason = reason
            status = objective != nil ? .feasible : .noSolutionFound
        }

        /// Keeps the tighter of the known bound and `other`.
        mutating func tighten(bound other: Double?) {
            guard let other else { return }
            guard let current = bound else {
                bound = other
                return
            }
            bound = minimise ? max(current, other) : min(current, other)
        }

        func isBetter(_ a: Double, than b: Double) -> Bool { minimise ? a < b : a > b }

        /// Final result; a checked warm start the search never reached stands in as incumbent.
        mutating func result(
            warm: (values: [Double], objective: Double)?, warmOutcome: inout WarmStartOutcome
        ) -> MIPResult {
            if let warm {
                if case .notGiven = warmOutcome { warmOutcome = .notReached }
                let stopped = status == .feasible || status == .noSolutionFound
                if case .notReached = warmOutcome, stopped,
                    objective.map({ isBetter(warm.objective, than: $0) }) ?? true
                {
                    objective = warm.objective
                    values = warm.values
                    status = .feasible
                }
            }
            switch status {
            case .optimal: bound = objective
            case .infeasible, .unbounded: bound = nil
            default: break
            }
            if let b = bound, let o = objective { bound = minimise ? min(b, o) : max(b, o) }
            return MIPResult(
                status: status, stopReason: stopReason, objective: objective, values: values,
                bestBound: bound, nodes: nodes, wallTime: RawGLPK.now() - start,
                warmStart: warmOutcome, message: message)
        }
    }

    /// Runs glp_simplex (retrying once from the standard basis if the basis is invalid or
    /// singular, and without presolve if presolve reports no dual feasible solution).
    private func simplex(
        deadline: Double?, iterationLimit: Int32, presolve: Bool, method: SimplexMethod,
        dualTolerance: Double? = nil
    ) throws(GLPKError) -> (LPStatus, String?) {
        func run(presolve: Bool) throws(GLPKError) -> Int32 {
            guard
                let rc = raw.simplex(
                    timeLimitMilliseconds: milliseconds(until: deadline),
                    iterationLimit: iterationLimit, presolve: presolve, method: method,
                    dualTolerance: dualTolerance)
            else {
                markInvalidated()
                throw .glpkFatalError(message: RawGLPK.lastFatalErrorText)
            }
            return rc
        }
        var rc = try run(presolve: presolve)
        if rc == GLP_EBADB || rc == GLP_ESING || rc == GLP_ECOND {
            raw.resetBasis()
            rc = try run(presolve: presolve)
        }
        if presolve && rc == GLP_ENODFS {
            rc = try run(presolve: false)
        }
        switch rc {
        case 0:
            switch raw.lpStatus {
            case GLP_OPT: return (.optimal, nil)
            case GLP_NOFEAS: return (.infeasible, nil)
            case GLP_UNBND: return (.unbounded, nil)
            default: return (.failed, "glp_simplex ended with solution status \(raw.lpStatus)")
            }
        case GLP_ETMLIM: return (.timeLimit, nil)
        case GLP_EITLIM: return (.iterationLimit, nil)
        case GLP_ENOPFS: return (.infeasible, nil)
        case GLP_ENODFS: return (.unbounded, nil)
        default: return (.failed, "glp_simplex: " + RawGLPK.returnCodeName(rc))
        }
    }

    private func deadline(start: Double, timeLimit: Double?) throws(GLPKError) -> Double? {
        guard let timeLimit else { return nil }
        guard !timeLimit.isNaN else { throw .notFinite(what: "time limit", value: timeLimit) }
        if timeLimit == .infinity { return nil }
        return start + max(0, timeLimit)
    }

    /// GLPK's `tm_lim` for the time left until `deadline` (Int32.max: no limit).
    private func milliseconds(until deadline: Double?) -> Int32 {
        guard let deadline else { return Int32.max }
        let left = ((deadline - RawGLPK.now()) * 1000).rounded(.up)
        return Int32(max(0, min(left, Double(Int32.max - 1))))
    }

    private func validate(_ options: MIPOptions) throws(GLPKError) {
        guard options.relativeGap.isFinite && options.relativeGap >= 0 else {
            throw .invalidArgument("relative gap \(options.relativeGap) must be finite and >= 0")
        }
        if let gap = options.absoluteGap, !(gap.isFinite && gap >= 0) {
            throw .invalidArgument("absolute gap \(gap) must be finite and >= 0")
        }
        let proximity = options.proximitySearchTimeLimit
        guard proximity.isFinite && proximity >= 0 else {
            throw .invalidArgument("proximity search time limit \(proximity) must be finite and >= 0")
        }
        if let cutoff = options.objectiveCutoff, !cutoff.isFinite {
            throw .notFinite(what: "objective cutoff", value: cutoff)
        }
        if let start = options.warmStart {
            let n = raw.columnCount
            guard start.count == n else {
                throw .lengthMismatch(what: "warm start", expected: n, found: start.count)
            }
            for (j, v) in start.enumerated() where !v.isFinite {
                throw .notFinite(what: "warm start value of column \(j)", value: v)
            }
        }
    }

    /// Objective value of `values`, constant term included.
    func objectiveValue(of values: [Double]) -> Double {
        var sum = raw.objectiveConstant
        for j in 0..<values.count { sum += raw.objectiveCoefficient(j) * values[j] }
        return sum
    }

    struct Violation: Error {
        let text: String
    }

    /// Checks bounds, integrality and rows with tolerance 1e-6 (relative to magnitudes above
    /// 1); returns the values with integer columns rounded exactly, as GLPK requires.
    func check(solution: [Double]) -> Result<[Double], Violation> {
        let n = raw.columnCount
        var x = solution
        func tolerance(_ bound: Double) -> Double { 1e-6 * max(1, abs(bound)) }
        for j in 0..<n {
            if raw.isIntegerColumn(j) {
                let r = x[j].rounded()
                guard abs(x[j] - r) <= 1e-6 else {
                    return .failure(Violation(text: "column \(j) = \(x[j]) is not integral"))
                }
                x[j] = r
            }
            let b = raw.columnBounds(j)
            if x[j] < b.lowerValue - tolerance(b.lowerValue) {
                return .failure(Violation(text: "column \(j) = \(x[j]) < lower bound \(b.lowerValue)"))
            }
            if x[j] > b.upperValue + tolerance(b.upperValue) {
                return .failure(Violation(text: "column \(j) = \(x[j]) > upper bound \(b.upperValue)"))
            }
        }
        let indices = UnsafeMutablePointer<Int32>.allocate(capacity: n + 1)
        let coefficients = UnsafeMutablePointer<Double>.allocate(capacity: n + 1)
        defer {
            indices.deallocate()
            coefficients.deallocate()
        }
        for i in 0..<raw.rowCount {
            let count = raw.row(i, indices: indices, values: coefficients)
            var activity = 0.0
            if count > 0 {
                for k in 1...count { activity += coefficients[k] * x[Int(indices[k])] }
            }
            let b = raw.rowBounds(i)
            if activity < b.lowerValue - tolerance(b.lowerValue) {
                return .failure(Violation(text: "row \(i): activity \(activity) < lower bound \(b.lowerValue)"))
            }
            if activity > b.upperValue + tolerance(b.upperValue) {
                return .failure(Violation(text: "row \(i): activity \(activity) > upper bound \(b.upperValue)"))
            }
        }
        return .success(x)
    }
}
