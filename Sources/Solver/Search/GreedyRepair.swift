/// Greedy memory repair: while some clique is over capacity, take the most overloaded one and
/// lower usage there by the single-node changes with the least cost per unit of usage freed
/// (changes that also lower the cost come first). Infinite terms cost `inst.infiniteUnit`, so
/// they are avoided unless nothing else frees memory.
enum GreedyRepair {
    /// Returns true when the state fits memory at the end.
    @discardableResult
    static func run(_ state: SearchState, maxRounds: Int = 100_000, stop: () -> Bool) -> Bool {
        let inst = state.inst
        guard inst.hasMemory else { return true }
        var rounds = 0
        while !state.feasible && rounds < maxRounds {
            rounds += 1
            if rounds & 7 == 0 && stop() { return false }
            let slack = SearchState.computeSlack(inst, state.x)
            var worst = 0
            for c in 1 ..< slack.count where slack[c] < slack[worst] { worst = c }
            var need = -slack[worst]
            if need <= 0 { break }
            // Candidates: nodes living in the worst clique, with their best usage-lowering change.
            var cands: [(ratio: Double, node: Int, to: Int)] = []
            for i in 0 ..< inst.nodeCount where Int(inst.cliqueFirst[i]) <= worst && worst < Int(inst.cliqueEnd[i]) {
                let o = Int(inst.strategyStart[i])
                let a = Int(state.x[i])
                let ua = inst.usage[o + a]
                var best: (Double, Int)? = nil
                // After a few rounds only the least-usage strategies are considered, so that
                // every round frees the most and the repair ends quickly.
                var floor = Int64.max
                if rounds > 8 { for b in 0 ..< Int(inst.strategyCount[i]) { floor = min(floor, inst.usage[o + b]) } }
                for b in 0 ..< Int(inst.strategyCount[i]) where inst.usage[o + b] < ua && (rounds <= 8 || inst.usage[o + b] == floor) {
                    let freed = Double(min(ua - inst.usage[o + b], need))
                    let d = Double(state.delta(i, b))
                    let r = d < 0 ? d * freed : d / freed
                    if best == nil || r < best!.0 { best = (r, b) }
                }
                if let (r, b) = best { cands.append((r, i, b)) }
            }
            if cands.isEmpty { return false }
            cands.sort { $0.ratio < $1.ratio }
            var applied = 0
            for c in cands where need > 0 {
                let o = Int(inst.strategyStart[c.node])
                let freed = inst.usage[o + Int(state.x[c.node])] - inst.usage[o + c.to]
                if freed <= 0 { continue }
                state.apply(c.node, c.to, state.delta(c.node, c.to))
                need -= freed
                applied += 1
            }
            if applied == 0 { return false }
        }
        return state.feasible
    }
}
