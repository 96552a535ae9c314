import Model
import XCTest
@testable import Solver

/// The regions grown breadth-first (elimination balls, LNS neighbourhoods of every kind) for
/// fixed seeds, hashed. The hash changes only when a region's nodes, their order or the random
/// draws made to grow it change: the solver's decisions depend on all three, so a refactoring
/// that must not change behaviour must leave these hashes as they are.
final class GrowthStreamTests: XCTestCase {
    /// FNV-1a over 64-bit words.
    private struct Hash {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        mutating func add(_ v: Int) {
            value = (value ^ UInt64(bitPattern: Int64(v))) &* 0x0000_0100_0000_01B3
        }
        mutating func add(_ vs: [Int32]) {
            add(vs.count)
            for v in vs { add(Int(v)) }
        }
    }

    private func instances() -> [SolverInstance] {
        var out: [SolverInstance] = []
        for seed in UInt64(1) ... 12 {
            let nodes = 40 + Int(seed % 4) * 15
            let p = TestInstances.random(
                seed: seed, nodes: nodes, edges: 2 * nodes, maxStrategies: 4,
                infiniteChance: seed % 3 == 0 ? 0 : 0.25, memory: seed % 4 != 0)
            let inst = Reducer.reduce(p)
            if inst.feasible && inst.nodeCount > 1 { out.append(inst) }
        }
        return out
    }

    func testEliminationBallsAreUnchanged() {
        var h = Hash()
        var rng = SeededRNG(seed: 11)
        let all = instances()
        XCTAssertGreaterThanOrEqual(all.count, 8)
        for inst in all {
            let move = EliminationMove(SearchState(inst, SolverRun.minimumUsage(inst)))
            for _ in 0 ..< 40 {
                let root = rng.below(inst.nodeCount)
                let block = move.ball(root: root, maxSize: 2 + rng.below(20), maxDegree: 2 + rng.below(6), rng: &rng)
                h.add(block)
            }
            h.add(rng.below(1 << 30))
        }
        XCTAssertEqual(h.value, Self.expectedBalls, "elimination balls changed: \(h.value)")
    }

    func testNeighbourhoodsAreUnchanged() {
        var h = Hash()
        var rng = SeededRNG(seed: 12)
        let all = instances()
        XCTAssertGreaterThanOrEqual(all.count, 8)
        var generated = 0
        for inst in all {
            let hints = DualHints()
            let state = SearchState(inst, SolverRun.minimumUsage(inst))
            let slots = Int(inst.strategyStart[inst.nodeCount])
            hints.publish(.init(dual: 0, reducedCost: (0 ..< slots).map { _ in Double(rng.below(50)) }))
            let gen = NeighbourhoodGenerator(inst, hints: hints)
            for kind in NeighbourhoodKind.allCases where gen.applies(kind) {
                for _ in 0 ..< 15 {
                    let free = gen.generate(kind, state: state, size: 1 + rng.below(inst.nodeCount), rng: &rng).free
                    h.add(free)
                    generated += 1
                }
            }
            h.add(rng.below(1 << 30))
        }
        XCTAssertGreaterThan(generated, 300)
        XCTAssertEqual(h.value, Self.expectedNeighbourhoods, "neighbourhoods changed: \(h.value)")
    }

    static let expectedBalls: UInt64 = 9_303_715_156_490_446_434
    static let expectedNeighbourhoods: UInt64 = 14_342_677_516_667_308_670
}
