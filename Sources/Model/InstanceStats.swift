/// What `iopddl stats` prints about an instance.
public struct InstanceStats: Sendable {
    public var problem: Problem
    public var file: String
    public var info: ProblemReader.ReadInfo?
    public var loadSeconds: Double

    public init(problem: Problem, file: String, info: ProblemReader.ReadInfo? = nil, loadSeconds: Double) {
        self.problem = problem
        self.file = file
        self.info = info
        self.loadSeconds = loadSeconds
    }

    /// Peak usage when every node takes its minimum-usage strategy (feasible iff this fits).
    public static func minimumUsagePeak(_ p: Problem) -> Int128 {
        (try? Evaluator.evaluate(p, p.minimumUsageSolution()).peakUsage) ?? 0
    }

    public func lines() -> [(String, String)] {
        let p = problem
        var out: [(String, String)] = []
        out.append(("name", p.name.isEmpty ? "(none)" : p.name))
        out.append(("file", file))
        if let info {
            out.append(("file_bytes", String(info.fileBytes)))
            out.append(("json_bytes", String(info.textBytes) + (info.gzip ? " (gzip)" : "")))
            let mbps = loadSeconds > 0 ? Double(info.textBytes) / 1e6 / loadSeconds : 0
            out.append(("load", "\(fmt(loadSeconds, 3)) s, \(fmt(mbps, 0)) MB/s of JSON"))
        } else {
            out.append(("load", "\(fmt(loadSeconds, 3)) s"))
        }
        out.append(("nodes", String(p.nodeCount)))
        out.append(("edges", String(p.edgeCount)))
        var kMax = 0
        var single = 0
        for i in 0 ..< p.nodeCount {
            kMax = max(kMax, p.strategyCount(i))
            if p.strategyCount(i) == 1 { single += 1 }
        }
        let mean = p.nodeCount > 0 ? Double(p.strategyTotal) / Double(p.nodeCount) : 0
        out.append(("strategies", "\(p.strategyTotal) (mean \(fmt(mean, 2)), max \(kMax), \(single) nodes with one)"))
        var arity: [Int: Int] = [:]
        for e in 0 ..< p.edgeCount { arity[p.edgeNodeOffset[e + 1] - p.edgeNodeOffset[e], default: 0] += 1 }
        out.append(("edge_arity", arity.keys.sorted().map { "\($0):\(arity[$0]!)" }.joined(separator: " ")))
        let inf = p.edgeCost.reduce(0) { $0 + ($1 >= Problem.infinity ? 1 : 0) }
        let pct = p.edgeCost.isEmpty ? 0 : 100 * Double(inf) / Double(p.edgeCost.count)
        out.append(("edge_entries", "\(p.edgeCost.count) (\(inf) infinite, \(fmt(pct, 1))%)"))
        let live = (0 ..< p.nodeCount).reduce(0) { $0 + (p.isLive($1) ? 1 : 0) }
        out.append(("live_nodes", String(live)))
        let cliques = IntervalCliques(p)
        out.append(("maximal_cliques", String(cliques.count)))
        let minPeak = Self.minimumUsagePeak(p)
        if let limit = p.usageLimit {
            let ratio = minPeak > 0 ? Double(limit) / Double(minPeak) : 0
            out.append(("usage_limit", String(limit)))
            out.append(("min_usage_peak", "\(minPeak) (limit / min peak = \(fmt(ratio, 4)))"))
            out.append(("feasible", minPeak <= Int128(limit) ? "yes" : "no (the minimum usages already exceed the limit)"))
        } else {
            out.append(("usage_limit", "none"))
            out.append(("min_usage_peak", String(minPeak)))
        }
        return out
    }

    public func report() -> String {
        lines().map { "\($0.0): \($0.1)" }.joined(separator: "\n")
    }
}

func fmt(_ x: Double, _ digits: Int) -> String {
    if !x.isFinite || abs(x) >= 1e15 { return String(x) }
    var scale = 1.0
    for _ in 0 ..< digits { scale *= 10 }
    let r = (abs(x) * scale).rounded()
    let whole = Int(r / scale)
    let frac = Int(r - Double(whole) * scale)
    var s = (x < 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return s
}
