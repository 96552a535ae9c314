/// Per clique, the sum of the amounts of the items that live in it, by a difference array:
/// item `i` (for `i` in `0 ..< items`) adds `amount` to the consecutive cliques
/// `first ..< end` when `item(i)` is not nil. The one implementation of this sweep: memory
/// slack, minimum loads and subproblem overflows all use it.
@inline(__always)
func cliqueLoads<T: FixedWidthInteger>(
    cliqueCount: Int, items: Int, _ item: (Int) -> (first: Int, end: Int, amount: T)?
) -> [T] {
    var diff = [T](repeating: 0, count: cliqueCount + 1)
    for i in 0 ..< items {
        guard let (first, end, amount) = item(i), first < end else { continue }
        diff[first] &+= amount
        diff[end] &-= amount
    }
    var load: T = 0
    var out = [T](repeating: 0, count: cliqueCount)
    for c in 0 ..< cliqueCount {
        load &+= diff[c]
        out[c] = load
    }
    return out
}

extension SolverInstance {
    /// Per clique, the sum of `amount(i)` over the nodes `i` that live in it.
    @inline(__always)
    func cliqueLoads(_ amount: (Int) -> Int64) -> [Int64] {
        Solver.cliqueLoads(cliqueCount: cliqueCount, items: nodeCount) { i in
            cliqueFirst[i] < cliqueEnd[i] ? (Int(cliqueFirst[i]), Int(cliqueEnd[i]), amount(i)) : nil
        }
    }
}
