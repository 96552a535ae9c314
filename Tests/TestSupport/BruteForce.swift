import Model

/// The exhaustive oracle of the test targets: every labelling of a small instance, judged by
/// the independent evaluator.
public enum BruteForce {
    /// Calls `body` with every labelling of nodes with `k[i]` strategies (an odometer, first
    /// node fastest); once with the empty labelling when there are no nodes.
    public static func forEachLabelling(_ k: [Int], _ body: ([Int32]) -> Void) {
        if k.contains(where: { $0 <= 0 }) { return }
        var x = [Int32](repeating: 0, count: k.count)
        while true {
            body(x)
            var i = 0
            while i < k.count {
                x[i] += 1
                if Int(x[i]) < k[i] { break }
                x[i] = 0
                i += 1
            }
            if i == k.count { return }
        }
    }

    public struct Optimum: Sendable {
        public let cost: Int128
        /// The lexicographically first solution of least cost.
        public let solution: [Int]
        /// Infinite terms in its cost.
        public let infiniteTerms: Int
        /// How many feasible solutions share that cost (this one included).
        public let ties: Int
    }

    /// The cheapest feasible solution of `p` over all labellings; nil when none is feasible.
    public static func optimum(_ p: Problem) -> Optimum? {
        var best: Optimum? = nil
        forEachLabelling((0 ..< p.nodeCount).map { p.strategyCount($0) }) { x in
            let s = x.map(Int.init)
            guard let ev = try? Evaluator.evaluate(p, s), ev.feasible else { return }
            if let b = best, ev.cost > b.cost { return }
            if let b = best, ev.cost == b.cost {
                let first = s.lexicographicallyPrecedes(b.solution) ? s : b.solution
                let terms = first == s ? ev.infiniteTerms : b.infiniteTerms
                best = Optimum(cost: b.cost, solution: first, infiniteTerms: terms, ties: b.ties + 1)
            } else {
                best = Optimum(cost: ev.cost, solution: s, infiniteTerms: ev.infiniteTerms, ties: 1)
            }
        }
        return best
    }
}
