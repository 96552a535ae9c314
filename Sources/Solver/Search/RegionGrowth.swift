import Model

/// Breadth-first growth of a connected region of a `SolverInstance`'s graph: the one
/// implementation behind elimination blocks, LNS neighbourhoods and kicks. Membership is an
/// epoch mark per node, so starting a new region costs nothing.
struct RegionGrowth {
    private var mark: [UInt32]
    private var epoch: UInt32 = 0

    init(nodes: Int) {
        mark = [UInt32](repeating: 0, count: nodes)
    }

    /// Starts a new, empty region (clears the marks only when the epoch wraps around).
    mutating func begin() {
        epoch &+= 1
        if epoch == 0 {
            for i in 0 ..< mark.count { mark[i] = 0 }
            epoch = 1
        }
    }

    /// Whether node `i` is marked in the current region (in it, or seen and left out).
    @inline(__always) func contains(_ i: Int) -> Bool { mark[i] == epoch }

    @inline(__always) mutating func insert(_ i: Int) { mark[i] = epoch }

    /// Grows `out`, whose nodes must be marked, breadth-first in FIFO order from its first
    /// node until it holds `size` nodes or nothing is left to reach.
    ///
    /// - rotate: each expanded node's neighbours are scanned from a random position (one draw
    ///   of `rng.below(degree)` per expanded node with neighbours); otherwise in adjacency order
    ///   and `rng` is not used.
    /// - along: only edges `e` with `along[e]` are followed.
    /// - maxDegree: a reached node with more neighbours is marked but left out.
    /// - admit: asked before a reached node joins; the growth stops at its first refusal
    ///   (the refused node stays unmarked).
    mutating func grow(
        _ out: inout [Int32], in inst: SolverInstance, size: Int, rotate: Bool, rng: inout SeededRNG,
        along: [Bool]? = nil, maxDegree: Int = .max, admit: ((Int) -> Bool)? = nil
    ) {
        var head = 0
        while head < out.count && out.count < size {
            let t = Int(out[head])
            head += 1
            let lo = Int(inst.adjOff[t]), hi = Int(inst.adjOff[t + 1])
            let degree = hi - lo
            if degree == 0 { continue }
            let start = rotate ? rng.below(degree) : 0
            for q in 0 ..< degree {
                let p = lo + (start + q) % degree
                if let along, !along[Int(inst.adjEdge[p])] { continue }
                let w = Int(inst.adjOther[p])
                if mark[w] == epoch { continue }
                if Int(inst.adjOff[w + 1] - inst.adjOff[w]) > maxDegree {
                    mark[w] = epoch
                    continue
                }
                if let admit, !admit(w) { return }
                mark[w] = epoch
                out.append(Int32(w))
                if out.count >= size { return }
            }
        }
    }
}
