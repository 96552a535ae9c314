import Model
import Synchronization

/// The one owner of the best solution and the best bound. It checks every offered solution
/// with the independent evaluator, rejects non-improving or infeasible ones, never lets the
/// bound pass the incumbent, and is the only writer of progress lines.
public final class IncumbentStore: Sendable {
    public struct Snapshot: Sendable {
        public var cost: Int128?
        public var solution: [Int]?
        public var source: String
        public var bound: Int128?
        public var boundSource: String
        public var improvements: Int
        public var foundAt: Double

        /// Whether the bound meets the cost (the cost is then optimal).
        public var provedOptimal: Bool {
            guard let c = cost, let b = bound else { return false }
            return b >= c
        }
    }

    private let state: Mutex<Snapshot>
    private let problem: Problem
    private let clock: ProcessClock
    private let logProgress: Bool
    private let sequence = Atomic<Int>(0)
    private let lastLineTime = Mutex<Double>(-1)
    /// Called once, when the bound first meets the incumbent's cost (the cost is optimal).
    private let onOptimal = Mutex<(@Sendable () -> Void)?>(nil)

    public init(problem: Problem, clock: ProcessClock, logProgress: Bool = true) {
        self.problem = problem
        self.clock = clock
        self.logProgress = logProgress
        state = Mutex(Snapshot(cost: nil, solution: nil, source: "", bound: nil, boundSource: "",
                               improvements: 0, foundAt: 0))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

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
        // Cheap pre-check without evaluating: nothing to do if we cannot tell yet.
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
            if let b = s.bound, b > ev.cost {
                // A valid bound cannot exceed a feasible cost: drop it rather than let it
                // prove a wrong optimum.
                conflict = "bound \(b) from \(s.boundSource) above the feasible cost \(ev.cost)"
                s.bound = nil
                s.boundSource = ""
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
        var conflict: Int128? = nil
        let raised: Bool = state.withLock { s in
            if closed.load(ordering: .relaxed) { return false }
            if let c = s.cost, bound > c {
                conflict = c
                return false
            }
            if let old = s.bound, bound <= old { return false }
            s.bound = bound
            s.boundSource = source
            return true
        }
        if let c = conflict {
            // A feasible solution costs less: the offered value is no valid bound.
            Console.writeErr("iopddl: internal error: bound \(bound) from \(source) above the feasible cost \(c); ignored\n")
        }
        if raised {
            let optimal = provedOptimal
            progress(source: source, force: optimal)
            if optimal { fireOptimal() }
        }
        return raised
    }

    /// Writes a progress line: `#<seq> <t>s best:<cost> bound:<b> gap:<g>% src:<source>`.
    /// Incumbent lines are never throttled; others at most about once a second.
    public func progress(source: String, force: Bool, extra: String = "") {
        guard logProgress else { return }
        let now = clock.seconds
        let allowed = lastLineTime.withLock { last -> Bool in
            if !force && now - last < 1.0 { return false }
            last = now
            return true
        }
        if !allowed { return }
        let s = snapshot
        let seq = sequence.add(1, ordering: .relaxed).newValue
        var line = "#\(seq) \(formatSeconds(now))s"
        if let c = s.cost { line += " best:\(c)" }
        if let b = s.bound {
            line += " bound:\(b)"
            if let c = s.cost { line += " gap:\(gapPercent(cost: c, bound: b))%" }
        }
        line += " src:\(source)"
        if !extra.isEmpty { line += " " + extra }
        Console.writeErr(line + "\n")
    }
}

/// Relative gap (cost - bound) / cost in percent, two decimals.
public func gapPercent(cost: Int128, bound: Int128) -> String {
    if cost <= 0 { return "0.00" }
    let g = Double(cost - bound) / Double(cost) * 100
    return formatFixed(max(0, g), 2)
}

public func formatSeconds(_ t: Double) -> String { formatFixed(t, 2) }

public func formatFixed(_ x: Double, _ digits: Int) -> String {
    if !x.isFinite || abs(x) >= 1e15 { return String(x) }
    var scale = 1.0
    for _ in 0 ..< digits { scale *= 10 }
    let r = (abs(x) * scale).rounded()
    let whole = (r / scale).rounded(.down)
    let frac = Int(r - whole * scale)
    var s = (x < 0 && r > 0 ? "-" : "") + String(Int(whole))
    if digits > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return s
}
