// Options and results of LP and MIP solves. A time limit, infeasibility or a stop request is a
// result value, never an error.

/// Simplex method for ``MIPProblem/solveLP(timeLimit:presolve:method:iterationLimit:returnValues:scaling:)``.
public enum SimplexMethod: Sendable, Equatable {
    /// Primal simplex (GLPK's default).
    case primal
    /// Dual simplex.
    case dual
    /// Dual simplex; primal simplex if the dual fails.
    case dualThenPrimal
}

/// Outcome of an LP solve.
public enum LPStatus: Sendable, Equatable {
    case optimal
    case infeasible
    /// Unbounded objective. (GLPK's presolver cannot tell this from infeasibility; the
    /// wrapper then re-solves without presolve to decide.)
    case unbounded
    case timeLimit
    case iterationLimit
    /// GLPK failed (numerical trouble); see ``LPResult/message``.
    case failed
}

/// Result of ``MIPProblem/solveLP(timeLimit:presolve:method:iterationLimit:returnValues:scaling:)``.
public struct LPResult: Sendable {
    public var status: LPStatus
    /// Objective value (including the constant term) when ``status`` is `.optimal`.
    public var objective: Double?
    /// Primal column values when optimal and requested.
    public var values: [Double]?
    /// Row dual values (0-based rows) when requested and the status is optimal or infeasible.
    public var rowDuals: [Double]?
    /// Seconds spent in the call.
    public var wallTime: Double
    /// Diagnostic text for `.failed` (GLPK's return code).
    public var message: String?
}

/// Cut generators of GLPK's branch-and-cut (all off by default, as in GLPK).
public struct MIPCuts: Sendable, Equatable {
    public var gomory: Bool
    public var mir: Bool
    public var cover: Bool
    public var clique: Bool

    public init(gomory: Bool = false, mir: Bool = false, cover: Bool = false, clique: Bool = false) {
        self.gomory = gomory
        self.mir = mir
        self.cover = cover
        self.clique = clique
    }

    /// All four generators on.
    public static let all = MIPCuts(gomory: true, mir: true, cover: true, clique: true)
}

/// Branching variable choice (GLPK `br_tech`).
public enum BranchingRule: Sendable, Equatable {
    case firstFractional
    case lastFractional
    case mostFractional
    /// Driebeck-Tomlin heuristic (GLPK's default).
    case driebeckTomlin
    case hybridPseudocost
}

/// Next-node choice (GLPK `bt_tech`).
public enum BacktrackingRule: Sendable, Equatable {
    case depthFirst
    case breadthFirst
    /// Best local bound (GLPK's default).
    case bestLocalBound
    case bestProjection
}

/// Options of ``MIPProblem/solveMIP(_:)``.
///
/// Not `Sendable`: ``shouldStop`` is an arbitrary closure. It is only ever called on the thread
/// that calls `solveMIP`.
public struct MIPOptions {
    /// Wall-clock limit in seconds for the whole call (root LP and branch-and-cut); `nil`: none.
    /// Enforced through GLPK's `tm_lim` and, between nodes, through the callback.
    public var timeLimit: Double?
    /// Stop when GLPK's relative gap `|best - bound| / (|best| + eps)` is at most this.
    public var relativeGap: Double
    /// Stop when `|best - bound|` is at most this; `nil`: off. (E.g. `0.999` for integral costs.)
    public var absoluteGap: Double?
    /// GLPK's MIP presolver. Forced off when ``warmStart`` is given, because GLPK's callback
    /// sees the presolved problem; the LP relaxation is then solved first with `glp_simplex`.
    public var presolve: Bool
    public var cuts: MIPCuts
    public var branching: BranchingRule
    public var backtracking: BacktrackingRule
    /// GLPK's feasibility pump heuristic.
    public var feasibilityPump: Bool
    /// GLPK's proximity search heuristic, with its own time limit in seconds.
    public var proximitySearch: Bool
    public var proximitySearchTimeLimit: Double
    /// Let GLPK scale rows and columns before solving (as glpsol does by default).
    public var scaling: Bool
    /// A solution (one value per column) injected as the first incumbent through
    /// `glp_ios_heur_sol` at the first heuristic callback. It is checked first (bounds, rows,
    /// integrality within 1e-6, and the cutoff row if any); an infeasible one is not injected.
    /// If GLPK stops before the injection point, a checked warm start is returned as the
    /// incumbent.
    public var warmStart: [Double]?
    /// Only solutions with objective `<= cutoff` (minimise) or `>= cutoff` (maximise) are
    /// wanted: a temporary row is added for the solve and removed after it. `.infeasible` then
    /// means "nothing at least this good".
    public var objectiveCutoff: Double?
    /// Polled at every branch-and-cut callback (several times per node); returning `true` stops
    /// the search. It must not use GLPK. It is not called during the root LP.
    public var shouldStop: (() -> Bool)?

    /// Testing only: make the callback provoke a GLPK fatal error.
    var provokeFatalErrorInCallback = false

    public init(
        timeLimit: Double? = nil, relativeGap: Double = 0, absoluteGap: Double? = nil,
        presolve: Bool = true, cuts: MIPCuts = MIPCuts(),
        branching: BranchingRule = .driebeckTomlin, backtracking: BacktrackingRule = .bestLocalBound,
        feasibilityPump: Bool = false, proximitySearch: Bool = false,
        proximitySearchTimeLimit: Double = 60, scaling: Bool = true, warmStart: [Double]? = nil,
        objectiveCutoff: Double? = nil, shouldStop: (() -> Bool)? = nil
    ) {
        self.timeLimit = timeLimit
        self.relativeGap = relativeGap
        self.absoluteGap = absoluteGap
        self.presolve = presolve
        self.cuts = cuts
        self.branching = branching
        self.backtracking = backtracking
        self.feasibilityPump = feasibilityPump
        self.proximitySearch = proximitySearch
        self.proximitySearchTimeLimit = proximitySearchTimeLimit
        self.scaling = scaling
        self.warmStart = warmStart
        self.objectiveCutoff = objectiveCutoff
        self.shouldStop = shouldStop
    }
}

/// Outcome of a MIP solve.
public enum MIPStatus: Sendable, Equatable {
    /// GLPK claims optimality (within its tolerances; treat as a strong hint, not a proof).
    case optimal
    /// An integer solution is known but the search stopped early (see ``MIPResult/stopReason``).
    case feasible
    /// No integer solution exists (with a cutoff: none at least as good as the cutoff).
    case infeasible
    /// The LP relaxation is unbounded (the MIP is unbounded or infeasible).
    case unbounded
    /// Stopped before any integer solution was found.
    case noSolutionFound
    /// GLPK failed (numerical trouble); see ``MIPResult/message``.
    case failed
}

/// Why a MIP search stopped early.
public enum MIPStopReason: Sendable, Equatable {
    case timeLimit
    /// ``MIPOptions/shouldStop`` returned `true`.
    case stopRequested
    /// The relative or absolute gap tolerance was reached.
    case gapReached
}

/// What happened to ``MIPOptions/warmStart``.
public enum WarmStartOutcome: Sendable, Equatable {
    case notGiven
    /// GLPK accepted it as an incumbent.
    case accepted
    /// GLPK declined it (it already had one at least as good).
    case rejectedByGLPK
    /// The search stopped before the injection point; it was returned as the incumbent.
    case notReached
    /// It violates a bound, a row or integrality (the text names the first violation); it was
    /// not used.
    case infeasible(String)
}

/// Result of ``MIPProblem/solveMIP(_:)``.
public struct MIPResult: Sendable {
    public var status: MIPStatus
    /// Set when the search stopped early (status `.feasible` or `.noSolutionFound`).
    public var stopReason: MIPStopReason?
    /// Objective (including the constant term) of the best integer solution.
    public var objective: Double?
    /// Column values of the best integer solution.
    public var values: [Double]?
    /// Best bound on the optimum in the problem's direction (a lower bound when minimising):
    /// the objective on `.optimal`, else the best active node's bound seen in the callback, or
    /// the LP relaxation's value; never past ``objective``. `nil` when unknown, infeasible or
    /// unbounded.
    public var bestBound: Double?
    /// Branch-and-bound subproblems created, if the search reached the tree.
    public var nodes: Int?
    /// Seconds spent in the call.
    public var wallTime: Double
    public var warmStart: WarmStartOutcome
    /// Diagnostic text for `.failed`.
    public var message: String?
}

/// A simplex basis: GLPK's status of every row and column when it was taken.
public struct LPBasis: Sendable, Equatable {
    public var rows: [Int32]
    public var columns: [Int32]
}
