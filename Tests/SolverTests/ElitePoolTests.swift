import Model
import XCTest
@testable import Solver

final class ElitePoolTests: XCTestCase {
    /// The pool keeps at most `capacity` entries, pairwise at least `minDistance` apart, always
    /// the cheapest offered solution, and a near copy only when it is cheaper than its twin.
    func testPoolKeepsCheapestDistinctSolutions() {
        var rng = SeededRNG(seed: 11)
        let n = 200
        let pool = ElitePool(nodes: n, capacity: 5)
        XCTAssertEqual(pool.minDistance, 8)
        var cheapest = Int128.max
        var bases: [[Int32]] = []
        for _ in 0 ..< 6 { bases.append((0 ..< n).map { _ in Int32(rng.below(4)) }) }
        for round in 0 ..< 400 {
            // A random base with a few changes: near copies of six trajectories, sometimes far.
            var x = bases[rng.below(bases.count)]
            let changes = rng.below(4) == 0 ? 40 : rng.below(6)
            for _ in 0 ..< changes { x[rng.below(n)] = Int32(rng.below(4)) }
            let cost = Int128(1000 + rng.below(100_000))
            cheapest = min(cheapest, cost)
            pool.offer(x, cost: cost)
            let entries = pool.entries
            XCTAssertLessThanOrEqual(entries.count, 5, "round \(round)")
            XCTAssertEqual(entries.map(\.cost).min(), cheapest, "round \(round)")
            for a in 0 ..< entries.count {
                for b in a + 1 ..< entries.count {
                    XCTAssertGreaterThanOrEqual(ElitePool.distance(entries[a].x, entries[b].x, atLeast: n), 8, "round \(round)")
                }
            }
        }
        XCTAssertEqual(pool.offerCount, 400)
        XCTAssertEqual(pool.count, 5)

        // A near copy replaces its twin only when cheaper.
        let small = ElitePool(nodes: 10, capacity: 3)
        let a: [Int32] = Array(repeating: 0, count: 10)
        var b = a
        b[3] = 1
        XCTAssertTrue(small.offer(a, cost: 100))
        XCTAssertFalse(small.offer(b, cost: 150))
        XCTAssertEqual(small.entries.map(\.cost), [100])
        XCTAssertTrue(small.offer(b, cost: 90))
        XCTAssertEqual(small.entries.map(\.cost), [90])
        XCTAssertEqual(small.entries[0].x, b)
        // Sampling leaves out entries equal to the given solution.
        var r = SeededRNG(seed: 1)
        XCTAssertTrue(small.sample(count: 3, differingFrom: b, rng: &r).isEmpty)
        XCTAssertEqual(small.sample(count: 3, differingFrom: a, rng: &r).count, 1)
    }

    /// Merge windows: free nodes are nodes where a sampled pool solution differs from the
    /// state, at most the size asked for, and the mask allows exactly the pool's strategies
    /// there.
    func testMergeWindowsCoverDifferences() {
        var checked = 0
        for seed in UInt64(1) ... 20 {
            let p = TestInstances.random(seed: seed, nodes: 60, edges: 90, maxStrategies: 4, infiniteChance: 0, memory: false)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 10 else { continue }
            var rng = SeededRNG(seed: seed)
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let pool = ElitePool(nodes: inst.nodeCount, capacity: 4)
            for _ in 0 ..< 4 {
                let x = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
                pool.offer(x, cost: Int128(rng.below(1000)))
            }
            let gen = NeighbourhoodGenerator(inst, pool: pool)
            XCTAssertTrue(gen.applies(.merge))
            for size in [3, 10, 1000] {
                guard let merged = gen.merge(state: state, size: size, rng: &rng), let mask = merged.mask else {
                    XCTFail("seed \(seed): no merge window")
                    continue
                }
                let free = merged.free
                XCTAssertFalse(free.isEmpty)
                XCTAssertLessThanOrEqual(free.count, size)
                XCTAssertEqual(Set(free).count, free.count)
                let entries = pool.entries
                let inFree = Set(free.map(Int.init))
                for i in 0 ..< inst.nodeCount {
                    let o = Int(inst.strategyStart[i])
                    for s in 0 ..< Int(inst.strategyCount[i]) where mask[o + s] {
                        XCTAssertTrue(inFree.contains(i), "seed \(seed): mask outside the window")
                        XCTAssertTrue(entries.contains { Int($0.x[i]) == s }, "seed \(seed): strategy of no pool solution")
                    }
                }
                for v in free {
                    let i = Int(v)
                    XCTAssertTrue(entries.contains { $0.x[i] != state.x[i] }, "seed \(seed): node \(i) differs nowhere")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// A merge solve finds the best mix of the state and a pool solution: equal to the
    /// cheapest feasible assignment taking, per differing node, either solution's strategy
    /// (by enumeration), memory included.
    func testMergeSolveFindsBestMix() {
        var compared = 0, improved = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed &+ 500, nodes: 14, edges: 22, maxStrategies: 4,
                                         infiniteChance: 0.1, memory: seed % 3 != 0)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 3 else { continue }
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            guard state.feasible else { continue }
            var rng = SeededRNG(seed: seed)
            let other = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
            let diff = (0 ..< inst.nodeCount).filter { other[$0] != state.x[$0] }
            guard !diff.isEmpty, diff.count <= 14 else { continue }
            // Enumerate every mix.
            var best = state.cost
            for bits in 0 ..< (1 << diff.count) {
                var x = state.x
                for (j, i) in diff.enumerated() where bits & (1 << j) != 0 { x[i] = other[i] }
                let s = SearchState(inst, x)
                if s.feasible && s.cost < best { best = s.cost }
            }
            let pool = ElitePool(nodes: inst.nodeCount)
            pool.offer(other, cost: 0)
            let gen = NeighbourhoodGenerator(inst, pool: pool)
            guard let merged = gen.merge(state: state, size: inst.nodeCount, rng: &rng) else {
                XCTFail("seed \(seed)")
                continue
            }
            let free = merged.free
            XCTAssertEqual(Set(free.map(Int.init)), Set(diff), "seed \(seed)")
            let mip = MIPSubproblemSolver(inst)
            mip.strategyMask = merged.mask
            if let r = mip.solve(state: state, free: free, timeLimit: 30, stop: { false }) {
                XCTAssertTrue(mip.apply(r, to: state))
                improved += 1
            }
            XCTAssertNil(state.verify(), "seed \(seed)")
            XCTAssertTrue(state.feasible, "seed \(seed)")
            XCTAssertEqual(state.cost, best, "seed \(seed): \(mip.lastOutcome)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 15)
        XCTAssertGreaterThan(improved, 3)
    }

    /// Serials follow arrival: every solution that goes in gets the next one, refused offers
    /// none; `entries(after:)` lists exactly the entries that went in later, oldest first.
    func testSerialsFollowArrival() {
        let pool = ElitePool(nodes: 10, capacity: 2)
        XCTAssertEqual(pool.latestSerial, 0)
        let a: [Int32] = Array(repeating: 0, count: 10)
        let b: [Int32] = Array(repeating: 1, count: 10)
        let c: [Int32] = Array(repeating: 2, count: 10)
        var nearA = a
        nearA[0] = 3
        XCTAssertTrue(pool.offer(a, cost: 100))
        XCTAssertTrue(pool.offer(b, cost: 200))
        XCTAssertEqual(pool.latestSerial, 2)
        XCTAssertFalse(pool.offer(nearA, cost: 150))  // near a, dearer: refused
        XCTAssertFalse(pool.offer(c, cost: 300))      // full, dearer than both: refused
        XCTAssertEqual(pool.latestSerial, 2)
        XCTAssertEqual(pool.entries(after: 0).map(\.serial), [1, 2])
        XCTAssertEqual(pool.entries(after: 1).map(\.x), [b])
        XCTAssertTrue(pool.offer(c, cost: 150))       // replaces b, the dearest
        XCTAssertTrue(pool.offer(nearA, cost: 90))    // replaces a, its twin
        XCTAssertEqual(pool.latestSerial, 4)
        XCTAssertEqual(pool.entries(after: 2).map(\.x), [c, nearA])
        XCTAssertEqual(pool.entries(after: 2).map(\.serial), [3, 4])
        XCTAssertTrue(pool.entries(after: 4).isEmpty)
    }

    /// A fresh merge takes the oldest new entry that differs from the state (skipping new
    /// entries equal to it), frees the nodes where that one differs and allows only its
    /// strategies there; it reports the last serial it looked at, and nothing is left once
    /// every new entry has been looked at.
    func testFreshMergeTakesOldestNewDifferingEntry() {
        var checked = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed &+ 40, nodes: 50, edges: 80, maxStrategies: 4, infiniteChance: 0, memory: false)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 12 else { continue }
            var rng = SeededRNG(seed: seed)
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let pool = ElitePool(nodes: inst.nodeCount, capacity: 6)
            pool.offer(state.x, cost: state.cost)  // serial 1: the state itself
            let old = pool.latestSerial
            let copy = state.x                     // not kept: a near copy, not cheaper
            pool.offer(copy, cost: state.cost)
            var others: [[Int32]] = []
            for _ in 0 ..< 3 {
                var x = state.x
                for i in 0 ..< inst.nodeCount where inst.strategyCount[i] > 1 && rng.below(2) == 0 { x[i] = (x[i] + 1) % Int32(inst.strategyCount[i]) }
                if pool.offer(x, cost: Int128(rng.below(1000))) { others.append(x) }
            }
            // (A later one may have replaced an earlier near one.)
            guard others.count >= 2, pool.entries(after: old).map(\.x) == others else { continue }
            let gen = NeighbourhoodGenerator(inst, pool: pool)
            var serial = 0
            var seen: [[Int32]] = []
            while true {
                let (merged, last) = gen.freshMerge(state: state, after: serial, size: inst.nodeCount, rng: &rng)
                guard let merged else {
                    XCTAssertEqual(last, pool.latestSerial, "seed \(seed)")
                    serial = last
                    break
                }
                XCTAssertGreaterThan(last, serial, "seed \(seed)")
                serial = last
                let free = merged.free
                guard let mask = merged.mask, let entry = pool.entries.first(where: { $0.serial == last }) else {
                    XCTFail("seed \(seed): no mask or entry")
                    break
                }
                XCTAssertGreaterThan(last, old, "seed \(seed): the state's own entry was merged")
                let diff = (0 ..< inst.nodeCount).filter { entry.x[$0] != state.x[$0] }
                XCTAssertEqual(free.map(Int.init), diff, "seed \(seed)")
                for i in 0 ..< inst.nodeCount {
                    let o = Int(inst.strategyStart[i])
                    for s in 0 ..< Int(inst.strategyCount[i]) {
                        XCTAssertEqual(mask[o + s], diff.contains(i) && Int(entry.x[i]) == s, "seed \(seed) node \(i)")
                    }
                }
                seen.append(entry.x)
                if seen.count > 10 { break }
            }
            XCTAssertEqual(seen, others, "seed \(seed): new entries in arrival order")
            XCTAssertEqual(serial, pool.latestSerial)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 15)
    }

    /// A merge already solved (same state cost, solutions and window) is not generated again;
    /// a different state makes it new.
    func testMergeIsNotRepeated() {
        var checked = 0
        for seed in UInt64(1) ... 40 {
            let p = TestInstances.random(seed: seed &+ 90, nodes: 40, edges: 60, maxStrategies: 4, infiniteChance: 0, memory: false)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 8 else { continue }
            var rng = SeededRNG(seed: seed)
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let other = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
            guard other != state.x else { continue }
            let pool = ElitePool(nodes: inst.nodeCount)
            pool.offer(other, cost: 0)
            let gen = NeighbourhoodGenerator(inst, pool: pool)
            // One entry, a window covering all differences: a single possible merge.
            XCTAssertNotNil(gen.merge(state: state, size: inst.nodeCount, rng: &rng), "seed \(seed)")
            XCTAssertNil(gen.merge(state: state, size: inst.nodeCount, rng: &rng), "seed \(seed): repeated")
            // Another state (another cost): a new merge.
            func next(_ i: Int) -> Int { (Int(state.x[i]) + 1) % Int(inst.strategyCount[i]) }
            guard let i = (0 ..< inst.nodeCount).first(where: { inst.strategyCount[$0] > 1 && state.delta($0, next($0)) != 0 }) else { continue }
            let b = next(i)
            state.apply(i, b, state.delta(i, b))
            XCTAssertNotNil(gen.merge(state: state, size: inst.nodeCount, rng: &rng), "seed \(seed)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 15)
    }

    /// `step` with `regular` false solves only fresh merges: nothing without a new differing
    /// pool entry, one solve (counted as a fresh merge, never worsening) per new entry.
    func testStepWithoutShareSolvesOnlyFreshMerges() {
        var solved = 0
        for seed in UInt64(1) ... 20 {
            let p = TestInstances.random(seed: seed &+ 700, nodes: 30, edges: 45, maxStrategies: 4,
                                         infiniteChance: 0, memory: seed % 2 == 0)
            let inst = Reducer.reduce(p)
            guard inst.feasible, inst.nodeCount > 5 else { continue }
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            guard state.feasible else { continue }
            var rng = SeededRNG(seed: seed)
            let pool = ElitePool(nodes: inst.nodeCount)
            let lns = NeighbourhoodSearch(inst, pool: pool)
            XCTAssertFalse(lns.freshMergeDue(searchSeconds: 10))
            XCTAssertFalse(lns.step(state: state, now: 0, stopAt: 100, regular: false, rng: &rng, stop: { false }))
            XCTAssertEqual(lns.stats.solves, 0, "seed \(seed)")
            let other = (0 ..< inst.nodeCount).map { Int32(rng.below(Int(inst.strategyCount[$0]))) }
            guard other != state.x else { continue }
            pool.offer(other, cost: 0)
            XCTAssertTrue(lns.freshMergeDue(searchSeconds: 10))
            XCTAssertFalse(lns.freshMergeDue(searchSeconds: 0), "seed \(seed): no time share left")
            let before = state.cost
            let improved = lns.step(state: state, now: 0, stopAt: 100, regular: false, rng: &rng, stop: { false })
            XCTAssertEqual(lns.stats.fresh.calls, 1, "seed \(seed)")
            XCTAssertEqual(lns.stats.solves, 1, "seed \(seed)")
            XCTAssertEqual(improved, state.cost < before, "seed \(seed)")
            XCTAssertLessThanOrEqual(state.cost, before, "seed \(seed)")
            XCTAssertTrue(state.feasible, "seed \(seed)")
            XCTAssertNil(state.verify(), "seed \(seed)")
            XCTAssertFalse(lns.freshMergeDue(searchSeconds: 10))
            XCTAssertFalse(lns.step(state: state, now: 1, stopAt: 100, regular: false, rng: &rng, stop: { false }))
            XCTAssertEqual(lns.stats.solves, 1, "seed \(seed)")
            XCTAssertTrue(lns.stats.lines.contains { $0.hasPrefix("fresh-merge calls 1 ") }, "seed \(seed)")
            solved += 1
        }
        XCTAssertGreaterThan(solved, 8)
    }
}
