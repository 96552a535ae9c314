import Model

/// The outcome of a `SolverRun`: status, best solution (re-checked by the independent
/// evaluator), bound, gap, where and when they were found, counters and per-phase times.
/// The field names are stable (the report is written as JSON).
public struct SolverReport: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        /// The best cost meets a certified bound.
        case optimal
        /// A feasible solution, not proved optimal.
        case feasible
        /// No feasible solution exists (the minimum usages already exceed the limit).
        case infeasible
        /// No solution to give (only when the best one failed its final check).
        case noSolution = "no solution"
    }

    /// Why the run ended.
    public enum StopReason: Sendable, Codable, Equatable, CustomStringConvertible {
        /// A certified bound met the best cost.
        case optimal
        /// The stop time came.
        case time
        /// Every worker used its work limit (`SolverOptions.maxIterations`).
        case workLimit
        /// The instance has no feasible solution.
        case infeasible
        /// `SolverRun.requestStop()` was called from outside.
        case stopRequest
        /// The process received this signal.
        case signal(Int32)

        public var description: String {
            switch self {
            case .optimal: "optimal"
            case .time: "time"
            case .workLimit: "work limit"
            case .infeasible: "infeasible"
            case .stopRequest: "stop request"
            case let .signal(s): "signal \(s)"
            }
        }

        /// Encoded as its description, e.g. `"work limit"` or `"signal 15"`.
        public init(from decoder: Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            let plain: [StopReason] = [.optimal, .time, .workLimit, .infeasible, .stopRequest]
            if let r = plain.first(where: { $0.description == text }) {
                self = r
            } else if text.hasPrefix("signal "), let s = Int32(text.dropFirst(7)) {
                self = .signal(s)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "unknown stop reason \"\(text)\""))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    /// What the independent evaluator said about the best solution at the end.
    public enum EvaluatorCheck: String, Sendable, Codable {
        /// Feasible, with the cost the store had recorded.
        case passed
        /// Infeasible or another cost: an internal error; no solution is given.
        case failed
        /// There was no solution to check.
        case none
    }

    /// One timed phase of the run (`reduce`, `start`, `search`).
    public struct Phase: Sendable, Codable {
        public var name: String
        public var seconds: Double
    }

    public var status: Status
    public var stopReason: StopReason
    /// Seconds since process start when the report was made.
    public var endedAt: Double
    public var bestCost: Int128?
    /// What found the best solution (e.g. `min-usage`, `ls0`, `mip1`).
    public var bestSource: String?
    /// Seconds since process start when the best solution was found.
    public var bestFoundAt: Double?
    /// The best certified lower bound.
    public var bound: Int128?
    public var boundSource: String?
    /// (best - bound) / best in percent (0 when best <= 0); nil without both.
    public var gapPercent: Double?
    /// How often the incumbent improved.
    public var improvements: Int
    /// Every improvement, in order.
    public var history: [IncumbentStore.Improvement]
    /// Every rise of the bound, in order.
    public var boundHistory: [BoundEvent]
    /// When the bound met the cost (the later of the answer and the bound's last rise); nil
    /// unless the status is optimal.
    public var provedAt: Double? {
        guard status == .optimal, let found = bestFoundAt else { return nil }
        return max(found, boundHistory.last?.seconds ?? found)
    }
    public var evaluatorCheck: EvaluatorCheck
    /// The best solution (original node order), when it passed the evaluator's check.
    public var solution: [Int]?
    /// Why no solution exists, when the status is `infeasible`.
    public var infeasibility: String?
    /// The workers' counters, summed.
    public var counters: SearchStats
    /// One line per GLPK neighbourhood kind that was used (`LNSStats.lines`).
    public var lns: [String]
    public var phases: [Phase]

    /// The gap in percent as the progress lines state it: (cost - bound) / cost, 0 when the
    /// cost is not positive, never negative.
    public static func gap(cost: Int128, bound: Int128) -> Double {
        gapPercentValue(cost: cost, bound: bound)
    }

    /// The end-of-run summary for stderr, every line starting with `# `: a `# done` line
    /// (read by scripts and tests: reason, time, status, best, bound, gap), then a table.
    public var summaryLines: [String] {
        var done = "# done (\(stopReason)) at \(formatFixed(endedAt, 2)) s: status \(status.rawValue)"
        if let c = bestCost {
            done += ", best \(c) from \(bestSource ?? "") at \(formatFixed(bestFoundAt ?? 0, 2)) s"
            if let b = bound, let g = gapPercent {
                done += ", bound \(b) from \(boundSource ?? ""), gap \(formatGap(g))%"
            } else {
                done += ", bound none"
            }
        }
        var rows: [(String, String)] = [("status", status.rawValue)]
        rows.append(("best", bestCost.map { "\($0)" } ?? "none"))
        rows.append(("bound", bound.map { "\($0)" } ?? "none"))
        if let g = gapPercent { rows.append(("gap", formatGap(g) + "%")) }
        if let at = bestFoundAt, let source = bestSource {
            rows.append(("answer found", "at \(formatFixed(at, 2)) s by \(source)"))
        }
        if let source = boundSource { rows.append(("bound from", source)) }
        rows.append(("evaluator check", evaluatorCheck.rawValue))
        rows.append(("stopped", "\(stopReason) at \(formatFixed(endedAt, 2)) s"))
        if !phases.isEmpty {
            rows.append(("phases", phases.map { "\($0.name) \(formatFixed($0.seconds, 2)) s" }.joined(separator: ", ")))
        }
        let st = counters
        rows.append(("tree moves", "\(st.treeMoves) (improving \(st.treeImproved), memory-rejected \(st.rejectedMemory))"))
        rows.append(("elimination", "\(st.eliminationMoves) (improving \(st.eliminationImproved), too wide \(st.eliminationTooWide))"))
        rows.append(("other moves", "1-opt \(st.oneOptMoves), kicks \(st.kicks), repairs \(st.repairs), restarts \(st.restarts)"))
        rows.append(("GLPK", "neighbourhoods \(st.mipCalls) (improving \(st.mipImproved))"))
        let repaired = st.dualRepairs > 0 ? ", repaired by GLPK \(st.dualRepairs), made finite \(st.dualRepairsFinite)" : ""
        rows.append(("dual", "iterations \(st.dualIterations) (labellings polished \(st.dualLabellings), improving \(st.dualImproved)\(repaired))"))
        for line in lns { rows.append(("lns", line)) }
        let width = rows.map(\.0.count).max() ?? 0
        return [done] + rows.map { "#   " + $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }
    }
}
