import Synchronization

/// Branch and bound whose bound at every branch is the Lagrangian dual's exact certificate.
///
/// Proves that no assignment of a reduced instance costs less than a value U (the incumbent's
/// cost, or a claimed upper bound). A branch is a set of allowed strategies per node; its bound
/// is a certificate (`LagrangianDual.certify`, exact Int128) of the instance whose other
/// strategies cost one infinite term more (`SolverInstance.forbidding`): every assignment of
/// allowed strategies costs the same there, so the certificate bounds all of them. A branch
/// whose certificate is >= U holds nothing cheaper than U and is closed; otherwise one node's
/// allowed strategies are split in two, and both halves are searched. When every branch is
/// closed, nothing costs less than the final U: U is a lower bound, and with an assignment of
/// cost U in hand, that assignment is optimal. The dual's multipliers price the memory rows,
/// so the bound at each branch keeps what the relaxation knows about memory, which the
/// diffusion bound of `ExactSearch` does not.
///
/// Each branch starts from its parent's best dual state and runs a limited number of
/// iterations (`iterationsPerBranch`), certifying when the estimate nears U. Branches are
/// searched best first (the least bound, then the deepest): a complete proof must search
/// every branch whose bound is below U in any order, and best first makes the least bound of
/// the open branches, which bounds every assignment cheaper than U, rise as early as it can,
/// so a search stopped early still reports it (`Outcome.stopped`). The dual's
/// feasible labellings that beat U lower it on the way. Which node is split: the one whose
/// strategy the labellings of the branch's multiplier steps mix most (`splitMixed`); when
/// they all agree, a node chosen from the dual's reduced costs (`split`). This is a heuristic
/// choice only; the proof rests on the certificates alone.
final class DualBranchAndBound {
    let inst: SolverInstance

    /// Dual iterations per branch at most.
    static let iterationsPerBranch = 300
    /// A branch stops iterating once its best estimate rose by less than this (relative) over
    /// `flatWindow` iterations.
    static let flatWindow = 40
    static let flatTolerance = 1e-7
    /// Certify every this many iterations while the best state is uncertified.
    static let certifyEvery = 20

    enum Outcome: Equatable {
        /// Every branch closed: no assignment costs less than `lowerBound` (reduced units);
        /// `best` is an assignment of that cost when one is known.
        case complete(lowerBound: Int128, best: [Int32]?)
        /// Stopped first. `lowerBound`: nothing costs less (reduced units): the least bound
        /// of the branches still open, or U when that is lower; nil when no branch was certified.
        case stopped(branches: Int, lowerBound: Int128?)
    }

    private(set) var branches = 0

    init(_ inst: SolverInstance) {
        self.inst = inst
    }

    /// Doubles of dual states (messages and multipliers) the open branches may hold; branches
    /// made beyond it start from the root's best state instead of their parent's.
    static let stateBudget = 16_000_000

    private struct Branch {
        var allowed: [Bool]
        var state: (messages: [Double], mu: [Double])?
        /// Nothing allowed here costs less (reduced units): the parent's certificate or more;
        /// nil before the root's first certificate.
        var bound: Int128?
        var depth: Int
    }

    /// The open branches, least bound first (an uncertified one before all), then deepest.
    private struct OpenBranches {
        private var heap = BinaryHeap<Branch>(before: OpenBranches.before)
        private(set) var stateDoubles = 0

        var isEmpty: Bool { heap.isEmpty }

        /// The least bound of the open branches (nil when the first is uncertified or none is open).
        var leastBound: Int128? { heap.first?.bound }

        private static func before(_ a: Branch, _ b: Branch) -> Bool {
            switch (a.bound, b.bound) {
            case (nil, nil): return a.depth > b.depth
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?): return x < y || (x == y && a.depth > b.depth)
            }
        }

        mutating func push(_ b: Branch) {
            stateDoubles += b.state.map { $0.messages.count + $0.mu.count } ?? 0
            heap.push(b)
        }

        mutating func pop() -> Branch? {
            guard let top = heap.pop() else { return nil }
            stateDoubles -= top.state.map { $0.messages.count + $0.mu.count } ?? 0
            return top
        }
    }

    /// Searches until every branch is closed, `deadline` passes or `stop` says so. `upperBound`:
    /// U in reduced units (stored terms, without `inst.base`); `incumbent`, when given, is an
    /// assignment of cost `upperBound`; `rootState`, a dual state of `inst` (messages and
    /// multipliers) to start the root from.
    /// `incumbentFeed`, asked before each branch, may offer a cheaper assignment found
    /// elsewhere (with its cost): U drops to it, which only makes the remaining branches
    /// easier to close.
    func run(upperBound: Int128, incumbent: [Int32]?, rootState: (messages: [Double], mu: [Double])? = nil,
             deadline: Double, clock: ProcessClock, stop: () -> Bool,
             incumbentFeed: () -> (x: [Int32], cost: Int128)? = { nil }) -> Outcome {
        // No assignment fits at all (the fixed usages alone exceed the limit somewhere):
        // nothing costs less than anything.
        guard inst.feasible else { return .complete(lowerBound: upperBound, best: nil) }
        var u = upperBound
        var best = incumbent
        var open = OpenBranches()
        open.push(Branch(allowed: [Bool](repeating: true, count: inst.unary.count), state: rootState, bound: nil, depth: 0))
        // The root branch's best state: branches made beyond `stateBudget` start from it.
        var rootBest: (messages: [Double], mu: [Double])?
        // The least bound of the open branches and `current` (the branch being searched), at most U.
        // An uncertified one (only before the root's first certificate) bounds nothing.
        func stopped(_ current: Int128?) -> Outcome {
            var least = u
            for b in [current] + (open.isEmpty ? [] : [open.leastBound]) {
                guard let b else { return .stopped(branches: branches, lowerBound: nil) }
                least = min(least, b)
            }
            return .stopped(branches: branches, lowerBound: least)
        }
        while let branch = open.pop() {
            if stop() || clock.seconds >= deadline {
                return stopped(branch.bound)
            }
            if let (x, c) = incumbentFeed(), c < u {
                u = c
                best = x
            }
            if let b = branch.bound, b >= u { continue }
            branches += 1
            guard let masked = inst.forbidding(branch.allowed) else { continue }
            let dual = LagrangianDual(masked)
            // (A state of another shape, which a caller should never hand in, is not adopted.)
            if let s = branch.state ?? rootBest, s.messages.count == dual.bestState.messages.count,
               s.mu.count == dual.bestState.mu.count {
                dual.adopt(messages: s.messages, mu: s.mu)
            }
            // Nothing allowed here costs less: the parent's bound, raised by this branch's certificates.
            var bound = branch.bound
            func certified(_ b: Int128) { bound = max(bound ?? b, b) }
            var closed = false
            var watch = RiseWindow(window: Self.flatWindow, tolerance: Self.flatTolerance)
            // How often each strategy was in the labellings of the multiplier steps (the
            // relaxation's fractional solution mixes them).
            var used = [Int32](repeating: 0, count: inst.unary.count)
            var steps = 0
            for it in 1 ... Self.iterationsPerBranch {
                dual.target = Double(u)
                dual.iterate()
                if let x = dual.bestLabelling, let c = dual.bestLabellingCost, c < u {
                    // Priced on the instance itself (allowed strategies cost the same).
                    let exact = inst.storedCost(x)
                    if exact < u { u = exact; best = x }
                }
                let near = dual.bestEstimate >= Double(u) - 1
                if !dual.bestStateCertified && (near || it % Self.certifyEvery == 0), let b = dual.certifyBest() {
                    certified(b)
                    if b >= u {
                        closed = true
                        break
                    }
                }
                if watch.check(iteration: dual.iterations, best: dual.bestEstimate)?.flat == true { break }
                if stop() || clock.seconds >= deadline { break }
                dual.stepMultipliers()
                if !dual.stepLabelling.isEmpty {
                    steps += 1
                    for i in 0 ..< inst.nodeCount { used[Int(inst.strategyStart[i]) + Int(dual.stepLabelling[i])] += 1 }
                }
            }
            if !closed && !dual.bestStateCertified, let b = dual.certifyBest() {
                certified(b)
                if b >= u { closed = true }
            }
            if closed { continue }
            if stop() || clock.seconds >= deadline {
                return stopped(bound)
            }
            guard let (first, second) = splitMixed(branch.allowed, used: used, steps: steps)
                    ?? split(branch.allowed, dual: dual, upperBound: u) else {
                // Every node is down to one allowed strategy: the branch is that assignment.
                var x = [Int32](repeating: 0, count: inst.nodeCount)
                for i in 0 ..< inst.nodeCount {
                    let o = Int(inst.strategyStart[i])
                    x[i] = Int32((0 ..< Int(inst.strategyCount[i])).first { branch.allowed[o + $0] } ?? 0)
                }
                if SearchState.fits(inst, x) {
                    let c = inst.storedCost(x)
                    if c < u { u = c; best = x }
                }
                continue
            }
            let state = dual.bestState
            if rootBest == nil { rootBest = state }
            let kept = open.stateDoubles < Self.stateBudget ? state : nil
            open.push(Branch(allowed: second, state: kept, bound: bound, depth: branch.depth + 1))
            open.push(Branch(allowed: first, state: kept, bound: bound, depth: branch.depth + 1))
        }
        return .complete(lowerBound: u, best: best)
    }

    /// The two halves of the node chosen for branching (see the type's comment), or nil when
    /// every node has a single allowed strategy.
    private func split(_ allowed: [Bool], dual: LagrangianDual, upperBound u: Int128)
        -> (first: [Bool], second: [Bool])?
    {
        let (d, rc) = dual.reducedCosts()
        let gap = Double(u) - d
        var chosen = -1, chosenLive = 0, chosenScore = 0.0
        var fallback = -1
        let core = dual.core
        let mu = dual.bestState.mu
        var prefix = [Double](repeating: 0, count: mu.count + 1)
        for c in 0 ..< mu.count { prefix[c + 1] = prefix[c] + mu[c] }
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
            var allowedCount = 0, live = 0
            var lo = Int64.max, hi = Int64.min
            for s in 0 ..< k where allowed[o + s] {
                allowedCount += 1
                if rc[o + s] < gap {
                    live += 1
                    lo = min(lo, inst.usage[o + s]); hi = max(hi, inst.usage[o + s])
                }
            }
            guard allowedCount > 1 else { continue }
            if core.coreOf[i] < 0 {
                if fallback < 0 { fallback = i }
                continue
            }
            let f = Int(inst.cliqueFirst[i]), l = Int(inst.cliqueEnd[i])
            let m = inst.hasMemory && f < l && l <= mu.count ? prefix[l] - prefix[f] : 0
            let score = live > 1 ? m * Double(hi - lo) : 0
            if score > chosenScore || (score == chosenScore && live > chosenLive) {
                chosen = i; chosenLive = live; chosenScore = score
            }
        }
        if chosen < 0 || chosenLive < 2 {
            // No core node has two strategies within the gap: split a node with a choice left
            // anyway (a core node, else an eliminated one), cheapest strategies first.
            if chosen < 0 { chosen = fallback }
            if chosen < 0 { return nil }
        }
        let o = Int(inst.strategyStart[chosen]), k = Int(inst.strategyCount[chosen])
        let byUsage = chosenScore > 0
        let order = (0 ..< k).filter { allowed[o + $0] }.sorted {
            byUsage ? (inst.usage[o + $0], rc[o + $0], $0) < (inst.usage[o + $1], rc[o + $1], $1)
                : (rc[o + $0], $0) < (rc[o + $1], $1)
        }
        let live = order.filter { rc[o + $0] < gap }
        let half = max(1, (max(live.count, 2)) / 2)
        var first = allowed, second = allowed
        for s in order { first[o + s] = false }
        for s in (live.count >= 2 ? live : order).prefix(half) {
            first[o + s] = true
            second[o + s] = false
        }
        return (first, second)
    }

    /// The node whose strategy varies most across the step labellings (the least share of
    /// its most used strategy, among nodes that used two allowed strategies), split into its
    /// most used strategy and its other allowed ones; nil when no node used two.
    private func splitMixed(_ allowed: [Bool], used: [Int32], steps: Int) -> (first: [Bool], second: [Bool])? {
        guard steps > 0 else { return nil }
        var chosen = -1, chosenTop = Int32.max, chosenArg = 0
        for i in 0 ..< inst.nodeCount {
            let o = Int(inst.strategyStart[i]), k = Int(inst.strategyCount[i])
            // Only allowed strategies count (a labelling may take a forbidden one where every
            // choice is infinite); the node must have used two of them.
            var top: Int32 = 0, arg = 0, usedAllowed = 0
            for s in 0 ..< k where allowed[o + s] && used[o + s] > 0 {
                usedAllowed += 1
                if used[o + s] > top { top = used[o + s]; arg = s }
            }
            if usedAllowed >= 2 && top < chosenTop { chosen = i; chosenTop = top; chosenArg = arg }
        }
        guard chosen >= 0 else { return nil }
        let o = Int(inst.strategyStart[chosen]), k = Int(inst.strategyCount[chosen])
        var first = allowed, second = allowed
        for s in 0 ..< k { first[o + s] = false }
        first[o + chosenArg] = true
        second[o + chosenArg] = false
        return (first, second)
    }

}

/// The best certified dual state offered so far (messages and multipliers, with the bound its
/// certificate gave), shared between threads: the Lagrangian runs of `iopddl bound` or the
/// solve's dual phase offer theirs, and the branch and bound's root starts from it.
final class BestDualState: Sendable {
    private let box = Mutex<(messages: [Double], mu: [Double], bound: Int128)?>(nil)

    /// Keeps `state` when its certified `bound` beats the one kept.
    func offer(_ state: (messages: [Double], mu: [Double]), bound: Int128) {
        box.withLock { kept in
            if kept == nil || bound > kept!.bound { kept = (state.messages, state.mu, bound) }
        }
    }

    var state: (messages: [Double], mu: [Double])? { box.withLock { $0 }.map { ($0.messages, $0.mu) } }
}
