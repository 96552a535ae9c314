import Model

/// Exact block moves by variable elimination: the block's nodes are free, every other node is
/// fixed; the block may contain cycles as long as its elimination width stays small (every
/// intermediate table within `maxTable` entries). Unlike tree blocks this can switch a whole
/// cycle of nodes tied by infinite entries from one consistent pattern to another.
///
/// Memory is handled as in tree blocks: a node may only raise its usage within the slack of
/// its cliques, and the joint result is checked before it is kept.
final class EliminationMove {
    let inst: SolverInstance
    let state: SearchState

    var maxTable = 40_000
    var attempts = 0
    var tooWide = 0
    var improved = 0
    var rejectedMemory = 0

    private var mark: [Int32]  // block-local index + 1 when in the current block, else 0
    private var growth: RegionGrowth

    let memory: MemoryPolicy

    init(_ state: SearchState, memory: MemoryPolicy? = nil) {
        self.state = state
        self.memory = memory ?? MemoryPolicy(nodes: state.inst.nodeCount)
        inst = state.inst
        mark = [Int32](repeating: 0, count: inst.nodeCount)
        growth = RegionGrowth(nodes: inst.nodeCount)
    }

    private struct Factor {
        var scope: [Int32]  // block-local variables
        var table: [Int64]  // row-major over scope
    }

    /// BFS ball of up to `maxSize` nodes around `root`; nodes of degree above `maxDegree` are
    /// left fixed (except the root).
    func ball(root: Int, maxSize: Int, maxDegree: Int, rng: inout SeededRNG) -> [Int32] {
        growth.begin()
        growth.insert(root)
        var block: [Int32] = [Int32(root)]
        growth.grow(&block, in: inst, size: maxSize, rotate: true, rng: &rng, maxDegree: maxDegree)
        return block
    }

    /// Solves the block exactly (given the rest) and applies the result if it is cheaper and
    /// fits memory. Returns true when the state improved.
    @discardableResult
    func run(block: [Int32]) -> Bool {
        attempts += 1
        if block.isEmpty { return false }
        // When the best block solution overflows memory, try again with one of the strategies
        // that raised usage banned (each in turn, a few), then with usage priced in the block.
        switch runOnce(block: block, weight: 0, banned: []) {
        case .improved: return true
        case .noChange: return false
        case .overflow(let gain, let over, let raised):
            for r in raised.prefix(4) {
                if case .improved = runOnce(block: block, weight: 0, banned: [r]) { return true }
            }
            var weight = Double(gain) / Double(max(1, over)) / 4
            for _ in 0 ..< 3 {
                if case .improved = runOnce(block: block, weight: weight, banned: []) { return true }
                weight *= 2
            }
            return false
        }
    }

    /// `raised`: flat strategy indices (offset + local) that increased a node's usage.
    private enum Outcome { case improved, noChange, overflow(gain: Int128, over: Int64, raised: [Int]) }

    private func runOnce(block: [Int32], weight: Double, banned: Set<Int>) -> Outcome {
        let m = block.count
        for (j, v) in block.enumerated() { mark[Int(v)] = Int32(j + 1) }
        defer { for v in block { mark[Int(v)] = 0 } }
        let x = state.x

        // Domains: strategies allowed by memory (the current one always is).
        var dom = [[Int32]](repeating: [], count: m)
        for j in 0 ..< m {
            let i = Int(block[j])
            let o = Int(inst.strategyStart[i])
            let a = Int(x[i])
            let room = inst.hasMemory && memory.hard ? state.nodeSlack(i) : Int64.max / 4
            for s in 0 ..< Int(inst.strategyCount[i]) where s == a || (inst.usage[o + s] - inst.usage[o + a] <= room && !banned.contains(o + s)) {
                dom[j].append(Int32(s))
            }
        }

        // Interaction graph inside the block, and a symbolic elimination order (min table).
        var nb = [Set<Int32>](repeating: [], count: m)
        for j in 0 ..< m {
            let i = Int(block[j])
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                let w = Int(inst.adjOther[p])
                let mw = mark[w]
                if mw > 0 { nb[j].insert(mw - 1) }
            }
        }
        var order: [Int32] = []
        var eliminated = [Bool](repeating: false, count: m)
        var work = nb
        for _ in 0 ..< m {
            var best = -1
            var bestSize = Int.max
            for j in 0 ..< m where !eliminated[j] {
                var size = dom[j].count
                for w in work[j] {
                    size = size.multipliedReportingOverflow(by: dom[Int(w)].count).partialValue
                    if size > maxTable { break }
                }
                if size < bestSize { bestSize = size; best = j }
            }
            if bestSize > maxTable {
                tooWide += 1
                return .noChange
            }
            eliminated[best] = true
            order.append(Int32(best))
            let ns = work[best]
            for a in ns {
                work[Int(a)].remove(Int32(best))
                for b in ns where b != a { work[Int(a)].insert(b) }
            }
            work[best] = []
        }

        // Factors: unary (with the fixed neighbours folded in) and one per block edge.
        var factors: [Factor] = []
        var byVar = [[Int]](repeating: [], count: m)
        for j in 0 ..< m {
            let i = Int(block[j])
            let o = Int(inst.strategyStart[i])
            var t = dom[j].map {
                addCost(addCost(inst.unary[o + Int($0)], memory.penalty(i, inst.usage[o + Int($0)])),
                        weight > 0 ? Int64(min(1e17, weight * Double(inst.usage[o + Int($0)]))) : 0)
            }
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                let w = Int(inst.adjOther[p])
                if mark[w] > 0 { continue }
                let y = Int(x[w])
                for (q, s) in dom[j].enumerated() { t[q] = addCost(t[q], inst.slotCost(p, Int(s), y)) }
            }
            byVar[j].append(factors.count)
            factors.append(Factor(scope: [Int32(j)], table: t))
        }
        for j in 0 ..< m {
            let i = Int(block[j])
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) where inst.adjIsFirst[p] {
                let w = Int(inst.adjOther[p])
                let jw = Int(mark[w]) - 1
                if jw < 0 { continue }
                var t = [Int64](repeating: 0, count: dom[j].count * dom[jw].count)
                var q = 0
                for a in dom[j] { for b in dom[jw] { t[q] = inst.slotCost(p, Int(a), Int(b)); q += 1 } }
                byVar[j].append(factors.count)
                byVar[jw].append(factors.count)
                factors.append(Factor(scope: [Int32(j), Int32(jw)], table: t))
            }
        }
        var used = [Bool](repeating: false, count: factors.count)

        // Eliminate in order; keep per variable its remaining scope and argmin table.
        var argScope = [[Int32]](repeating: [], count: m)
        var argTable = [[Int32]](repeating: [], count: m)
        var stridesBuf: [[Int]] = []
        for v32 in order {
            let v = Int(v32)
            let fs = byVar[v].filter { !used[$0] }
            var scopeSet = Set<Int32>()
            for f in fs { for s in factors[f].scope where s != v32 { scopeSet.insert(s) } }
            let scope = scopeSet.sorted()
            var size = 1
            for s in scope { size *= dom[Int(s)].count }
            // Strides of each gathered factor for every scope variable and for v.
            stridesBuf.removeAll(keepingCapacity: true)
            var vStride = [Int](repeating: 0, count: fs.count)
            for (fi, f) in fs.enumerated() {
                let fsc = factors[f].scope
                var st = [Int](repeating: 0, count: scope.count)
                var mult = 1
                for pos in stride(from: fsc.count - 1, through: 0, by: -1) {
                    let var_ = fsc[pos]
                    if var_ == v32 {
                        vStride[fi] = mult
                    } else if let idx = scope.firstIndex(of: var_) {
                        st[idx] = mult
                    }
                    mult *= dom[Int(var_)].count
                }
                stridesBuf.append(st)
            }
            var table = [Int64](repeating: 0, count: size)
            var arg = [Int32](repeating: 0, count: size)
            let dv = dom[v].count
            let nf = fs.count
            let ns = scope.count
            // Flat copies for the hot loop: gathered tables, their offsets, strides per
            // scope position (row-major [pos][fi]) and scope domain sizes.
            var flat: [Int64] = []
            var start = [Int](repeating: 0, count: nf)
            for fi in 0 ..< nf {
                start[fi] = flat.count
                flat.append(contentsOf: factors[fs[fi]].table)
            }
            var strideAt = [Int](repeating: 0, count: max(1, ns * nf))
            for pos in 0 ..< ns { for fi in 0 ..< nf { strideAt[pos * nf + fi] = stridesBuf[fi][pos] } }
            let domSize = scope.map { dom[Int($0)].count }
            flat.withUnsafeBufferPointer { flat in
                table.withUnsafeMutableBufferPointer { table in
                    arg.withUnsafeMutableBufferPointer { arg in
                        var assign = [Int](repeating: 0, count: ns)
                        var base = start
                        for idx in 0 ..< size {
                            var bestVal = Int64.max
                            var bestA: Int32 = 0
                            for a in 0 ..< dv {
                                var val: Int64 = 0
                                for fi in 0 ..< nf {
                                    val = addCost(val, flat[base[fi] + a * vStride[fi]])
                                }
                                if val < bestVal { bestVal = val; bestA = Int32(a) }
                            }
                            table[idx] = bestVal
                            arg[idx] = bestA
                            // Odometer over the scope (last variable fastest), updating offsets.
                            var pos = ns - 1
                            while pos >= 0 {
                                assign[pos] += 1
                                for fi in 0 ..< nf { base[fi] += strideAt[pos * nf + fi] }
                                if assign[pos] < domSize[pos] { break }
                                for fi in 0 ..< nf { base[fi] -= strideAt[pos * nf + fi] * assign[pos] }
                                assign[pos] = 0
                                pos -= 1
                            }
                        }
                    }
                }
            }
            for f in fs { used[f] = true }
            argScope[v] = scope
            argTable[v] = arg
            if !scope.isEmpty {
                let id = factors.count
                factors.append(Factor(scope: scope, table: table))
                used.append(false)
                for s in scope { byVar[Int(s)].append(id) }
            }
        }

        // Back-substitution in reverse order.
        var choice = [Int](repeating: -1, count: m)
        for v32 in order.reversed() {
            let v = Int(v32)
            var idx = 0
            for s in argScope[v] { idx = idx * dom[Int(s)].count + choice[Int(s)] }
            choice[v] = Int(argTable[v][idx])
        }
        var newLocal = [Int32](repeating: 0, count: m)
        var changed = false
        for j in 0 ..< m {
            newLocal[j] = dom[j][choice[j]]
            if newLocal[j] != x[Int(block[j])] { changed = true }
        }
        if !changed { return .noChange }

        // Exact comparison on the terms touching the block.
        let before = blockCost(block, x, nil)
        let after = blockCost(block, x, newLocal)
        if memory.active && memory.usePenalties {
            if blockCost(block, x, newLocal, withPenalty: true) >= blockCost(block, x, nil, withPenalty: true) { return .noChange }
        } else if after >= before {
            return .noChange
        }
        for j in 0 ..< m where newLocal[j] != x[Int(block[j])] {
            state.apply(Int(block[j]), Int(newLocal[j]), 0)
        }
        if memory.hard && !state.feasible {
            let over = -state.slack.globalMin
            for j in 0 ..< m where newLocal[j] != x[Int(block[j])] {
                state.apply(Int(block[j]), Int(x[Int(block[j])]), 0)
            }
            rejectedMemory += 1
            var raised: [Int] = []
            for j in 0 ..< m where newLocal[j] != x[Int(block[j])] {
                let i = Int(block[j]), o = Int(inst.strategyStart[i])
                if inst.usage[o + Int(newLocal[j])] > inst.usage[o + Int(x[i])] { raised.append(o + Int(newLocal[j])) }
            }
            return .overflow(gain: before - after, over: over, raised: raised)
        }
        state.adjustCost(after - before)
        improved += 1
        return .improved
    }

    /// Cost of every term touching the block, with the block at `newLocal` (or as in `x`).
    private func blockCost(_ block: [Int32], _ x: [Int32], _ newLocal: [Int32]?, withPenalty: Bool = false) -> Int128 {
        var c: Int128 = 0
        for (j, v) in block.enumerated() {
            let i = Int(v)
            let a = Int(newLocal?[j] ?? x[i])
            c += Int128(inst.unary[Int(inst.strategyStart[i]) + a])
            if withPenalty { c += Int128(memory.penalty(i, inst.usage[Int(inst.strategyStart[i]) + a])) }
            for p in Int(inst.adjOff[i]) ..< Int(inst.adjOff[i + 1]) {
                let w = Int(inst.adjOther[p])
                let mw = Int(mark[w])
                if mw > 0 {
                    // Inside the block: count each edge once, from its first node.
                    if !inst.adjIsFirst[p] { continue }
                    let b = Int(newLocal?[mw - 1] ?? x[w])
                    c += Int128(inst.slotCost(p, a, b))
                } else {
                    c += Int128(inst.slotCost(p, a, Int(x[w])))
                }
            }
        }
        return c
    }
}
