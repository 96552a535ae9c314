#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An LP/MIP model solved by GLPK; owns one `glp_prob*` and frees it in `deinit`.
///
/// **Threads.** GLPK keeps its state per thread, so different threads may build and solve
/// different problems concurrently, but one problem must be created, used and released on the
/// same thread: GLPK aborts the process if a problem is deleted on another thread. Every method
/// throws ``GLPKError/wrongThread`` when called from another thread, and if the last reference
/// is released on another thread the problem is leaked (with a note on stderr) rather than
/// deleted. The type is deliberately not `Sendable`. Keep one problem per worker thread.
///
/// **Safety.** Every index, bound and coefficient is validated before GLPK sees it, and GLPK
/// never prints (its output would corrupt stdout). If GLPK still hits a fatal error inside a
/// solve, the process survives: the solve throws ``GLPKError/glpkFatalError(message:)`` and
/// GLPK's environment of this thread is freed, which invalidates this and every other problem
/// of the thread (their methods then throw ``GLPKError/problemInvalidated``).
///
/// Indices of columns and rows are 0-based and refer to the order of addition.
public final class MIPProblem {
    let raw: RawGLPK
    private let ownerThread: pthread_t
    private let environment: UInt
    private var invalidated = false

    /// An empty problem with the given objective direction.
    public init(direction: ObjectiveDirection = .minimise) {
        raw = RawGLPK.create()
        ownerThread = pthread_self()
        environment = RawGLPK.environmentGeneration
        raw.direction = direction
    }

    deinit {
        guard pthread_equal(pthread_self(), ownerThread) != 0 else {
            let note = "warning: GLPK problem released on another thread than its own; leaked\n"
            _ = note.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            return
        }
        if !invalidated && environment == RawGLPK.environmentGeneration { raw.delete() }
    }

    /// Whether the problem can still be used: on its own thread and not invalidated by a GLPK
    /// fatal error.
    public var isUsable: Bool { (try? checkUsable()) != nil }

    /// Throws unless called on the owning thread with GLPK's environment still intact.
    func checkUsable() throws(GLPKError) {
        guard pthread_equal(pthread_self(), ownerThread) != 0 else { throw .wrongThread }
        guard !invalidated && environment == RawGLPK.environmentGeneration else {
            throw .problemInvalidated
        }
    }

    /// Records that GLPK's environment (and with it this problem) is gone.
    func markInvalidated() { invalidated = true }

    // MARK: Size and objective

    /// Number of columns.
    public func columnCount() throws(GLPKError) -> Int {
        try checkUsable()
        return raw.columnCount
    }

    /// Number of rows.
    public func rowCount() throws(GLPKError) -> Int {
        try checkUsable()
        return raw.rowCount
    }

    /// Number of stored constraint coefficients.
    public func nonzeroCount() throws(GLPKError) -> Int {
        try checkUsable()
        return raw.nonzeroCount
    }

    /// Sets minimisation or maximisation.
    public func setDirection(_ direction: ObjectiveDirection) throws(GLPKError) {
        try checkUsable()
        raw.direction = direction
    }

    /// The objective direction.
    public func direction() throws(GLPKError) -> ObjectiveDirection {
        try checkUsable()
        return raw.direction
    }

    /// Sets the constant term of the objective.
    public func setObjectiveConstant(_ value: Double) throws(GLPKError) {
        try checkUsable()
        try requireFinite(value, "objective constant")
        raw.objectiveConstant = value
    }

    /// Sets the objective coefficient of one column.
    public func setObjectiveCoefficient(column: Int, _ value: Double) throws(GLPKError) {
        try checkUsable()
        try requireColumn(column)
        try requireFinite(value, "objective coefficient of column \(column)")
        raw.setObjectiveCoefficient(column, value)
    }

    // MARK: Columns

    /// Appends columns; returns their indices. Nothing is added if any column is invalid.
    @discardableResult
    public func addColumns(_ columns: [Column]) throws(GLPKError) -> Range<Int> {
        try checkUsable()
        let first = raw.columnCount
        try requireGLPKSize(first + columns.count, "columns")
        for (k, column) in columns.enumerated() {
            try requireFinite(column.objective, "objective coefficient of column \(first + k)")
            try validateColumnBounds(column.bounds, kind: column.kind, column: first + k)
        }
        _ = raw.addColumns(columns.count)
        for (k, column) in columns.enumerated() {
            let j = first + k
            // glp_set_col_kind(GLP_BV) also sets the bounds to [0, 1]; set ours afterwards.
            if column.kind != .continuous { raw.setColumnKind(j, column.kind) }
            raw.setColumnBounds(j, column.bounds)
            if column.objective != 0 { raw.setObjectiveCoefficient(j, column.objective) }
        }
        return first..<(first + columns.count)
    }

    /// Appends one column with `values[k]` in existing rows `rows[k]` (distinct, 0-based);
    /// returns its index. Nothing is added if the column or a coefficient is invalid. (For
    /// column generation: the basis stays valid, the new column is non-basic.)
    @discardableResult
    public func addColumn(_ column: Column, rows: [Int], values: [Double]) throws(GLPKError) -> Int {
        try checkUsable()
        guard rows.count == values.count else {
            throw .invalidArgument("column: \(rows.count) rows but \(values.count) values")
        }
        let m = raw.rowCount
        for (k, r) in rows.enumerated() {
            guard r >= 0 && r < m else { throw .invalidArgument("column: row \(r) out of range 0..<\(m)") }
            try requireFinite(values[k], "coefficient in row \(r)")
        }
        guard Set(rows).count == rows.count else { throw .invalidArgument("column: repeated row") }
        let j = try addColumns([column]).lowerBound
        raw.setColumn(j, rows: rows, values: values)
        return j
    }

    /// The current simplex basis (every row's and column's status), to warm-start a later
    /// solve with `setBasis` after other solves moved it.
    public func basis() throws(GLPKError) -> LPBasis {
        try checkUsable()
        let (rows, columns) = raw.basisStatuses()
        return LPBasis(rows: rows, columns: columns)
    }

    /// Restores a basis taken by `basis()`; columns added since are non-basic at their lower
    /// bound. A basis that is no longer valid (e.g. singular) is replaced by the standard one
    /// at the next solve.
    public func setBasis(_ basis: LPBasis) throws(GLPKError) {
        try checkUsable()
        raw.setBasisStatuses(rows: basis.rows, columns: basis.columns)
    }

    /// Appends one binary column per objective coefficient; returns their indices.
    @discardableResult
    public func addBinaryColumns(objective: [Double]) throws(GLPKError) -> Range<Int> {
        try addColumns(objective.map { Column.binary(objective: $0) })
    }

    /// Changes the bounds of a column (e.g. to fix it); integer columns need integral bounds.
    public func setColumnBounds(column: Int, _ bounds: Bounds) throws(GLPKError) {
        try checkUsable()
        try requireColumn(column)
        let kind: ColumnKind = raw.isIntegerColumn(column) ? .integer : .continuous
        try validateColumnBounds(bounds, kind: kind, column: column)
        raw.setColumnBounds(column, bounds)
    }

    /// The bounds of a column.
    public func columnBounds(column: Int) throws(GLPKError) -> Bounds {
        try checkUsable()
        try requireColumn(column)
        return raw.columnBounds(column)
    }

    // MARK: Rows

    /// Appends one row `bounds` over `values[k] * x[columns[k]]`; returns its index.
    @discardableResult
    public func addRow(_ bounds: Bounds, columns: [Int], values: [Double]) throws(GLPKError) -> Int {
        var block = SparseRows()
        try block.append(bounds, columns: columns, values: values)
        return try addRows(block).lowerBound
    }

    /// Appends a block of rows; returns their indices. Nothing is added if any row is invalid.
    /// Uses one `glp_set_mat_row` per row: about as fast as one `glp_load_matrix` on large
    /// blocks (benchmarks/CONSTANTS.md), and per-row calls can extend a non-empty matrix, which
    /// `glp_load_matrix` (replace everything) cannot.
    @discardableResult
    public func addRows(_ rows: SparseRows) throws(GLPKError) -> Range<Int> {
        try checkUsable()
        let first = raw.rowCount
        let n = raw.columnCount
        try requireGLPKSize(first + rows.count, "rows")
        try requireGLPKSize(raw.nonzeroCount + rows.nonzeroCount, "constraint coefficients")
        let maxLength = try validate(rows, firstRow: first, columnCount: n)

        _ = raw.addRows(rows.count)
        let scratchIndices = UnsafeMutablePointer<Int32>.allocate(capacity: maxLength + 1)
        let scratchValues = UnsafeMutablePointer<Double>.allocate(capacity: maxLength + 1)
        defer {
            scratchIndices.deallocate()
            scratchValues.deallocate()
        }
        rows.columns.withUnsafeBufferPointer { columns in
            rows.values.withUnsafeBufferPointer { values in
                for r in 0..<rows.count {
                    let range = rows.starts[r]..<rows.starts[r + 1]
                    raw.setRowBounds(first + r, rows.bounds[r])
                    raw.setRow(
                        first + r, columns: UnsafeBufferPointer(rebasing: columns[range]),
                        values: UnsafeBufferPointer(rebasing: values[range]),
                        scratchIndices: scratchIndices, scratchValues: scratchValues)
                }
            }
        }
        return first..<(first + rows.count)
    }

    /// Changes the bounds of a row.
    public func setRowBounds(row: Int, _ bounds: Bounds) throws(GLPKError) {
        try checkUsable()
        try requireRow(row)
        try validateBounds(bounds, "row \(row)")
        raw.setRowBounds(row, bounds)
    }

    /// The bounds of a row.
    public func rowBounds(row: Int) throws(GLPKError) -> Bounds {
        try checkUsable()
        try requireRow(row)
        return raw.rowBounds(row)
    }

    /// Deletes rows; later rows move down to fill the gaps (indices keep their order).
    public func removeRows(_ rows: [Int]) throws(GLPKError) {
        try checkUsable()
        var seen = Set<Int>()
        for i in rows {
            try requireRow(i)
            guard seen.insert(i).inserted else { throw .invalidArgument("row \(i) listed twice") }
        }
        raw.deleteRows(rows)
    }

    /// Adds the row `objective <= cutoff` (minimising) or `objective >= cutoff` (maximising),
    /// the objective's constant term included, and returns its index. GLPK's own optimality
    /// claims can be off by small amounts; demanding a strict improvement through such a row
    /// (e.g. `best - 1` for integral costs) makes it search for a better solution.
    /// Its bound follows the direction at the time of the call.
    @discardableResult
    public func addObjectiveCutoffRow(_ cutoff: Double) throws(GLPKError) -> Int {
        try checkUsable()
        try requireFinite(cutoff, "objective cutoff")
        var columns: [Int] = []
        var values: [Double] = []
        for j in 0..<raw.columnCount {
            let c = raw.objectiveCoefficient(j)
            if c != 0 {
                columns.append(j)
                values.append(c)
            }
        }
        let rhs = cutoff - raw.objectiveConstant
        try requireFinite(rhs, "objective cutoff minus constant term")
        let bounds: Bounds = raw.direction == .minimise ? .upper(rhs) : .lower(rhs)
        return try addRow(bounds, columns: columns, values: values)
    }

    // MARK: Validation

    func requireColumn(_ j: Int) throws(GLPKError) {
        let n = raw.columnCount
        guard j >= 0 && j < n else { throw .columnOutOfRange(index: j, count: n) }
    }

    func requireRow(_ i: Int) throws(GLPKError) {
        let m = raw.rowCount
        guard i >= 0 && i < m else { throw .rowOutOfRange(index: i, count: m) }
    }

    private func requireFinite(_ value: Double, _ what: @autoclosure () -> String) throws(GLPKError) {
        guard value.isFinite else { throw .notFinite(what: what(), value: value) }
    }

    private func requireGLPKSize(_ count: Int, _ what: String) throws(GLPKError) {
        guard count < Int(Int32.max) else { throw .tooLarge(what: what, count: count) }
    }

    private func validateBounds(_ bounds: Bounds, _ what: @autoclosure () -> String) throws(GLPKError) {
        switch bounds {
        case .free: break
        case .lower(let v), .upper(let v), .fixed(let v): try requireFinite(v, "bound of \(what())")
        case .range(let l, let u):
            try requireFinite(l, "lower bound of \(what())")
            try requireFinite(u, "upper bound of \(what())")
            guard l <= u else { throw .invalidBounds(what: what(), lower: l, upper: u) }
        }
    }

    private func validateColumnBounds(
        _ bounds: Bounds, kind: ColumnKind, column: Int
    ) throws(GLPKError) {
        try validateBounds(bounds, "column \(column)")
        guard kind != .continuous else { return }
        let lower = bounds.lowerValue, upper = bounds.upperValue
        if lower.isFinite && lower.rounded() != lower {
            throw .nonIntegralBound(column: column, value: lower)
        }
        if upper.isFinite && upper.rounded() != upper {
            throw .nonIntegralBound(column: column, value: upper)
        }
        if kind == .binary && (lower < 0 || upper > 1) {
            throw .invalidBounds(what: "binary column \(column)", lower: lower, upper: upper)
        }
    }

    /// Checks a row block; returns its longest row length.
    private func validate(
        _ rows: SparseRows, firstRow: Int, columnCount n: Int
    ) throws(GLPKError) -> Int {
        guard rows.starts.count == rows.count + 1, rows.starts.first == 0 else {
            throw .lengthMismatch(what: "row starts", expected: rows.count + 1, found: rows.starts.count)
        }
        guard rows.columns.count == rows.values.count else {
            throw .lengthMismatch(
                what: "row coefficients", expected: rows.columns.count, found: rows.values.count)
        }
        guard rows.starts[rows.count] == rows.values.count else {
            throw .lengthMismatch(
                what: "coefficients listed by row starts", expected: rows.starts[rows.count],
                found: rows.values.count)
        }
        // lastRowSeen[j] = 1 + the block row that last used column j (0: none).
        var lastRowSeen = [Int32](repeating: 0, count: n)
        var maxLength = 0
        for r in 0..<rows.count {
            let row = firstRow + r
            try validateBounds(rows.bounds[r], "row \(row)")
            let start = rows.starts[r], end = rows.starts[r + 1]
            guard start <= end else {
                throw .invalidArgument("row \(row): row starts decrease (\(start) > \(end))")
            }
            maxLength = max(maxLength, end - start)
            for k in start..<end {
                let j = Int(rows.columns[k])
                guard j >= 0 && j < n else { throw .columnOutOfRange(index: j, count: n) }
                let v = rows.values[k]
                guard v.isFinite else {
                    throw .notFinite(what: "row \(row), column \(j) coefficient", value: v)
                }
                guard lastRowSeen[j] != Int32(r + 1) else { throw .duplicateColumn(row: row, column: j) }
                lastRowSeen[j] = Int32(r + 1)
            }
        }
        return maxLength
    }
}

/// One problem per thread: never share it.
@available(*, unavailable)
extension MIPProblem: Sendable {}
