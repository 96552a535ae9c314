// The only file of the module that calls glp_* functions (directly or through GLPKGuard).
// Indices arrive 0-based and are translated to GLPK's 1-based ones here and nowhere else.
// Callers (MIPProblem) have validated every argument: nothing here checks again.

import CGLPK
import GLPKGuard

/// A thin, unchecked view of one `glp_prob*`. Ownership lives in ``MIPProblem``.
struct RawGLPK {
    let prob: OpaquePointer

    // MARK: Environment

    /// Silences GLPK on this thread and creates a problem.
    static func create() -> RawGLPK {
        iopddl_glpk_thread_setup()
        return RawGLPK(prob: glp_create_prob())
    }

    func delete() { glp_delete_prob(prob) }

    /// Changes whenever a fatal error freed this thread's GLPK environment.
    static var environmentGeneration: UInt { UInt(iopddl_glpk_env_generation()) }

    /// Frees this thread's GLPK environment; its problems become invalid.
    static func releaseThreadEnvironment() { iopddl_glpk_free_thread_env() }

    /// GLPK's text from the last recovered fatal error of this thread.
    static var lastFatalErrorText: String { String(cString: iopddl_glpk_last_error()) }

    /// Monotonic clock in seconds.
    static func now() -> Double { iopddl_monotonic_seconds() }

    /// Provokes a GLPK fatal error under the guard; true if the guard recovered.
    static func guardSelfTest() -> Bool { iopddl_glpk_guard_selftest() == IOPDDL_GLPK_FATAL }

    static var glpkVersion: String { String(cString: glp_version()) }

    // MARK: Sizes and objective

    var rowCount: Int { Int(glp_get_num_rows(prob)) }
    var columnCount: Int { Int(glp_get_num_cols(prob)) }
    var nonzeroCount: Int { Int(glp_get_num_nz(prob)) }

    var direction: ObjectiveDirection {
        get { glp_get_obj_dir(prob) == GLP_MAX ? .maximise : .minimise }
        nonmutating set { glp_set_obj_dir(prob, newValue == .maximise ? GLP_MAX : GLP_MIN) }
    }

    var objectiveConstant: Double {
        get { glp_get_obj_coef(prob, 0) }
        nonmutating set { glp_set_obj_coef(prob, 0, newValue) }
    }

    func objectiveCoefficient(_ column: Int) -> Double { glp_get_obj_coef(prob, Int32(column + 1)) }

    func setObjectiveCoefficient(_ column: Int, _ value: Double) {
        glp_set_obj_coef(prob, Int32(column + 1), value)
    }

    // MARK: Columns

    /// Appends `count` columns (GLPK: fixed at 0, continuous); returns the first new index.
    func addColumns(_ count: Int) -> Int {
        let first = columnCount
        if count > 0 { glp_add_cols(prob, Int32(count)) }
        return first
    }

    func setColumnKind(_ column: Int, _ kind: ColumnKind) {
        let k: Int32
        switch kind {
        case .continuous: k = GLP_CV
        case .integer: k = GLP_IV
        case .binary: k = GLP_BV
        }
        glp_set_col_kind(prob, Int32(column + 1), k)
    }

    /// Continuous or integer (GLPK reports integer columns with bounds [0, 1] as binary).
    func isIntegerColumn(_ column: Int) -> Bool {
        glp_get_col_kind(prob, Int32(column + 1)) != GLP_CV
    }

    func setColumnBounds(_ column: Int, _ bounds: Bounds) {
        let (type, lower, upper) = RawGLPK.glpkBounds(bounds)
        glp_set_col_bnds(prob, Int32(column + 1), type, lower, upper)
    }

    func columnBounds(_ column: Int) -> Bounds {
        let j = Int32(column + 1)
        return RawGLPK.bounds(
            type: glp_get_col_type(prob, j), lower: glp_get_col_lb(prob, j),
            upper: glp_get_col_ub(prob, j))
    }

    // MARK: Rows

    /// Appends `count` empty free rows; returns the first new index.
    func addRows(_ count: Int) -> Int {
        let first = rowCount
        if count > 0 { glp_add_rows(prob, Int32(count)) }
        return first
    }

    func setRowBounds(_ row: Int, _ bounds: Bounds) {
        let (type, lower, upper) = RawGLPK.glpkBounds(bounds)
        glp_set_row_bnds(prob, Int32(row + 1), type, lower, upper)
    }

    func rowBounds(_ row: Int) -> Bounds {
        let i = Int32(row + 1)
        return RawGLPK.bounds(
            type: glp_get_row_type(prob, i), lower: glp_get_row_lb(prob, i),
            upper: glp_get_row_ub(prob, i))
    }

    /// Replaces row `row` with `values[k]` on 0-based `columns[k]`. `scratch` holds at least
    /// `columns.count + 1` slots of each kind (GLPK's arrays are 1-based).
    func setRow(
        _ row: Int, columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Double>,
        scratchIndices: UnsafeMutablePointer<Int32>, scratchValues: UnsafeMutablePointer<Double>
    ) {
        for k in 0..<columns.count {
            scratchIndices[k + 1] = columns[k] + 1
            scratchValues[k + 1] = values[k]
        }
        glp_set_mat_row(prob, Int32(row + 1), Int32(columns.count), scratchIndices, scratchValues)
    }

    /// Replaces column `column` with `values[k]` on 0-based `rows[k]`.
    func setColumn(_ column: Int, rows: [Int], values: [Double]) {
        var index = [Int32](repeating: 0, count: rows.count + 1)
        var value = [Double](repeating: 0, count: rows.count + 1)
        for k in 0..<rows.count {
            index[k + 1] = Int32(rows[k] + 1)
            value[k + 1] = values[k]
        }
        glp_set_mat_col(prob, Int32(column + 1), Int32(rows.count), &index, &value)
    }

    /// Reads row `row` into `indices`/`values` (capacity columnCount + 1), converting the
    /// indices to 0-based; entries are at positions 1...count. Returns count.
    func row(
        _ row: Int, indices: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Double>
    ) -> Int {
        let count = Int(glp_get_mat_row(prob, Int32(row + 1), indices, values))
        if count > 0 {
            for k in 1...count { indices[k] -= 1 }
        }
        return count
    }

    /// Deletes the given distinct rows.
    func deleteRows(_ rows: [Int]) {
        guard !rows.isEmpty else { return }
        var num = [Int32](repeating: 0, count: rows.count + 1)
        for (k, i) in rows.enumerated() { num[k + 1] = Int32(i + 1) }
        glp_del_rows(prob, Int32(rows.count), &num)
    }

    // MARK: Simplex

    /// glp_simplex under the fatal-error guard; `nil` after a recovered fatal error.
    func simplex(
        timeLimitMilliseconds: Int32, iterationLimit: Int32, presolve: Bool, method: SimplexMethod,
        dualTolerance: Double? = nil
    ) -> Int32? {
        var parm = glp_smcp()
        glp_init_smcp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.tm_lim = timeLimitMilliseconds
        parm.it_lim = iterationLimit
        parm.presolve = presolve ? GLP_ON : GLP_OFF
        if let dualTolerance { parm.tol_dj = dualTolerance }
        switch method {
        case .primal: parm.meth = GLP_PRIMAL
        case .dual: parm.meth = GLP_DUAL
        case .dualThenPrimal: parm.meth = GLP_DUALP
        }
        let rc = iopddl_guarded_simplex(prob, &parm)
        return rc == IOPDDL_GLPK_FATAL ? nil : rc
    }

    /// Computes scale factors for rows and columns (GLPK's automatic choice, as glpsol does).
    /// Transparent to the API: values are unscaled on the way in and out.
    func scale() { glp_scale_prob(prob, GLP_SF_AUTO) }

    /// Replaces the basis by the standard one (all rows basic), always valid.
    func resetBasis() { glp_std_basis(prob) }

    var lpStatus: Int32 { glp_get_status(prob) }
    var lpObjective: Double { glp_get_obj_val(prob) }

    func lpValues() -> [Double] {
        let n = columnCount
        return [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
            for j in 0..<n { buffer[j] = glp_get_col_prim(prob, Int32(j + 1)) }
            initialized = n
        }
    }

    /// The basis: GLPK's status of every row and column (GLP_BS, GLP_NL, ...).
    func basisStatuses() -> (rows: [Int32], columns: [Int32]) {
        let m = rowCount, n = columnCount
        var rows = [Int32](repeating: 0, count: m)
        var columns = [Int32](repeating: 0, count: n)
        for i in 0..<m { rows[i] = glp_get_row_stat(prob, Int32(i + 1)) }
        for j in 0..<n { columns[j] = glp_get_col_stat(prob, Int32(j + 1)) }
        return (rows, columns)
    }

    /// Sets the statuses of the first `rows.count` rows and `columns.count` columns; the
    /// columns after those become non-basic at their lower bound.
    func setBasisStatuses(rows: [Int32], columns: [Int32]) {
        for i in 0..<min(rows.count, rowCount) { glp_set_row_stat(prob, Int32(i + 1), rows[i]) }
        for j in 0..<columnCount { glp_set_col_stat(prob, Int32(j + 1), j < columns.count ? columns[j] : GLP_NL) }
    }

    /// Row dual values of the last basic solution (0-based rows).
    func lpRowDuals() -> [Double] {
        let m = rowCount
        return [Double](unsafeUninitializedCapacity: m) { buffer, initialized in
            for i in 0..<m { buffer[i] = glp_get_row_dual(prob, Int32(i + 1)) }
            initialized = m
        }
    }

    // MARK: Branch and cut

    /// Settings of one glp_intopt call; times in milliseconds (Int32.max: none).
    struct IntoptSettings {
        var timeLimitMilliseconds: Int32
        var relativeGap: Double
        var presolve: Bool
        var cuts: MIPCuts
        var branching: BranchingRule
        var backtracking: BacktrackingRule
        var feasibilityPump: Bool
        var proximitySearch: Bool
        var proximityMilliseconds: Int32
    }

    /// What the branch-and-cut callback saw.
    struct IntoptReport {
        var returnCode: Int32
        var warmStartAccepted: Bool?
        var stopReason: MIPStopReason?
        var bound: Double?
        var nodes: Int?
    }

    /// glp_intopt under the fatal-error guard with the C callback of GLPKGuard; `nil` after a
    /// recovered fatal error. `warmStart` has one value per column (0-based); `deadline` is a
    /// ``now()`` value or `nil`; `initialBound` is a known bound (the root LP's value), used by
    /// the absolute gap test before the tree yields one; `shouldStop` is polled in the callback.
    func intopt(
        _ settings: IntoptSettings, warmStart: [Double]?, deadline: Double?,
        initialBound: Double?, absoluteGap: Double?, shouldStop: (() -> Bool)?,
        provokeFatalError: Bool
    ) -> IntoptReport? {
        var parm = glp_iocp()
        glp_init_iocp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.tm_lim = settings.timeLimitMilliseconds
        parm.mip_gap = settings.relativeGap
        parm.presolve = settings.presolve ? GLP_ON : GLP_OFF
        parm.gmi_cuts = settings.cuts.gomory ? GLP_ON : GLP_OFF
        parm.mir_cuts = settings.cuts.mir ? GLP_ON : GLP_OFF
        parm.cov_cuts = settings.cuts.cover ? GLP_ON : GLP_OFF
        parm.clq_cuts = settings.cuts.clique ? GLP_ON : GLP_OFF
        switch settings.branching {
        case .firstFractional: parm.br_tech = GLP_BR_FFV
        case .lastFractional: parm.br_tech = GLP_BR_LFV
        case .mostFractional: parm.br_tech = GLP_BR_MFV
        case .driebeckTomlin: parm.br_tech = GLP_BR_DTH
        case .hybridPseudocost: parm.br_tech = GLP_BR_PCH
        }
        switch settings.backtracking {
        case .depthFirst: parm.bt_tech = GLP_BT_DFS
        case .breadthFirst: parm.bt_tech = GLP_BT_BFS
        case .bestLocalBound: parm.bt_tech = GLP_BT_BLB
        case .bestProjection: parm.bt_tech = GLP_BT_BPH
        }
        parm.fp_heur = settings.feasibilityPump ? GLP_ON : GLP_OFF
        parm.ps_heur = settings.proximitySearch ? GLP_ON : GLP_OFF
        parm.ps_tm_lim = settings.proximityMilliseconds

        // GLPK's arrays are 1-based: x[0] is unused.
        let oneBasedStart: [Double]? = warmStart.map { [0] + $0 }
        let box = shouldStop.map(StopBox.init)

        var ctx = iopddl_intopt_ctx()
        ctx.deadline = deadline ?? 0
        ctx.abs_gap = absoluteGap ?? -1
        if let initialBound {
            ctx.has_bound = 1
            ctx.bound = initialBound
        }
        ctx.test_fatal = provokeFatalError ? 1 : 0
        if let box {
            ctx.stop_info = Unmanaged.passUnretained(box).toOpaque()
            ctx.stop = { info in
                guard let info else { return 0 }
                return Unmanaged<StopBox>.fromOpaque(info).takeUnretainedValue().shouldStop() ? 1 : 0
            }
        }
        let rc: Int32 = withExtendedLifetime(box) {
            if let oneBasedStart {
                return oneBasedStart.withUnsafeBufferPointer { x in
                    ctx.warm_start = x.baseAddress
                    defer { ctx.warm_start = nil }
                    return iopddl_guarded_intopt(prob, &parm, &ctx)
                }
            }
            return iopddl_guarded_intopt(prob, &parm, &ctx)
        }
        if rc == IOPDDL_GLPK_FATAL { return nil }

        let warm: Bool?
        switch ctx.warm_start_result {
        case IOPDDL_WARM_ACCEPTED: warm = true
        case IOPDDL_WARM_REJECTED: warm = false
        default: warm = nil
        }
        let stop: MIPStopReason?
        switch ctx.stop_reason {
        case IOPDDL_STOP_DEADLINE: stop = .timeLimit
        case IOPDDL_STOP_REQUESTED: stop = .stopRequested
        case IOPDDL_STOP_ABS_GAP: stop = .gapReached
        default: stop = nil
        }
        return IntoptReport(
            returnCode: rc, warmStartAccepted: warm, stopReason: stop,
            bound: ctx.has_bound != 0 ? ctx.bound : nil,
            nodes: ctx.nodes > 0 ? Int(ctx.nodes) : nil)
    }

    var mipStatus: Int32 { glp_mip_status(prob) }
    var mipObjective: Double { glp_mip_obj_val(prob) }

    func mipValues() -> [Double] {
        let n = columnCount
        return [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
            for j in 0..<n { buffer[j] = glp_mip_col_val(prob, Int32(j + 1)) }
            initialized = n
        }
    }

    // MARK: Codes

    /// Readable name of a glp_simplex / glp_intopt return code.
    static func returnCodeName(_ rc: Int32) -> String {
        switch rc {
        case 0: return "success"
        case GLP_EBADB: return "GLP_EBADB (invalid basis)"
        case GLP_ESING: return "GLP_ESING (singular basis matrix)"
        case GLP_ECOND: return "GLP_ECOND (ill-conditioned basis matrix)"
        case GLP_EBOUND: return "GLP_EBOUND (invalid bounds)"
        case GLP_EFAIL: return "GLP_EFAIL (solver failure)"
        case GLP_EOBJLL: return "GLP_EOBJLL (objective lower limit reached)"
        case GLP_EOBJUL: return "GLP_EOBJUL (objective upper limit reached)"
        case GLP_EITLIM: return "GLP_EITLIM (iteration limit)"
        case GLP_ETMLIM: return "GLP_ETMLIM (time limit)"
        case GLP_ENOPFS: return "GLP_ENOPFS (no primal feasible solution)"
        case GLP_ENODFS: return "GLP_ENODFS (no dual feasible solution)"
        case GLP_EROOT: return "GLP_EROOT (root LP optimum not provided)"
        case GLP_ESTOP: return "GLP_ESTOP (terminated by application)"
        case GLP_EMIPGAP: return "GLP_EMIPGAP (relative gap reached)"
        default: return "GLPK return code \(rc)"
        }
    }

    // MARK: Bounds translation

    private static func glpkBounds(_ bounds: Bounds) -> (Int32, Double, Double) {
        switch bounds {
        case .free: return (GLP_FR, 0, 0)
        case .lower(let l): return (GLP_LO, l, 0)
        case .upper(let u): return (GLP_UP, 0, u)
        case .range(let l, let u): return l == u ? (GLP_FX, l, l) : (GLP_DB, l, u)
        case .fixed(let v): return (GLP_FX, v, v)
        }
    }

    private static func bounds(type: Int32, lower: Double, upper: Double) -> Bounds {
        switch type {
        case GLP_LO: return .lower(lower)
        case GLP_UP: return .upper(upper)
        case GLP_DB: return .range(lower, upper)
        case GLP_FX: return .fixed(lower)
        default: return .free
        }
    }
}

/// Holds the stop closure while the C callback refers to it through an unretained pointer.
private final class StopBox {
    let shouldStop: () -> Bool
    init(_ shouldStop: @escaping () -> Bool) { self.shouldStop = shouldStop }
}
