/// Minimum segment tree with range add: slack (capacity - load) per clique.
/// `t[i] = min(t[2i], t[2i+1]) + d[i]`, adds stay at the covering nodes (no push-down).
struct MinSegmentTree {
    private(set) var size: Int
    private var t: [Int64]
    private var d: [Int64]
    let count: Int

    init(_ values: [Int64]) {
        count = values.count
        var s = 1
        while s < max(1, values.count) { s *= 2 }
        size = s
        t = [Int64](repeating: Int64.max / 4, count: 2 * s)
        d = [Int64](repeating: 0, count: 2 * s)
        for (i, v) in values.enumerated() { t[s + i] = v }
        if s > 1 { for i in stride(from: s - 1, through: 1, by: -1) { t[i] = Swift.min(t[2 * i], t[2 * i + 1]) } }
    }

    /// Minimum over all positions.
    var globalMin: Int64 { t[1] }

    /// Adds `v` to positions `lo ..< hi`.
    mutating func add(_ lo: Int, _ hi: Int, _ v: Int64) {
        if lo >= hi || v == 0 { return }
        var l = lo + size, r = hi + size
        let l0 = l, r0 = r - 1
        t.withUnsafeMutableBufferPointer { t in
            d.withUnsafeMutableBufferPointer { d in
                while l < r {
                    if l & 1 == 1 { t[l] &+= v; d[l] &+= v; l += 1 }
                    if r & 1 == 1 { r -= 1; t[r] &+= v; d[r] &+= v }
                    l >>= 1
                    r >>= 1
                }
                var i = l0 >> 1
                while i >= 1 { t[i] = Swift.min(t[2 * i], t[2 * i + 1]) &+ d[i]; i >>= 1 }
                i = r0 >> 1
                while i >= 1 { t[i] = Swift.min(t[2 * i], t[2 * i + 1]) &+ d[i]; i >>= 1 }
            }
        }
    }

    /// Minimum over positions `lo ..< hi` (Int64.max / 4 when empty).
    func min(_ lo: Int, _ hi: Int) -> Int64 {
        if lo >= hi { return Int64.max / 4 }
        return t.withUnsafeBufferPointer { t in
            d.withUnsafeBufferPointer { d in
                // A node's value includes its own pending add; a partially covered node adds
                // its pending add to the minimum of its children's answers.
                func query(_ node: Int, _ nl: Int, _ nr: Int) -> Int64 {
                    if lo <= nl && nr <= hi { return t[node] }
                    let mid = (nl + nr) >> 1
                    var best = Int64.max / 4
                    if lo < mid { best = query(2 * node, nl, mid) }
                    if hi > mid { best = Swift.min(best, query(2 * node + 1, mid, nr)) }
                    return best &+ d[node]
                }
                return query(1, 0, size)
            }
        }
    }

    /// Value at one position (for checks).
    func value(_ i: Int) -> Int64 { min(i, i + 1) }
}
