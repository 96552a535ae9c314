/// One improvement of the bound.
public struct BoundEvent: Sendable, Equatable, Codable {
    /// Seconds on the run's clock.
    public var seconds: Double
    /// Lower bound on the original problem's optimum.
    public var bound: Int128
    public var method: String
}

/// The best lower bound, where it came from, and its rises: the one place that decides
/// whether an offered bound is taken. It only rises, and never passes a known feasible cost
/// (such a value cannot be a valid bound). Not thread-safe: its owner (`IncumbentStore`,
/// `BoundRun`) keeps it under a lock and writes the progress lines.
public struct BoundKeeper: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The bound rose to the offered value.
        case raised
        /// The offered value is not above the current bound.
        case notHigher
        /// The offered value lies above this feasible cost: refused.
        case aboveCost(Int128)
    }

    public private(set) var bound: Int128?
    /// The method or source of the current bound ("" without one).
    public private(set) var source = ""
    /// Every rise, in order.
    public private(set) var history: [BoundEvent] = []

    public init() {}

    /// Offers `value` found at `seconds`; `cost` is the best known feasible cost, if any.
    public mutating func offer(_ value: Int128, source: String, at seconds: Double, cost: Int128?) -> Outcome {
        if let cost, value > cost { return .aboveCost(cost) }
        if let bound, value <= bound { return .notHigher }
        bound = value
        self.source = source
        history.append(BoundEvent(seconds: seconds, bound: value, method: source))
        return .raised
    }

    /// Drops the bound when it lies above a newly found feasible `cost` (it cannot have been
    /// valid, and must not prove a wrong optimum); returns what was dropped.
    public mutating func dropIfAbove(_ cost: Int128) -> (bound: Int128, source: String)? {
        guard let b = bound, b > cost else { return nil }
        let dropped = (b, source)
        bound = nil
        source = ""
        return dropped
    }
}
