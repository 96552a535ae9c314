import Model
import TestSupport
import XCTest
@testable import Solver

/// The exact eliminations of `CoreGraph` keep the Lagrangian subproblem's optimum.
final class BoundCoreTests: XCTestCase {
    func forEachLabelling(_ k: [Int], _ body: ([Int32]) -> Void) { TestInstances.forEachLabelling(k, body) }

    /// Penalised energy (scaled like the certificate) of a reduced labelling.
    func energy(_ inst: SolverInstance, _ unary: [Int128], _ x: [Int32]) -> Int128 {
        var t: Int128 = 0
        for i in 0 ..< inst.nodeCount { t += unary[Int(inst.strategyStart[i]) + Int(x[i])] }
        for e in 0 ..< inst.edgeCount {
            t += Int128(inst.pairCost(e, Int(x[Int(inst.edgeU[e])]), Int(x[Int(inst.edgeV[e])]))) * DualCertificate.scale
        }
        return t
    }

    func testCoreOptimumEqualsSubproblemOptimum() {
        var checked = 0, eliminatedSome = 0
        for (seed, p) in BoundTests.instances(count: 80) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0, inst.nodeCount <= 6 else { continue }
            var rng = SeededRNG(seed: seed)
            for maxLinkWork in [1_000_000, 8] {
                let core = CoreGraph(inst, maxLinkWork: maxLinkWork)
                if !core.ops.isEmpty { eliminatedSome += 1 }
                // Random multipliers on the grid -> penalised unary costs.
                var prefix = [Int128](repeating: 0, count: inst.cliqueCount + 1)
                for c in 0 ..< inst.cliqueCount { prefix[c + 1] = prefix[c] + Int128(rng.below(5_000_000)) }
                var unary = [Int128](repeating: 0, count: inst.unary.count)
                for i in 0 ..< inst.nodeCount {
                    let m = inst.hasMemory && inst.cliqueFirst[i] < inst.cliqueEnd[i] ? prefix[Int(inst.cliqueEnd[i])] - prefix[Int(inst.cliqueFirst[i])] : 0
                    for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) {
                        unary[s] = Int128(inst.unary[s]) * DualCertificate.scale + Int128(inst.usage[s]) * m
                    }
                }
                var best: Int128? = nil
                forEachLabelling(inst.strategyCount.map { Int($0) }) { x in
                    let v = energy(inst, unary, x)
                    if best == nil || v < best! { best = v }
                }
                // The core: replay, then brute force over core labellings.
                var u = unary
                var store = [Int128](repeating: 0, count: core.storeSize)
                for x in 0 ..< inst.edgeOff[inst.edgeCount] { store[x] = Int128(inst.edgeCost[x]) * DualCertificate.scale }
                let top = Int128.max / 4
                core.replay(unary: &u, store: &store, top: top)
                var coreBest: Int128? = nil
                var coreArg: [Int32] = []
                forEachLabelling(core.coreK) { y in
                    var t: Int128 = 0
                    for c in 0 ..< core.coreN { t += u[Int(inst.strategyStart[core.coreNode[c]]) + Int(y[c])] }
                    for w in core.coreEdge {
                        let a = Int(y[core.coreOf[core.wU[w]]]), b = Int(y[core.coreOf[core.wV[w]]])
                        t += store[core.wOff[w] + a * Int(inst.strategyCount[core.wV[w]]) + b]
                    }
                    if coreBest == nil || t < coreBest! { coreBest = t; coreArg = y }
                }
                XCTAssertEqual(coreBest, best, "seed \(seed) maxLinkWork \(maxLinkWork)")
                // Expanding the best core labelling gives an optimal full labelling.
                let full = core.expand(coreArg, unary: u, store: store, top: top)
                XCTAssertEqual(energy(inst, unary, full), best, "seed \(seed): expansion")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40)
        XCTAssertGreaterThan(eliminatedSome, 20)
    }

    /// The dual's incremental replay gives bitwise the full replay's values when only some nodes'
    /// unary costs change between replays (and catches a change it was not told about: the
    /// comparison below would fail if the cache reused a stale output), and its recorded
    /// strategies extend labellings as `expand` does.
    func testIncrementalReplayEqualsFullReplay() {
        var compared = 0, reused = 0
        for (seed, p) in BoundTests.instances(count: 120, nodes: 9) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            var rng = SeededRNG(seed: seed)
            for maxLinkWork in [1_000_000, 8] {
                let core = CoreGraph(inst, maxLinkWork: maxLinkWork)
                guard !core.ops.isEmpty else { continue }
                var base = [Double](repeating: 0, count: core.storeSize)
                for x in 0 ..< inst.edgeOff[inst.edgeCount] { base[x] = Double(min(inst.edgeCost[x], 1_000_000_000)) }
                let cache = CoreGraph.ReplayCache(core)
                var unary = inst.unary.map { Double(min($0, 1_000_000_000)) }
                var scratch: [Double] = []
                for round in 0 ..< 12 {
                    // Change a random subset of the nodes (none in some rounds).
                    var changed = [Bool](repeating: round == 0, count: inst.nodeCount)
                    for i in 0 ..< inst.nodeCount where round > 0 && rng.below(3) == 0 {
                        changed[i] = true
                        for s in Int(inst.strategyStart[i]) ..< Int(inst.strategyStart[i + 1]) { unary[s] += Double(rng.below(1000)) - 500 }
                    }
                    var fullU = unary, fullW = base
                    core.replay(unary: &fullU, store: &fullW, top: .infinity)
                    var incU = unary, incW = base
                    core.replayDouble(unary: &incU, store: &incW, scratch: &scratch, cache: cache, changed: changed)
                    XCTAssertEqual(incU, fullU, "seed \(seed) round \(round)")
                    XCTAssertEqual(incW, fullW, "seed \(seed) round \(round)")
                    // The strategies the replay recorded extend core labellings as `expand`
                    // does on the full replay's values (ties included).
                    for _ in 0 ..< 4 {
                        let y = core.coreK.map { Int32(rng.below($0)) }
                        XCTAssertEqual(core.expandCached(y, cache: cache),
                                       core.expand(y, unary: fullU, store: fullW, top: .infinity),
                                       "seed \(seed) round \(round): expandCached")
                    }
                    compared += 1
                }
                if cache.recomputed < cache.total { reused += 1 }
            }
        }
        XCTAssertGreaterThan(compared, 200)
        XCTAssertGreaterThan(reused, 20, "the cache should skip unchanged eliminations")
    }

    /// Passes that skip fresh slots compute bitwise what passes that collect every slot
    /// compute, through multiplier steps (folded tables change), a polish (messages replaced)
    /// and its end; and they do skip.
    func testSkippingFreshSlotsChangesNothing() {
        var compared = 0, withMemory = 0
        var skipped = 0, collected = 0, restored = 0
        for (seed, p) in BoundTests.instances(count: 80, nodes: 12) {
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            let a = LagrangianDual(inst), b = LagrangianDual(inst)
            b.skipsFreshSlots = false
            if inst.hasMemory { withMemory += 1 }
            for it in 0 ..< 60 {
                // Large steps make the estimate fall, so that the polish goes back to an
                // earlier state (its messages replace the current ones).
                if it == 20 { a.stepScale = 50; b.stepScale = 50 }
                if it == 25 {
                    let before = a.messages
                    a.startPolish(); b.startPolish()
                    if a.messages != before { restored += 1 }
                }
                let ea = a.iterate(), eb = b.iterate()
                XCTAssertEqual(ea.bitPattern, eb.bitPattern, "seed \(seed) iteration \(it)")
                XCTAssertEqual(a.messages.map(\.bitPattern), b.messages.map(\.bitPattern), "seed \(seed) iteration \(it)")
                XCTAssertEqual(a.coreLabelling, b.coreLabelling)
                a.stepMultipliers(); b.stepMultipliers()
                XCTAssertEqual(a.mu.map(\.bitPattern), b.mu.map(\.bitPattern))
            }
            XCTAssertEqual(a.certify(), b.certify())
            XCTAssertEqual(b.skippedFresh, 0)
            skipped += a.skippedFresh
            collected += a.collected
            compared += 1
        }
        XCTAssertGreaterThan(compared, 40)
        XCTAssertGreaterThan(withMemory, 10)
        XCTAssertGreaterThan(restored, 5, "some polishes should go back to an earlier state")
        XCTAssertGreaterThan(skipped, collected / 4, "about half of the slots should be skipped")
    }

    /// Certificates with and without eliminations are both valid; the core's is usually at
    /// least as high after the same number of iterations (not asserted: only validity is).
    func testCertificatesWithoutEliminationAreValid() {
        for (seed, p) in BoundTests.instances(count: 60) {
            guard let opt = BruteForce.optimum(p) else { continue }
            let inst = Reducer.reduce(p)
            guard inst.nodeCount > 0 else { continue }
            let dual = LagrangianDual(inst, eliminate: false)
            XCTAssertEqual(dual.core.ops.count, 0)
            for _ in 0 ..< 30 {
                dual.iterate()
                dual.stepMultipliers()
                if let r = dual.certify(), let b = originalBound(inst, reducedBound: r, nonNegative: true) {
                    XCTAssertLessThanOrEqual(b, opt.cost, "seed \(seed)")
                }
            }
        }
    }
}
