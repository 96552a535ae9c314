/// Maximal cliques of the live intervals: memory only needs checking at these times.
///
/// A sweep over starts and ends (ends first at equal times, intervals being half-open) records
/// a clique at `t - 1` whenever an end at `t` follows a start. Every time's live set is contained
/// in the live set of the next clique time, so checking the cliques checks every time. Clique
/// times are increasing, so the cliques a node lives in form the contiguous range
/// `cliqueFirst[i] ..< cliqueEnd[i]` (empty for nodes that never use memory).
public struct IntervalCliques: Sendable {
    public var times: [Int64]
    public var cliqueFirst: [Int32]
    public var cliqueEnd: [Int32]

    public var count: Int { times.count }

    /// Considers only nodes with a non-empty interval and some strategy with positive usage.
    public init(_ problem: Problem) {
        let n = problem.nodeCount
        var relevant = [Bool](repeating: false, count: n)
        var events: [(time: Int64, isStart: Bool)] = []
        for i in 0 ..< n where problem.intervalHi[i] > problem.intervalLo[i] {
            var maxUsage: Int64 = 0
            for s in problem.strategyOffset[i] ..< problem.strategyOffset[i + 1] {
                maxUsage = max(maxUsage, problem.nodeUsage[s])
            }
            if maxUsage > 0 {
                relevant[i] = true
                events.append((problem.intervalLo[i], true))
                events.append((problem.intervalHi[i], false))
            }
        }
        events.sort { a, b in a.time != b.time ? a.time < b.time : (!a.isStart && b.isStart) }
        var times: [Int64] = []
        var rising = false
        for ev in events {
            if ev.isStart {
                rising = true
            } else if rising {
                times.append(ev.time - 1)
                rising = false
            }
        }
        self.times = times
        cliqueFirst = [Int32](repeating: 0, count: n)
        cliqueEnd = [Int32](repeating: 0, count: n)
        for i in 0 ..< n where relevant[i] {
            // First clique time >= lo, first clique time >= hi.
            let a = Self.lowerBound(times, problem.intervalLo[i])
            let b = Self.lowerBound(times, problem.intervalHi[i])
            cliqueFirst[i] = Int32(a)
            cliqueEnd[i] = Int32(b)
        }
    }

    static func lowerBound(_ a: [Int64], _ x: Int64) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
