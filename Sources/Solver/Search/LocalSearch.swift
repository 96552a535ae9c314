import Model

/// Moves on a `SearchState`: memory-aware 1-opt and exact dynamic programming over tree-shaped
/// blocks of nodes (all other nodes fixed), which moves clusters tied by infinite entries
/// together. Memory is hard: a strategy may only raise a node's usage within the slack of its
/// cliques, and the joint result is checked before it is kept.
final class LocalSearch {
    let inst: SolverInstance
    let state: SearchState
    var rng: SeededRNG

    // Statistics.
    var treeMoves = 0
    var treeImproved = 0
    var oneOptMoves = 0
    var rejectedMemory = 0
    /// Largest DP work (table entries touched) of one tree block.
    var maxWork = 400_000

    // Scratch, sized once.
    private var stamp: [UInt32]
    private var curStamp: UInt32 = 0
    private var parent: [Int32]
    private var parentSlot: [Int32]  // slot in the child's adjacency that points to the parent
    private var order: [Int32] = []
    private var f: [Int64]  // per flat strategy: DP value
    private var acc: [Int64]  // per flat strategy: children's messages
    private var argOff: [Int32]  // per node: offset into argBuf
    private var argBuf: [Int32] = []
    private var newX: [Int32]
    private var vec: [Int64]

    static let forbidden = Int64.max / 4

    let memory: MemoryPolicy

    init(_ state: SearchState, seed: UInt64, memory: MemoryPolicy? = nil) {
        self.state = state
        self.memory = memory ?? MemoryPolicy(nodes: state.inst.nodeCount)
        inst = state.inst
        rng = SeededRNG(seed: seed)
        let total = Int(inst.strategyStart[inst.nodeCount])
        stamp = [UInt32](repeating: 0, count: inst.nodeCount)
        parent = [Int32](repeating: -1, count: inst.nodeCount)
        parentSlot = [Int32](repeating: -1, count: inst.nodeCount)
        f = [Int64](repeating: 0, count: total)
        acc = [Int64](repeating: 0, count: total)
        argOff = [Int32](repeating: 0, count: inst.nodeCount)
        newX = [Int32](repeating: 0, count: inst.nodeCount)
        var kmax = 1
        for i in 0 ..< inst.nodeCount { kmax = max(kmax, Int(inst.strategyCount[i])) }
        vec = [Int64](repeating: 0, count: kmax)
    }

    // MARK: - 1-opt

    /// Best feasible single-node change for `i`; applies it if it lowers the cost.
    @discardableResult
    func improveNode(_ i: Int) -> Bool {
        let k = Int(inst.strategyCount[i])
        if k <= 1 { return false }
        let o = Int(inst.strategyStart[i])
        let x = state.x
        for b in 0 ..< k { vec[b] = addCost(inst.unary[o + b], memory.penalty(i, inst.usage[o + b])) }
        for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
            let y = Int(x[Int(inst.adjOther[p])])
            for b in 0 ..< k { vec[b] = addCost(vec[b], inst.slotCost(p, b, y)) }
        }
        let a = Int(x[i])
        let room = inst.hasMemory && memory.hard ? state.nodeSlack(i) : Int64.max / 4
        var best = a
        for b in 0 ..< k where vec[b] < vec[best] {
            if inst.usage[o + b] - inst.usage[o + a] <= room { best = b }
        }
        if best == a { return false }
        let d = state.delta(i, best)
        let penaltyDelta = Int128(memory.penalty(i, inst.usage[o + best])) - Int128(memory.penalty(i, inst.usage[o + a]))
        if d + penaltyDelta >= 0 { return false }
        state.apply(i, best, d)
        oneOptMoves += 1
        return true
    }

    /// Sweeps all nodes in random order until no single change helps (or `stop` says so).
    func descend(stop: () -> Bool) {
        var nodes = Array(0 ..< inst.nodeCount)
        var improved = true
        var rounds = 0
        while improved && rounds < 50 {
            improved = false
            rounds += 1
            nodes.shuffle(using: &rng)
            for (c, i) in nodes.enumerated() {
                if improveNode(i) { improved = true }
                if c & 1023 == 0 && stop() { return }
            }
        }
    }

    // MARK: - Tree blocks

    /// Grows a block around `root` whose induced subgraph is a tree: a node joins only if
    /// exactly one of its neighbours is already in the block. Nodes of degree above
    /// `maxDegree` are only taken as the root.
    private func growTree(root: Int, maxSize: Int, maxDegree: Int) {
        curStamp &+= 1
        if curStamp == 0 {
            for i in 0 ..< stamp.count { stamp[i] = 0 }
            curStamp = 1
        }
        order.removeAll(keepingCapacity: true)
        order.append(Int32(root))
        stamp[root] = curStamp
        parent[root] = -1
        parentSlot[root] = -1
        var head = 0
        var work = 0
        while head < order.count && order.count < maxSize {
            let t = Int(order[head])
            head += 1
            let lo = Int(inst.adjOff[t]), hi = Int(inst.adjOff[t + 1])
            let deg = hi - lo
            if deg == 0 { continue }
            let start = rng.below(deg)
            for q in 0 ..< deg {
                let p = lo + (start + q) % deg
                let w = Int(inst.adjOther[p])
                if stamp[w] == curStamp { continue }
                let wlo = Int(inst.adjOff[w]), whi = Int(inst.adjOff[w + 1])
                if whi - wlo > maxDegree { continue }
                var inTree = 0
                var slotToParent = -1
                for r in wlo ..< whi where stamp[Int(inst.adjOther[r])] == curStamp {
                    inTree += 1
                    slotToParent = r
                    if inTree > 1 { break }
                }
                if inTree != 1 { continue }
                work += Int(inst.strategyCount[w]) * Int(inst.strategyCount[t]) + (whi - wlo) * Int(inst.strategyCount[w])
                if work > maxWork { return }
                stamp[w] = curStamp
                parent[w] = Int32(t)
                parentSlot[w] = Int32(slotToParent)
                order.append(Int32(w))
                if order.count >= maxSize { break }
            }
        }
    }

    /// Tree objective (cost terms touching the block) of the current or the new assignment.
    private func blockCost(useNew: Bool, withPenalty: Bool = false) -> Int128 {
        let x = state.x
        var c: Int128 = 0
        for t32 in order {
            let t = Int(t32)
            let a = Int(useNew ? newX[t] : x[t])
            c += Int128(inst.unary[Int(inst.strategyStart[t]) + a])
            if withPenalty { c += Int128(memory.penalty(t, inst.usage[Int(inst.strategyStart[t]) + a])) }
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                let o = Int(inst.adjOther[p])
                let inBlock = stamp[o] == curStamp
                // Edges inside the block are counted once, from the child's side.
                if inBlock && parent[t] != Int32(o) { continue }
                let b = Int(inBlock && useNew ? newX[o] : x[o])
                c += Int128(inst.slotCost(p, a, b))
            }
        }
        return c
    }

    /// Exact DP over a tree block; applies the result if it lowers the cost and fits memory.
    @discardableResult
    func treeMove(root: Int, maxSize: Int, maxDegree: Int = 256) -> Bool {
        growTree(root: root, maxSize: maxSize, maxDegree: maxDegree)
        if order.count < 1 { return false }
        treeMoves += 1
        let x = state.x
        // Argmin storage: each non-root node keeps one entry per parent strategy.
        var need = 0
        for t32 in order where parent[Int(t32)] >= 0 {
            argOff[Int(t32)] = Int32(need)
            need += Int(inst.strategyCount[Int(parent[Int(t32)])])
        }
        if argBuf.count < need { argBuf = [Int32](repeating: 0, count: need * 2) }
        for t32 in order {
            let t = Int(t32)
            let o = Int(inst.strategyStart[t])
            for s in 0 ..< Int(inst.strategyCount[t]) { acc[o + s] = 0 }
        }
        // Bottom-up: children come after their parents in `order`.
        for idx in stride(from: order.count - 1, through: 0, by: -1) {
            let t = Int(order[idx])
            let o = Int(inst.strategyStart[t])
            let k = Int(inst.strategyCount[t])
            let a = Int(x[t])
            let room = inst.hasMemory && memory.hard ? state.nodeSlack(t) : Int64.max / 4
            for s in 0 ..< k {
                if s != a && inst.usage[o + s] - inst.usage[o + a] > room {
                    f[o + s] = LocalSearch.forbidden
                } else {
                    f[o + s] = addCost(addCost(inst.unary[o + s], acc[o + s]), memory.penalty(t, inst.usage[o + s]))
                }
            }
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                let w = Int(inst.adjOther[p])
                if stamp[w] == curStamp { continue }
                let y = Int(x[w])
                for s in 0 ..< k where f[o + s] != LocalSearch.forbidden {
                    f[o + s] = addCost(f[o + s], inst.slotCost(p, s, y))
                }
            }
            let par = Int(parent[t])
            if par < 0 { continue }
            // Message to the parent: for each parent strategy, the best own strategy.
            let po = Int(inst.strategyStart[par])
            let pk = Int(inst.strategyCount[par])
            let slot = Int(parentSlot[t])
            let ab = Int(argOff[t])
            for sp in 0 ..< pk {
                var best = LocalSearch.forbidden
                var arg = a
                for s in 0 ..< k where f[o + s] != LocalSearch.forbidden {
                    let v = addCost(f[o + s], inst.slotCost(slot, s, sp))
                    if v < best { best = v; arg = s }
                }
                argBuf[ab + sp] = Int32(arg)
                acc[po + sp] = best == LocalSearch.forbidden ? LocalSearch.forbidden : addCost(acc[po + sp], best)
            }
        }
        // Root choice, then top-down reconstruction.
        let root = Int(order[0])
        let ro = Int(inst.strategyStart[root])
        var bestS = Int(x[root])
        for s in 0 ..< Int(inst.strategyCount[root]) where f[ro + s] < f[ro + bestS] { bestS = s }
        newX[root] = Int32(bestS)
        var changed = bestS != Int(x[root])
        for idx in 1 ..< order.count {
            let t = Int(order[idx])
            let s = argBuf[Int(argOff[t]) + Int(newX[Int(parent[t])])]
            newX[t] = s
            if s != x[t] { changed = true }
        }
        if !changed { return false }
        let before = blockCost(useNew: false)
        let after = blockCost(useNew: true)
        if memory.active && memory.usePenalties {
            if blockCost(useNew: true, withPenalty: true) >= blockCost(useNew: false, withPenalty: true) { return false }
        } else if after >= before {
            return false
        }
        // Apply node by node; undo everything if memory overflows.
        for t32 in order {
            let t = Int(t32)
            if newX[t] != x[t] { state.apply(t, Int(newX[t]), 0) }
        }
        if memory.hard && !state.feasible {
            for t32 in order {
                let t = Int(t32)
                if newX[t] != x[t] { state.apply(t, Int(x[t]), 0) }
            }
            rejectedMemory += 1
            return false
        }
        state.adjustCost(after - before)
        treeImproved += 1
        return true
    }
}
