import Model
import Synchronization

/// The one writer of progress lines, shared by the solve and the bound commands. One grammar:
///
///     #<seq> <t>s [best:<cost>] [bound:<b>] [gap:<g>%] src:<source> [extra]
///
/// e.g. `#12 3.41s best:6550261230 bound:6513812172 gap:0.56% src:lns-bfs`: `best` is the
/// best known cost, `bound` the best lower bound, `gap` is printed when both are known.
/// Forced lines (a new incumbent, a proof) are never throttled; the others are written at most
/// once per `minimumInterval`. Thread-safe.
public final class ProgressLog: Sendable {
    /// Seconds between two unforced lines: a bound rising every few milliseconds would
    /// otherwise flood the log.
    public static let minimumInterval = 1.0

    private let sink: @Sendable (String) -> Void
    private let sequence = Atomic<Int>(0)
    private let lastLineTime = Mutex<Double>(-1)

    /// `sink` receives each whole line with its newline (default: standard error).
    public init(sink: @escaping @Sendable (String) -> Void = { Console.writeErr($0) }) {
        self.sink = sink
    }

    /// Writes one line at `seconds` unless it is unforced and the last line was less than
    /// `minimumInterval` ago. `values` is read only once the line is admitted, so it shows
    /// the state at writing time. Returns whether the line was written.
    @discardableResult
    public func write(at seconds: Double, force: Bool, source: String, extra: String = "",
                      values: () -> (best: Int128?, bound: Int128?)) -> Bool {
        let admitted = lastLineTime.withLock { last -> Bool in
            if !force && seconds - last < Self.minimumInterval { return false }
            last = seconds
            return true
        }
        guard admitted else { return false }
        let (best, bound) = values()
        let seq = sequence.add(1, ordering: .relaxed).newValue
        sink(Self.line(sequence: seq, seconds: seconds, best: best, bound: bound, source: source, extra: extra))
        return true
    }

    /// The text of one line (with its newline).
    public static func line(sequence: Int, seconds: Double, best: Int128?, bound: Int128?,
                            source: String, extra: String = "") -> String {
        var line = "#\(sequence) \(formatSeconds(seconds))s"
        if let best { line += " best:\(best)" }
        if let bound {
            line += " bound:\(bound)"
            if let best { line += " gap:\(gapPercent(cost: best, bound: bound))%" }
        }
        line += " src:\(source)"
        if !extra.isEmpty { line += " " + extra }
        return line + "\n"
    }
}
