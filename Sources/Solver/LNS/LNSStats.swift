/// Counters of one generator (or of the whole-instance solve), summed over workers.
public struct LNSGeneratorStats: Sendable {
    public var calls = 0
    public var improvements = 0
    /// Sum of the decreases of the finite part of the cost (may include increases paid for
    /// removing infinite terms).
    public var gain: Int128 = 0
    /// Infinite terms removed.
    public var infiniteRemoved: Int128 = 0
    /// Seconds in building and solving the subproblems.
    public var seconds = 0.0
    /// Solves stopped by their time limit.
    public var timeouts = 0
    /// Subproblems refused as too large, or failed solves.
    public var skipped = 0
    /// Sums over calls, for the means.
    public var difficultySum = 0.0
    public var freeNodesSum = 0

    mutating func add(_ o: LNSGeneratorStats) {
        calls += o.calls
        improvements += o.improvements
        gain += o.gain
        infiniteRemoved += o.infiniteRemoved
        seconds += o.seconds
        timeouts += o.timeouts
        skipped += o.skipped
        difficultySum += o.difficultySum
        freeNodesSum += o.freeNodesSum
    }

    /// One `# lns:` line body, e.g. `cost-ball calls 40 improved 7 gain 1234 time 12.3s ...`.
    func line(_ name: String) -> String {
        let c = max(1, calls)
        return "\(name) calls \(calls) improved \(improvements) gain \(gain) infinite-removed \(infiniteRemoved) time \(formatSeconds(seconds))s"
            + " timeouts \(timeouts) skipped \(skipped) mean-difficulty \(formatSeconds(difficultySum / Double(c)))"
            + " mean-free \(freeNodesSum / c)"
    }

    mutating func record(_ gain: (finite: Int128, infinite: Int128)) {
        self.gain += gain.finite
        infiniteRemoved += gain.infinite
    }
}

/// Per-generator statistics plus those of the whole-instance ("exact mode") solves.
public struct LNSStats: Sendable {
    public var generators = [LNSGeneratorStats](repeating: LNSGeneratorStats(), count: NeighbourhoodKind.allCases.count)
    public var whole = LNSGeneratorStats()
    /// Whole-instance solves restricted to the strategies of small reduced cost in the dual.
    public var restricted = LNSGeneratorStats()
    /// Merges of solutions as they enter the pool (fresh merges, `NeighbourhoodSearch.step`).
    public var fresh = LNSGeneratorStats()
    /// The GLPK time share each worker ended with (one entry per worker).
    public var shares: [Double] = []

    mutating func add(_ o: LNSStats) {
        for g in 0 ..< generators.count { generators[g].add(o.generators[g]) }
        whole.add(o.whole)
        restricted.add(o.restricted)
        fresh.add(o.fresh)
        shares += o.shares
    }

    /// The `# lns:` lines of the final report (generators that were never called are left out).
    public var lines: [String] {
        var out: [String] = []
        for kind in NeighbourhoodKind.allCases where generators[kind.rawValue].calls > 0 {
            out.append(generators[kind.rawValue].line(kind.name))
        }
        if whole.calls > 0 { out.append(whole.line("whole")) }
        if restricted.calls > 0 { out.append(restricted.line("dual-restricted")) }
        if fresh.calls > 0 { out.append(fresh.line("fresh-merge")) }
        if generators.contains(where: { $0.calls > 0 }) && !shares.isEmpty {
            out.append("time-share " + shares.map { String(($0 * 100).rounded() / 100) }.joined(separator: " "))
        }
        return out
    }
}

extension LNSStats {
    /// Every kind's statistics by name: the generators, then the whole-instance,
    /// dual-restricted and fresh-merge solves (the names of `lines`).
    public var allKinds: [(String, LNSGeneratorStats)] {
        NeighbourhoodKind.allCases.map { ($0.name, generators[$0.rawValue]) }
            + [("whole", whole), ("dual-restricted", restricted), ("fresh-merge", fresh)]
    }

    /// Seconds of every GLPK solve, whole-instance ones included.
    public var totalSeconds: Double { generators.reduce(whole.seconds + fresh.seconds) { $0 + $1.seconds } }
    /// GLPK solves so far (all kinds).
    public var solves: Int { generators.reduce(whole.calls + restricted.calls + fresh.calls) { $0 + $1.calls } }
}
