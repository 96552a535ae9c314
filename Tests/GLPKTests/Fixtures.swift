import Foundation
@testable import GLPK

/// Small deterministic models shared by the tests.
enum Fixtures {
    /// maximise 8x + 11y + 6z
    /// s.t.     5x + 7y + 4z <= 14,  x, y binary,  z integer in [0, 3].
    ///
    /// By hand, over (x, y):
    ///   (0,0): 4z <= 14 -> z = 3 -> 18
    ///   (1,0): 4z <=  9 -> z = 2 -> 8 + 12 = 20   <- optimum
    ///   (0,1): 4z <=  7 -> z = 1 -> 11 + 6 = 17
    ///   (1,1): 4z <=  2 -> z = 0 -> 19
    /// LP relaxation (ratios 1.6 > 1.571 > 1.5): x = y = 1, z = 2/4 -> 8 + 11 + 3 = 22.
    static func threeVariableMIP() throws -> MIPProblem {
        let p = MIPProblem(direction: .maximise)
        try p.addColumns([
            .binary(objective: 8),
            .binary(objective: 11),
            Column(kind: .integer, bounds: .range(0, 3), objective: 6),
        ])
        try p.addRow(.upper(14), columns: [0, 1, 2], values: [5, 7, 4])
        return p
    }

    /// Seeded SplitMix64.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func next(in range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }

    struct Knapsack {
        var values: [Int]
        var weights: [Int]
        var capacity: Int
    }

    static func knapsack(items: Int, seed: UInt64) -> Knapsack {
        var rng = SplitMix64(state: seed)
        var values: [Int] = []
        var weights: [Int] = []
        for _ in 0..<items {
            let w = rng.next(in: 10...60)
            weights.append(w)
            values.append(w + rng.next(in: 0...15))  // correlated: hard-ish for B&B
        }
        return Knapsack(values: values, weights: weights, capacity: weights.reduce(0, +) / 2)
    }

    /// Exact optimum and a chosen item set by dynamic programming over capacities.
    static func solveByDP(_ k: Knapsack) -> (value: Int, take: [Double]) {
        let n = k.values.count
        var best = [[Int]](repeating: [Int](repeating: 0, count: k.capacity + 1), count: n + 1)
        for i in 1...n {
            for c in 0...k.capacity {
                best[i][c] = best[i - 1][c]
                if k.weights[i - 1] <= c {
                    best[i][c] = max(best[i][c], best[i - 1][c - k.weights[i - 1]] + k.values[i - 1])
                }
            }
        }
        var take = [Double](repeating: 0, count: n)
        var c = k.capacity
        for i in stride(from: n, through: 1, by: -1) where best[i][c] != best[i - 1][c] {
            take[i - 1] = 1
            c -= k.weights[i - 1]
        }
        return (best[n][k.capacity], take)
    }

    static func model(_ k: Knapsack) throws -> MIPProblem {
        let p = MIPProblem(direction: .maximise)
        try p.addBinaryColumns(objective: k.values.map(Double.init))
        try p.addRow(
            .upper(Double(k.capacity)), columns: Array(0..<k.weights.count),
            values: k.weights.map(Double.init))
        return p
    }

    /// A "market split" instance: equality rows over binaries with random coefficients.
    /// Branch-and-bound needs a very long time on these, so searches are stopped by limits.
    static func marketSplit(rows: Int, columns: Int, seed: UInt64) throws -> MIPProblem {
        var rng = SplitMix64(state: seed)
        let p = MIPProblem()
        try p.addBinaryColumns(objective: (0..<columns).map { _ in Double(rng.next(in: 1...9)) })
        var block = SparseRows()
        for _ in 0..<rows {
            let a = (0..<columns).map { _ in rng.next(in: 0...99) }
            let rhs = Double(a.reduce(0, +) / 2)
            try block.append(.fixed(rhs), columns: 0..<columns, values: a.map(Double.init))
        }
        try p.addRows(block)
        return p
    }
}

/// Collects values from other threads.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Runs `body` on a new Thread (its own GLPK environment) and waits for it.
func onNewThread(_ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
}
