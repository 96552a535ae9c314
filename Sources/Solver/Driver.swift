import Dispatch
import Model
import Synchronization

public struct SolverOptions: Sendable {
    /// Seconds after process start by which the search must have stopped.
    public var stopAt: Double
    public var threads: Int
    public var seed: UInt64
    /// Work limit per worker (tree moves); with one thread the run is then deterministic.
    public var maxIterations: Int?
    public var logProgress: Bool
    /// Checks the incremental state against a full recomputation after every improvement.
    public var debugChecks: Bool
    public var reductions: Reducer.Options

    public init(stopAt: Double, threads: Int = 1, seed: UInt64 = 1, maxIterations: Int? = nil,
                logProgress: Bool = true, debugChecks: Bool = false, reductions: Reducer.Options = .init()) {
        self.stopAt = stopAt
        self.threads = threads
        self.seed = seed
        self.maxIterations = maxIterations
        self.logProgress = logProgress
        self.debugChecks = debugChecks
        self.reductions = reductions
    }
}

/// Per-worker counters, summed in the final report.
public struct SearchStats: Sendable {
    public var treeMoves = 0
    public var treeImproved = 0
    public var oneOptMoves = 0
    public var rejectedMemory = 0
    public var kicks = 0
    public var restarts = 0

    mutating func add(_ o: SearchStats) {
        treeMoves += o.treeMoves
        treeImproved += o.treeImproved
        oneOptMoves += o.oneOptMoves
        rejectedMemory += o.rejectedMemory
        kicks += o.kicks
        restarts += o.restarts
    }
}

/// Runs the search: reductions, the minimum-usage start, then local-search workers that share
/// the incumbent store until `stopAt`.
public final class SolverRun: Sendable {
    public let problem: Problem
    public let options: SolverOptions
    public let store: IncumbentStore
    public let clock: ProcessClock
    private let stopFlag = Atomic<Bool>(false)
    private let statsBox = Mutex(SearchStats())
    private let phaseBox = Mutex<[(String, Double)]>([])
    private let instanceBox = Mutex<SolverInstance?>(nil)

    public init(problem: Problem, options: SolverOptions, clock: ProcessClock, store: IncumbentStore) {
        self.problem = problem
        self.options = options
        self.clock = clock
        self.store = store
    }

    public var instance: SolverInstance? { instanceBox.withLock { $0 } }
    public var stats: SearchStats { statsBox.withLock { $0 } }
    public var phases: [(String, Double)] { phaseBox.withLock { $0 } }

    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    var shouldStop: Bool {
        stopFlag.load(ordering: .relaxed) || clock.seconds >= options.stopAt
    }

    private func phase(_ name: String, _ seconds: Double) {
        phaseBox.withLock { $0.append((name, seconds)) }
    }

    private func log(_ text: String) {
        if options.logProgress { Console.writeErr("# " + text + "\n") }
    }

    /// Reduces the instance and offers the minimum-usage solution. Returns false when the
    /// instance has no feasible solution.
    public func prepare() -> Bool {
        let t0 = clock.seconds
        let inst = Reducer.reduce(problem, options: options.reductions)
        instanceBox.withLock { $0 = inst }
        phase("reduce", clock.seconds - t0)
        log("reduced: \(inst.stats)")
        if !inst.feasible { return false }
        let t1 = clock.seconds
        let start = SolverRun.minimumUsage(inst)
        store.offer(inst.postsolve(start), source: "min-usage")
        phase("start", clock.seconds - t1)
        return store.bestCost != nil
    }

    /// Per node the strategy of least usage, ties broken by unary cost.
    static func minimumUsage(_ inst: SolverInstance) -> [Int32] {
        var x = [Int32](repeating: 0, count: inst.n)
        for i in 0 ..< inst.n {
            let o = Int(inst.off[i])
            var best = 0
            for s in 1 ..< Int(inst.k[i]) {
                let u = inst.usage[o + s], ub = inst.usage[o + best]
                if u < ub || (u == ub && inst.unary[o + s] < inst.unary[o + best]) { best = s }
            }
            x[i] = Int32(best)
        }
        return x
    }

    /// Runs the workers on the calling thread plus `threads - 1` others; returns when all stop.
    public func search() {
        guard let inst = instance, inst.n > 0 else { return }
        let t0 = clock.seconds
        let threads = max(1, options.threads)
        let group = DispatchGroup()
        for w in 1 ..< threads {
            group.enter()
            DispatchQueue.global().async { [self] in
                worker(w, inst)
                group.leave()
            }
        }
        worker(0, inst)
        group.wait()
        phase("search", clock.seconds - t0)
    }

    private func worker(_ id: Int, _ inst: SolverInstance) {
        let seed = options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(id)
        guard let startOriginal = store.snapshot.solution, let start = inst.presolve(startOriginal) else { return }
        let state = SearchState(inst, start)
        let ls = LocalSearch(state, seed: seed)
        var local = SearchStats()
        let stop = { self.shouldStop }
        ls.descend(stop: stop)
        var bestX = state.x
        var bestCost = state.cost
        var lastOffer = -1.0
        var offeredCost = Int128.max
        func offerIfDue(force: Bool) {
            guard bestCost < offeredCost else { return }
            let now = clock.seconds
            if !force && now - lastOffer < 0.2 { return }
            lastOffer = now
            offeredCost = bestCost
            if options.debugChecks, let problem = state.verify() {
                Console.writeErr("# debug check failed in worker \(id): \(problem)\n")
            }
            store.offer(inst.postsolve(bestX), source: "ls\(id)")
        }
        offerIfDue(force: true)
        var iterations = 0
        var sinceImprove = 0
        let patience = max(200, inst.n / 2)
        var rng = SeededRNG(seed: seed ^ 0xABCD)
        while true {
            if iterations & 63 == 0 && shouldStop { break }
            if let cap = options.maxIterations, iterations >= cap { break }
            iterations += 1
            let root = pickRoot(inst, state, &rng)
            let size = 4 + rng.below(rng.below(4) == 0 ? 400 : 60)
            if ls.treeMove(root: root, maxSize: size) {
                if state.cost < bestCost {
                    bestCost = state.cost
                    bestX = state.x
                    sinceImprove = 0
                    offerIfDue(force: false)
                } else {
                    sinceImprove += 1
                }
            } else {
                sinceImprove += 1
            }
            if sinceImprove > patience {
                sinceImprove = 0
                // Go back to the best (own or shared) now and then, else kick from here.
                if state.cost > bestCost && rng.below(2) == 0 {
                    if rng.below(2) == 0, let shared = store.snapshot.solution, let sx = inst.presolve(shared) {
                        let sharedState = SearchState(inst, sx)
                        if sharedState.cost < bestCost {
                            bestCost = sharedState.cost
                            bestX = sx
                        }
                    }
                    state.reset(bestX)
                    local.restarts += 1
                }
                kick(inst, state, ls, &rng)
                local.kicks += 1
            }
        }
        offerIfDue(force: true)
        local.treeMoves = ls.treeMoves
        local.treeImproved = ls.treeImproved
        local.oneOptMoves = ls.oneOptMoves
        local.rejectedMemory = ls.rejectedMemory
        statsBox.withLock { $0.add(local) }
    }

    /// Tournament choice: the node with the largest local cost among a few random ones.
    private func pickRoot(_ inst: SolverInstance, _ state: SearchState, _ rng: inout SeededRNG) -> Int {
        var best = rng.below(inst.n)
        if rng.below(3) == 0 { return best }
        var bestCost = localCost(inst, state, best)
        for _ in 0 ..< 3 {
            let c = rng.below(inst.n)
            let v = localCost(inst, state, c)
            if v > bestCost { best = c; bestCost = v }
        }
        return best
    }

    private func localCost(_ inst: SolverInstance, _ state: SearchState, _ i: Int) -> Int64 {
        let x = state.x
        let a = Int(x[i])
        var c = inst.unary[Int(inst.off[i]) + a]
        let lo = Int(inst.adjOff[i]), hi = Int(inst.adjOff[i + 1])
        if hi - lo > 64 { return c }
        for p in lo ..< hi { c = addCost(c, inst.slotCost(p, a, Int(x[Int(inst.adjOther[p])]))) }
        return c
    }

    /// Random strategies on a small connected region (only where memory allows).
    private func kick(_ inst: SolverInstance, _ state: SearchState, _ ls: LocalSearch, _ rng: inout SeededRNG) {
        let root = rng.below(inst.n)
        var region = [root]
        var seen: Set<Int> = [root]
        let target = 3 + rng.below(12)
        var head = 0
        while head < region.count && region.count < target {
            let t = region[head]
            head += 1
            for p in Int(inst.adjOff[t]) ..< Int(inst.adjOff[t + 1]) {
                let w = Int(inst.adjOther[p])
                if seen.insert(w).inserted { region.append(w) }
                if region.count >= target { break }
            }
        }
        for i in region where inst.k[i] > 1 {
            let b = rng.below(Int(inst.k[i]))
            if inst.hasMemory && state.usageDelta(i, b) > state.nodeSlack(i) { continue }
            state.apply(i, b, state.delta(i, b))
        }
        for i in region { ls.treeMove(root: i, maxSize: 30) }
    }
}
