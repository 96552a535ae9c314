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
            guard inst.feasible, inst.n > 10 else { continue }
            var rng = SeededRNG(seed: seed)
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let pool = ElitePool(nodes: inst.n, capacity: 4)
            for _ in 0 ..< 4 {
                let x = (0 ..< inst.n).map { Int32(rng.below(Int(inst.k[$0]))) }
                pool.offer(x, cost: Int128(rng.below(1000)))
            }
            let gen = NeighbourhoodGenerator(inst, pool: pool)
            XCTAssertTrue(gen.applies(.merge))
            for size in [3, 10, 1000] {
                guard let free = gen.merge(state: state, size: size, rng: &rng), let mask = gen.lastMask else {
                    XCTFail("seed \(seed): no merge window")
                    continue
                }
                XCTAssertFalse(free.isEmpty)
                XCTAssertLessThanOrEqual(free.count, size)
                XCTAssertEqual(Set(free).count, free.count)
                let entries = pool.entries
                let inFree = Set(free.map(Int.init))
                for i in 0 ..< inst.n {
                    let o = Int(inst.off[i])
                    for s in 0 ..< Int(inst.k[i]) where mask[o + s] {
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
            guard inst.feasible, inst.n > 3 else { continue }
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            guard state.feasible else { continue }
            var rng = SeededRNG(seed: seed)
            let other = (0 ..< inst.n).map { Int32(rng.below(Int(inst.k[$0]))) }
            let diff = (0 ..< inst.n).filter { other[$0] != state.x[$0] }
            guard !diff.isEmpty, diff.count <= 14 else { continue }
            // Enumerate every mix.
            var best = state.cost
            for bits in 0 ..< (1 << diff.count) {
                var x = state.x
                for (j, i) in diff.enumerated() where bits & (1 << j) != 0 { x[i] = other[i] }
                let s = SearchState(inst, x)
                if s.feasible && s.cost < best { best = s.cost }
            }
            let pool = ElitePool(nodes: inst.n)
            pool.offer(other, cost: 0)
            let gen = NeighbourhoodGenerator(inst, pool: pool)
            guard let free = gen.merge(state: state, size: inst.n, rng: &rng) else {
                XCTFail("seed \(seed)")
                continue
            }
            XCTAssertEqual(Set(free.map(Int.init)), Set(diff), "seed \(seed)")
            let mip = MIPSubproblemSolver(inst)
            mip.strategyMask = gen.lastMask
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
}
