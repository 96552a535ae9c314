// Value types of the GLPK wrapper: bounds, columns, sparse row blocks, errors.
// Indices are 0-based everywhere in the public API.

/// Bounds of a column (variable) or of a row (constraint activity).
///
/// Every number must be finite. Use ``between(_:_:)`` to build bounds from values that may be
/// infinite.
public enum Bounds: Sendable, Equatable {
    /// No bound: `-inf < x < +inf`.
    case free
    /// `x >= lower`.
    case lower(Double)
    /// `x <= upper`.
    case upper(Double)
    /// `lower <= x <= upper` (GLPK's "double-bounded"); `lower == upper` is stored as fixed.
    case range(Double, Double)
    /// `x == value`.
    case fixed(Double)

    /// The bounds `lower <= x <= upper`, where either end may be infinite (meaning "no bound").
    public static func between(_ lower: Double, _ upper: Double) -> Bounds {
        switch (lower.isInfinite && lower < 0, upper.isInfinite && upper > 0) {
        case (true, true): return .free
        case (true, false): return .upper(upper)
        case (false, true): return .lower(lower)
        case (false, false): return lower == upper ? .fixed(lower) : .range(lower, upper)
        }
    }

    /// Lowest allowed value (`-infinity` when unbounded below).
    public var lowerValue: Double {
        switch self {
        case .free, .upper: return -.infinity
        case .lower(let l), .range(let l, _), .fixed(let l): return l
        }
    }

    /// Highest allowed value (`+infinity` when unbounded above).
    public var upperValue: Double {
        switch self {
        case .free, .lower: return .infinity
        case .upper(let u), .range(_, let u), .fixed(let u): return u
        }
    }
}

/// Kind of a column.
public enum ColumnKind: Sendable, Equatable {
    case continuous
    /// Integer; its bounds must be integral.
    case integer
    /// Integer in `[0, 1]`. Bounds may narrow it (e.g. `.fixed(1)`) but must stay integral.
    case binary
}

/// Objective direction.
public enum ObjectiveDirection: Sendable, Equatable {
    case minimise
    case maximise
}

/// One column (variable) to add: kind, bounds and objective coefficient.
public struct Column: Sendable, Equatable {
    public var kind: ColumnKind
    public var bounds: Bounds
    public var objective: Double

    /// A column. Without `bounds` it is `x >= 0`, or `0 <= x <= 1` when binary; the default
    /// is a continuous `x >= 0` with objective coefficient 0.
    public init(kind: ColumnKind = .continuous, bounds: Bounds? = nil, objective: Double = 0) {
        self.kind = kind
        self.bounds = bounds ?? (kind == .binary ? .range(0, 1) : .lower(0))
        self.objective = objective
    }

    /// A binary column in `[0, 1]`.
    public static func binary(objective: Double = 0) -> Column {
        Column(kind: .binary, bounds: .range(0, 1), objective: objective)
    }
}

/// A block of rows in compressed sparse row form, for adding many rows at once.
///
/// Row `r` has bounds `bounds[r]` and the coefficients `values[k]` on columns `columns[k]` for
/// `k` in `starts[r] ..< starts[r + 1]`. Column indices are 0-based; zero coefficients are
/// allowed (GLPK drops them); a column may appear at most once per row.
public struct SparseRows: Sendable, Equatable {
    public private(set) var bounds: [Bounds]
    public private(set) var starts: [Int]
    public private(set) var columns: [Int32]
    public private(set) var values: [Double]

    /// An empty block.
    public init() {
        bounds = []
        starts = [0]
        columns = []
        values = []
    }

    /// A block from raw CSR arrays; their consistency is checked when the block is added.
    public init(bounds: [Bounds], starts: [Int], columns: [Int32], values: [Double]) {
        self.bounds = bounds
        self.starts = starts
        self.columns = columns
        self.values = values
    }

    /// Number of rows.
    public var count: Int { bounds.count }

    /// Number of stored coefficients.
    public var nonzeroCount: Int { values.count }

    /// Reserves storage for `rows` more rows and `nonzeros` more coefficients.
    public mutating func reserveCapacity(rows: Int, nonzeros: Int) {
        bounds.reserveCapacity(bounds.count + rows)
        starts.reserveCapacity(starts.count + rows)
        columns.reserveCapacity(columns.count + nonzeros)
        values.reserveCapacity(values.count + nonzeros)
    }

    /// Appends the row `bounds` with `values[k]` on column `columns[k]`.
    /// - Throws: ``GLPKError/lengthMismatch(what:expected:found:)`` if the arrays differ in length.
    public mutating func append<C: Collection>(
        _ bounds: Bounds, columns newColumns: C, values newValues: [Double]
    ) throws(GLPKError) where C.Element: BinaryInteger {
        guard newColumns.count == newValues.count else {
            throw .lengthMismatch(
                what: "values of row \(count)", expected: newColumns.count, found: newValues.count)
        }
        self.bounds.append(bounds)
        // Clamping keeps an out-of-range index out of range, so validation still rejects it.
        for j in newColumns { columns.append(Int32(clamping: j)) }
        values.append(contentsOf: newValues)
        starts.append(values.count)
    }
}

/// Errors of the GLPK wrapper. Invalid arguments are reported here instead of letting GLPK
/// abort the process.
public enum GLPKError: Error, Equatable, CustomStringConvertible {
    /// A column index outside `0 ..< count`.
    case columnOutOfRange(index: Int, count: Int)
    /// A row index outside `0 ..< count`.
    case rowOutOfRange(index: Int, count: Int)
    /// A NaN or infinite number where a finite one is required.
    case notFinite(what: String, value: Double)
    /// Bounds with `lower > upper`, or binary bounds outside `[0, 1]`.
    case invalidBounds(what: String, lower: Double, upper: Double)
    /// A non-integral bound on an integer or binary column.
    case nonIntegralBound(column: Int, value: Double)
    /// A column listed twice in one row.
    case duplicateColumn(row: Int, column: Int)
    /// Arrays that should have the same length (or a given length) do not.
    case lengthMismatch(what: String, expected: Int, found: Int)
    /// Any other invalid argument (e.g. a negative time limit or count).
    case invalidArgument(String)
    /// More rows, columns or coefficients than GLPK's 32-bit indices allow.
    case tooLarge(what: String, count: Int)
    /// The problem was used on a thread other than the one that created it.
    case wrongThread
    /// A GLPK fatal error on this thread freed GLPK's environment; this problem is gone.
    case problemInvalidated
    /// GLPK hit a fatal error during this call; it was recovered, but the problem (and every
    /// other GLPK problem of this thread) is now invalid. `message` is GLPK's own text.
    case glpkFatalError(message: String)

    public var description: String {
        switch self {
        case .columnOutOfRange(let index, let count):
            return "column index \(index) out of range 0..<\(count)"
        case .rowOutOfRange(let index, let count):
            return "row index \(index) out of range 0..<\(count)"
        case .notFinite(let what, let value):
            return "\(what): expected a finite number, found \(value)"
        case .invalidBounds(let what, let lower, let upper):
            return "\(what): invalid bounds [\(lower), \(upper)]"
        case .nonIntegralBound(let column, let value):
            return "column \(column): integer column with non-integral bound \(value)"
        case .duplicateColumn(let row, let column):
            return "row \(row): column \(column) appears more than once"
        case .lengthMismatch(let what, let expected, let found):
            return "\(what): expected \(expected) entries, found \(found)"
        case .invalidArgument(let text):
            return text
        case .tooLarge(let what, let count):
            return "\(what): \(count) exceeds GLPK's 32-bit limit"
        case .wrongThread:
            return "GLPK problem used on a thread other than the one that created it"
        case .problemInvalidated:
            return "GLPK problem invalidated by an earlier fatal GLPK error on this thread"
        case .glpkFatalError(let message):
            return "GLPK fatal error (recovered; problem invalidated): \(message)"
        }
    }
}

/// Per-thread GLPK state.
public enum GLPKEnvironment {
    /// The linked GLPK version, e.g. "5.0".
    public static var version: String { RawGLPK.glpkVersion }

    /// Frees the calling thread's GLPK environment. GLPK keeps one per thread and never frees
    /// it by itself; call this at the end of a worker thread, after its problems are released.
    /// Problems of this thread still alive become invalid (they throw
    /// ``GLPKError/problemInvalidated`` and are not deleted again).
    public static func releaseCurrentThread() { RawGLPK.releaseThreadEnvironment() }
}
