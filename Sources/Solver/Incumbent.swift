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
    }

    private let state: Mutex<Snapshot>
    private let problem: Problem
    private let clock: ProcessClock
    private let logProgress: Bool
    private let sequence = Atomic<Int>(0)
    private let lastLineTime = Mutex<Double>(-1)

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

    /// Offers a solution (original node indices). Returns true when it became the incumbent.
    @discardableResult
    public func offer(_ solution: [Int], source: String) -> Bool {
        // Cheap pre-check without evaluating: nothing to do if we cannot tell yet.
        guard let ev = try? Evaluator.evaluate(problem, solution), ev.feasible else { return false }
        let accepted: Bool = state.withLock { s in
            if closed.load(ordering: .relaxed) { return false }
            if let c = s.cost, ev.cost >= c { return false }
            s.cost = ev.cost
            s.solution = solution
            s.source = source
            s.improvements += 1
            s.foundAt = clock.seconds
            if let b = s.bound, b > ev.cost { s.bound = ev.cost }
            return true
        }
        if accepted { progress(source: source, force: true) }
        return accepted
    }

    /// Raises the lower bound (never above the incumbent). Returns true if it rose.
    @discardableResult
    public func offerBound(_ bound: Int128, source: String) -> Bool {
        let raised: Bool = state.withLock { s in
            if closed.load(ordering: .relaxed) { return false }
            var b = bound
            if let c = s.cost, b > c { b = c }
            if let old = s.bound, b <= old { return false }
            s.bound = b
            s.boundSource = source
            return true
        }
        if raised { progress(source: source, force: false) }
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
