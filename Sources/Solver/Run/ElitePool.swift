import Model
import Synchronization

/// A few good, mutually different feasible solutions of the reduced instance, offered by all
/// workers (polished dual labellings, local optima before kicks, repaired soft phases, new
/// bests), for the `merge` neighbourhoods: GLPK chooses per node among the strategies these
/// solutions use there (solution merging). Thread-safe.
///
/// Near-copies are not kept side by side: an offer within `minDistance` changed nodes of some
/// entries replaces them all when cheaper than each and is dropped otherwise, so one search
/// trajectory holds one slot and the pool keeps the diversity a merge needs.
final class ElitePool: Sendable {
    struct Entry: Sendable {
        let x: [Int32]
        let cost: Int128
        /// Order of arrival: 1 for the first solution that went in, then 2, 3, ...
        let serial: Int
    }

    let capacity: Int
    /// Solutions closer than this (in nodes whose strategy differs) count as one.
    let minDistance: Int
    private let box = Mutex<[Entry]>([])
    private let offers = Atomic<Int>(0)
    private let latest = Atomic<Int>(0)

    init(nodes: Int, capacity: Int = 12) {
        self.capacity = max(1, capacity)
        minDistance = max(8, nodes / 1000)
    }

    var entries: [Entry] { box.withLock { $0 } }
    var count: Int { box.withLock { $0.count } }
    /// Offers so far (kept or not).
    var offerCount: Int { offers.load(ordering: .relaxed) }
    /// Serial of the latest solution that went in (0: none yet); cheap enough to poll.
    var latestSerial: Int { latest.load(ordering: .relaxed) }

    /// The entries that went in after `serial`, oldest first.
    func entries(after serial: Int) -> [Entry] {
        box.withLock { pool in pool.filter { $0.serial > serial }.sorted { $0.serial < $1.serial } }
    }

    /// Offers a feasible solution; returns whether the pool changed. A solution near some
    /// entries (within `minDistance`) goes in only when cheaper than all of them, and replaces
    /// them; one far from all goes in while there is room or when cheaper than the dearest.
    /// So the entries stay pairwise `minDistance` apart, and the cheapest offer is kept.
    @discardableResult
    func offer(_ x: [Int32], cost: Int128) -> Bool {
        offers.add(1, ordering: .relaxed)
        let minDistance = minDistance, capacity = capacity
        return box.withLock { pool in
            /// The next serial; taken inside the lock, so serials follow the pool's order.
            func next() -> Int { latest.add(1, ordering: .relaxed).newValue }
            var near: [Int] = []
            for (j, e) in pool.enumerated() where ElitePool.distance(e.x, x, atLeast: minDistance) < minDistance {
                if cost >= e.cost { return false }
                near.append(j)
            }
            if !near.isEmpty {
                for j in near.reversed() { pool.remove(at: j) }
                pool.append(Entry(x: x, cost: cost, serial: next()))
                return true
            }
            if pool.count < capacity {
                pool.append(Entry(x: x, cost: cost, serial: next()))
                return true
            }
            var worst = 0
            for j in 1 ..< pool.count where pool[j].cost > pool[worst].cost { worst = j }
            guard cost < pool[worst].cost else { return false }
            pool[worst] = Entry(x: x, cost: cost, serial: next())
            return true
        }
    }

    /// Up to `count` random entries that differ from `x`.
    func sample(count: Int, differingFrom x: [Int32], rng: inout SeededRNG) -> [Entry] {
        var pool = box.withLock { $0 }
        var out: [Entry] = []
        while out.count < count && !pool.isEmpty {
            let j = rng.below(pool.count)
            let e = pool.remove(at: j)
            if ElitePool.distance(e.x, x, atLeast: 1) > 0 { out.append(e) }
        }
        return out
    }

    /// Nodes where `a` and `b` differ, counted up to `atLeast` (then it stops).
    static func distance(_ a: [Int32], _ b: [Int32], atLeast: Int) -> Int {
        precondition(a.count == b.count)
        var d = 0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0 ..< pa.count where pa[i] != pb[i] {
                    d += 1
                    if d >= atLeast { return }
                }
            }
        }
        return d
    }
}
