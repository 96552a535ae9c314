import Model
import Synchronization

/// The one owner of the best solution and the best bound. It checks every offered solution
/// with the independent evaluator, rejects non-improving or infeasible ones, never lets the
/// bound pass the incumbent (`BoundKeeper`), and is the only writer of the solve's progress
/// lines (`ProgressLog`).
public final class IncumbentStore: Sendable {
    public struct Snapshot: Sendable {
        public var cost: Int128?
        public var solution: [Int]?
        public var source: String
        /// The bound, its source and its rises.
        public internal(set) var bounds: BoundKeeper
        public var improvements: Int
        public var foundAt: Double
        /// Every improvement, in order.
        public var history: [Improvement] = []

        public var bound: Int128? { bounds.bound }
        public var boundSource: String { bounds.source }

        /// Whether the bound meets the cost (the cost is then optimal).
        public var provedOptimal: Bool {
            guard let c = cost, let b = bound else { return false }
            return b >= c
        }
    }

    private let state: Mutex<Snapshot>
    private let problem: Problem
    private let clock: ProcessClock
    /// Where progress lines go; nil: none.
    private let log: ProgressLog?
    /// Called once, when the bound first meets the incumbent's cost (the cost is optimal).
    private let onOptimal = Mutex<(@Sendable () -> Void)?>(nil)

    /// A store whose progress lines go to `log` (nil: no lines).
    public init(problem: Problem, clock: ProcessClock, progress log: ProgressLog?) {
        self.problem = problem
        self.clock = clock
        self.log = log
        state = Mutex(Snapshot(cost: nil, solution: nil, source: "", bounds: BoundKeeper(),
                               improvements: 0, foundAt: 0))
    }

    /// A store writing its progress lines to standard error when `logProgress`.
    public convenience init(problem: Problem, clock: ProcessClock, logProgress: Bool = true) {
        self.init(problem: problem, clock: clock, progress: logProgress ? ProgressLog() : nil)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// One accepted improvement of the incumbent: when, its cost, the bound known then, and what
    /// found it (the progress line's `src`).
    public struct Improvement: Sendable, Codable, Equatable {
        public var seconds: Double
        public var cost: Int128
        public var bound: Int128?
        public var source: String
    }

    /// Set under the state lock by `close()`: later offers are refused, so the final answer
    /// and the progress log agree on the best solution.
    private let closed = Atomic<Bool>(false)

    /// Refuses every later offer and returns the final state.
    public func close() -> Snapshot {
        state.withLock { s in
            closed.store(true, ordering: .relaxed)
            return s
        }
    }
    public var bestCost: Int128? { state.withLock { $0.cost } }

    /// When (seconds on the run's clock) the best cost last improved; nil before the first
    /// solution.
    public var improvedAt: Double? { state.withLock { $0.cost == nil ? nil : $0.foundAt } }

    /// True once a bound offered here meets the incumbent's cost: the incumbent is optimal.
    /// Only certified bounds may be offered (see `offerBound`), so this is a proof.
    public var provedOptimal: Bool { state.withLock { $0.provedOptimal } }

    /// Sets the action taken once when the incumbent is proved optimal (e.g. stop the search).
    public func whenOptimal(_ action: @escaping @Sendable () -> Void) {
        onOptimal.withLock { $0 = action }
        if provedOptimal { fireOptimal() }
    }

    private func fireOptimal() {
        let action = onOptimal.withLock { a -> (@Sendable () -> Void)? in
            defer { a = nil }
            return a
        }
        action?()
    }

    /// Offers a solution (original node indices). Returns true when it became the incumbent.
    @discardableResult
    public func offer(_ solution: [Int], source: String) -> Bool {
        // The independent evaluator decides feasibility and cost, outside the lock (it is the
        // slow part); a solution it cannot read (wrong length, strategy out of range) is refused.
        guard let ev = try? Evaluator.evaluate(problem, solution), ev.feasible else { return false }
        var conflict: String? = nil
        let accepted: Bool = state.withLock { s in
            if closed.load(ordering: .relaxed) { return false }
            if let c = s.cost, ev.cost >= c { return false }
            s.cost = ev.cost
            s.solution = solution
            s.source = source
            s.improvements += 1
            s.foundAt = clock.seconds
            s.history.append(Improvement(seconds: s.foundAt, cost: ev.cost, bound: s.bounds.bound, source: source))
            if let dropped = s.bounds.dropIfAbove(ev.cost) {
                // A valid bound cannot exceed a feasible cost: drop it rather than let it
                // prove a wrong optimum.
                conflict = "bound \(dropped.bound) from \(dropped.source) above the feasible cost \(ev.cost)"
            }
            return true
        }
        if let conflict { Console.writeErr("iopddl: internal error: \(conflict); bound dropped\n") }
        if accepted {
            progress(source: source, force: true)
            if provedOptimal { fireOptimal() }
        }
        return accepted
    }

    /// Raises the lower bound. Returns true if it rose. A value above the incumbent's cost is
    /// rejected with an internal-error line (it cannot be a valid bound). Every
    /// offered value must be a valid lower bound in exact arithmetic: when it meets the
    /// incumbent's cost the run reports that cost as optimal.
    @discardableResult
    public func offerBound(_ bound: Int128, source: String) -> Bool {
        let outcome: BoundKeeper.Outcome = state.withLock { s in
            if closed.load(ordering: .relaxed) { return .notHigher }
            return s.bounds.offer(bound, source: source, at: clock.seconds, cost: s.cost)
        }
        switch outcome {
        case .aboveCost(let c):
            // A feasible solution costs less: the offered value is no valid bound.
            Console.writeErr("iopddl: internal error: bound \(bound) from \(source) above the feasible cost \(c); ignored\n")
            return false
        case .notHigher:
            return false
        case .raised:
            let optimal = provedOptimal
            progress(source: source, force: optimal)
            if optimal { fireOptimal() }
            return true
        }
    }

    /// Writes a progress line: `#<seq> <t>s best:<cost> bound:<b> gap:<g>% src:<source>`.
    /// Incumbent lines are never throttled; others at most about once a second.
    public func progress(source: String, force: Bool, extra: String = "") {
        guard let log else { return }
        log.write(at: clock.seconds, force: force, source: source, extra: extra) {
            let s = snapshot
            return (s.cost, s.bound)
        }
    }
}
