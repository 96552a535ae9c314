/// How block moves treat memory. Hard: a node may only raise its usage within its cliques'
/// slack and a move that overflows is undone. Soft: overflow is allowed and every node's usage
/// is priced by a per-node weight (cost per unit of usage), the contest winner's relaxation;
/// the weights are raised on nodes in overloaded cliques until the state fits again.
final class MemoryPolicy {
    var hard = true
    /// Penalties count only while this is on (the weights are kept when it is off).
    var usePenalties = false
    private(set) var weight: [Double]
    private(set) var active = false

    /// Largest penalty of one node. It may exceed an infinite term: where memory is very tight
    /// the soft optimum must take forbidden pairs, which the repair and the hard phases then
    /// remove (a cap below an infinite term was worse, benchmarks/CONSTANTS.md).
    let maxPenalty: Int64 = 100_000_000_000_000_000

    init(nodes: Int) {
        weight = [Double](repeating: 0, count: nodes)
    }

    @inline(__always) func penalty(_ i: Int, _ usage: Int64) -> Int64 {
        if !active || !usePenalties { return 0 }
        let w = weight[i]
        if w == 0 { return 0 }
        let p = w * Double(usage)
        if p >= Double(maxPenalty) { return maxPenalty }
        if p <= -Double(maxPenalty) { return -maxPenalty }
        return Int64(p.rounded())
    }

    /// Weights stay finite: raised x4 per soft phase on a clique that never fits, one became
    /// infinite after a few hundred phases and `infinity x 0` stopped the process.
    static let maxWeight = 1e200

    func setWeight(_ i: Int, _ w: Double) {
        weight[i] = w.isNaN ? 0 : min(MemoryPolicy.maxWeight, max(0, w))
        if weight[i] != 0 { active = true }
    }

    func scaleAll(_ f: Double) {
        for i in 0 ..< weight.count { setWeight(i, weight[i] * f) }
    }
}
