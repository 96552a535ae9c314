import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import GLPK
import Model
import Synchronization

// Lower bounds on the optimum of an instance: `BoundRun` (the `iopddl bound` command) and
// `quickBound` (for the solve driver). Every reported value is a valid lower bound of the
// ORIGINAL problem's optimum:
// - "lagrange": Lagrangian relaxation of the clique rows + message passing
//   (`LagrangianDual.swift`), certified exactly in Int128 (`DualCertificate.swift`).
// - "lp" (opt-in): the LP relaxation (local polytope + clique rows) solved by GLPK in its dual
//   form; the dual solution is certified exactly like the Lagrangian one (`LPDualBound.swift`).
// - "exact" (small reduced instances): the complete search of `ExactSearch`; when it completes,
//   its optimum is the bound (proved in exact integer arithmetic) and the run stops.
// - "mip": GLPK's branch-and-cut on the whole reduced instance (`MIPBound.swift`). GLPK's claims
//   are only trusted up to a safety margin (see there); this is the one method whose value rests
//   on GLPK's tolerances rather than on an exact certificate.
// A bound on the reduced instance becomes one on the original through `originalBound`.

/// Time shares and rhythms of the bound methods.
private enum Timing {
    /// Iterations between two updates of the step patience from the measured rate.
    static let patienceInterval = 10
    /// Smallest elapsed time (s) the rate is measured over, so the first iterations cannot
    /// divide by about zero.
    static let minimumElapsed = 1e-3
    /// With one thread and several methods: the share of the time the Lagrangian method gets
    /// before the others run (it usually gains the most in its first seconds).
    static let firstLagrangeShare = 0.2
    /// `iopddl bound` keeps certification under this share of the passes' time...
    static let certifyShare = 0.15
    /// ...but certifies a new best state at least this often (s), so the printed bound follows.
    static let certifyAtLeastEvery = 5.0
    /// Without memory rows, plain message passing ends when its best estimate rose by less
    /// than `convergenceTolerance` of itself over `convergenceWindow` iterations.
    static let convergenceWindow = 500
    static let convergenceTolerance = 1e-9
    /// The exact search runs first on its thread, for at most this share of the time (when
    /// it can complete at all, it does within about a second: benchmarks/EXACT.md).
    static let exactShare = 0.05
    /// Share of the time left after the exact search that the branch and bound on dual
    /// certificates gets (GLPK, when it runs, has the rest of that thread).
    static let branchShare = 0.5
    /// ...and of it when the branch and bound on the LP follows on the same thread (one thread
    /// only; with more it runs beside them): the dual's branches prove what they prove within
    /// seconds (benchmarks/EXACT.md), the LP's root alone takes minutes on a few hundred nodes
    /// with 30 strategies each.
    static let branchShareBeforeLP = 0.1
    /// ...but at least this many seconds (or `branchShare` of the time left, if less): cut at
    /// 10% of a minute, the dual's branches missed proofs they complete in 5-10 s.
    static let branchSecondsBeforeLP = 15.0
    /// Seconds between looks for the Lagrangian runs' first labelling when the branch and
    /// bound has no cost to prove yet.
    static let labellingPoll = 0.01
    /// The LP in dual form gets at most this share of the time left, so the MIP gets its turn.
    static let lpShare = 0.3
    /// Threads no other method uses run further Lagrangian runs with these step schedules
    /// (halvings planned over the time left), in turn; the best certified bound of all counts.
    /// Which schedule is best differs between instances (benchmarks/BOUNDS.md, "Step
    /// patience"), so a portfolio takes the best of both.
    static let spareHalvings = [LagrangianDual.shortRunHalvings]
    /// ... when the dual takes at most this many bytes (`LagrangianDual.estimatedBytes`) per run.
    static let spareMaxBytes = 2 << 30
    /// `quickBound` certifies a new best state at most once per this share of its budget...
    static let quickCertifyShare = 0.1
    /// ...and stops iterating at this share of its budget, keeping the rest for the last
    /// certificate.
    static let quickIterateShare = 0.9
}

public struct BoundOptions: Sendable {
    /// Seconds on the run's clock at which to stop.
    public var stopAt: Double
    /// Worker threads (1: methods run one after the other).
    public var threads: Int
    /// Cost of a known solution of the original problem (targets and early stop).
    public var upperBound: Int128?
    /// Reduced instances with at most this many nodes get the GLPK LP and MIP methods.
    public var glpkNodeLimit: Int
    /// Which methods to run. The LP in dual form is off by default: already on a few hundred
    /// reduced nodes GLPK takes minutes over it, while the Lagrangian method reaches the same
    /// relaxation's value in about a second (benchmarks/BOUNDS.md, "The LP method").
    public var lagrange = true
    public var lp = false
    public var mip = true
    /// Branch and bound on the LP relaxation, every branch certified (`LPBranchAndBound`), on
    /// reduced instances with at most `glpkNodeLimit` nodes.
    public var lpBranch = true
    /// The complete search on reduced instances that `ExactSearch.fits`.
    public var exact = true
    /// After an unfinished exact search: branch and bound on dual certificates
    /// (`DualBranchAndBound`) to prove the best known cost optimal.
    public var branch = true
    /// A solution of the original problem (the exact search's first incumbent), if known.
    public var solution: [Int]? = nil
    /// Seconds between diagnostic trace lines of the Lagrangian method (0: none).
    public var traceEvery = 0.0

    public init(stopAt: Double, threads: Int = 1, upperBound: Int128? = nil, glpkNodeLimit: Int = 1000) {
        self.stopAt = stopAt
        self.threads = threads
        self.upperBound = upperBound
        self.glpkNodeLimit = glpkNodeLimit
    }
}

/// Runs the bound methods on one instance until the time limit, or until the bound meets the
/// known upper bound. Keeps the best bound (`BoundKeeper`) and writes a progress line on each
/// rise (`ProgressLog`, never throttled: the bound's rises are this command's incumbents).
public final class BoundRun: Sendable {
    public let problem: Problem
    public let instance: SolverInstance
    public let options: BoundOptions
    let clock: ProcessClock
    let nonNegative: Bool
    private let bounds = Mutex(BoundKeeper())
    private let progress: ProgressLog?
    private let stopFlag = Atomic<Bool>(false)
    private let notes = Mutex<[String]>([])
    private let optimumBox = Mutex<(cost: Int128, solution: [Int])?>(nil)
    /// The cheapest assignment of the reduced instance that fits, found by the Lagrangian runs'
    /// decoded labellings (reduced units), with a serial that counts its improvements: the
    /// branch and bound follows it.
    private let labellingBox = Mutex<(x: [Int32], cost: Int128, serial: Int)?>(nil)
    /// The Lagrangian runs' best certified state, for the branch and bound's root (offered
    /// only when the branch and bound runs: `sharesState`).
    private let bestState = BestDualState()
    private var sharesState: Bool { options.branch && options.lagrange && instance.feasible && ExactSearch.fits(instance) }
    private let trace: @Sendable (String) -> Void

    /// `progress` receives a line on each rise of the bound (nil: none); `trace` the
    /// Lagrangian method's diagnostic lines.
    public init(problem: Problem, instance: SolverInstance? = nil, options: BoundOptions, clock: ProcessClock,
                progress: ProgressLog? = nil, trace: @escaping @Sendable (String) -> Void = { _ in }) {
        self.trace = trace
        self.problem = problem
        self.instance = instance ?? Reducer.reduce(problem)
        self.options = options
        self.clock = clock
        self.progress = progress
        nonNegative = problem.costsNonNegative
    }

    /// The best bound so far (original units).
    public var bound: Int128? { bounds.withLock { $0.bound } }
    /// The method that gave it ("" without a bound).
    public var method: String { bounds.withLock { $0.source } }
    /// Every rise of the bound, in order.
    public var history: [BoundEvent] { bounds.withLock { $0.history } }

    /// The optimum and an optimal solution, once the exact search has proved them.
    public var optimum: (cost: Int128, solution: [Int])? { optimumBox.withLock { $0 } }

    /// True once the bound reached the known upper bound, or the optimum is proved: nothing
    /// more can be gained.
    public var closed: Bool {
        if optimum != nil { return true }
        guard let c = options.upperBound, let b = bound else { return false }
        return b >= c
    }

    /// Offers a bound on the original problem; returns true if it raised the best one. The
    /// known upper bound is not a ceiling here: `--upper-bound` is not checked, and a valid
    /// bound above a wrong claim is still a valid bound.
    @discardableResult
    func offer(_ value: Int128, method: String) -> Bool {
        let now = clock.seconds
        let raised = bounds.withLock { $0.offer(value, source: method, at: now, cost: nil) } == .raised
        if raised {
            progress?.write(at: now, force: true, source: method) { (options.upperBound, value) }
        }
        return raised
    }

    /// Lines describing what each method did (for the final report).
    public var methodNotes: [String] { notes.withLock { $0 } }

    func note(_ s: String) { notes.withLock { $0.append(s) } }

    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    var shouldStop: Bool {
        stopFlag.load(ordering: .relaxed) || clock.seconds >= options.stopAt || closed
    }

    /// A proved optimum (original units) with its solution: kept as `optimum` and offered as
    /// the bound.
    private func proved(_ cost: Int128, _ solution: [Int], method: String) {
        optimumBox.withLock { $0 = (cost, solution) }
        offer(cost, method: method)
    }

    /// Offers a bound on the reduced instance (without the constant and offset).
    func offerReduced(_ reduced: Int128, method: String) {
        if let b = originalBound(instance, reducedBound: reduced, nonNegative: nonNegative) {
            offer(b, method: method)
        }
    }

    /// The reduced problem's known upper bound (for targets), if any.
    var reducedUpperBound: Int128? {
        options.upperBound.map { $0 - instance.base }
    }

    /// Runs until the time limit; returns the best bound (original units).
    @discardableResult
    public func run() -> Int128? {
        let inst = instance
        if inst.nodeCount == 0 {
            // Everything was fixed by the reductions: their one solution is optimal. Its cost by
            // the evaluator is the optimum (the constant alone counts infinite terms in the
            // reduced unit, 1e15, not 1e18).
            if let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: []) {
                proved(cost, solution, method: "reduction")
            } else {
                offerReduced(0, method: "reduction")
            }
            return bound
        }
        let fitsProof = inst.feasible && ExactSearch.fits(inst)
        let exact = options.exact && fitsProof
        let branch = options.branch && fitsProof
        var jobs: [@Sendable () -> Void] = []
        if options.lagrange { jobs.append { [self] in runLagrange() } }
        let small = inst.nodeCount <= options.glpkNodeLimit
        let glpk = small && (options.lp || options.mip)
        // The exact search first, for a share of the time (when it can complete at all, it
        // does in well under a second: benchmarks/EXACT.md); GLPK after it on the same thread,
        // since GLPK's root LP does not look at the stop request for seconds.
        let exactShareEnd = clock.seconds + Timing.exactShare * max(0, options.stopAt - clock.seconds)
        // The dual branch and bound after it, on the same thread, from the exact search's best.
        // The branch and bound on the LP to the end: its branches' bounds are exact LP optima,
        // which close what the dual's branches leave open. With more than one thread it runs
        // beside the dual branches on a thread of its own (each proves, within the time,
        // instances the other does not: benchmarks/EXACT.md, "The LP search beside the dual
        // branches"); with one, after them.
        let lpBranch = options.lpBranch && small && inst.feasible
        if (exact || branch || lpBranch) && options.threads > 1 {
            jobs.append { [self] in
                let found = exact ? runExact(until: exactShareEnd) : nil
                let lpDone = DispatchSemaphore(value: 0)
                let lpBeside = lpBranch && !shouldStop
                if lpBeside {
                    DetachedThread.start { [self] in
                        runLPBranch(until: options.stopAt, incumbent: found)
                        lpDone.signal()
                    }
                }
                if branch && !shouldStop { runBranch(until: branchEnd(), incumbent: found) }
                if lpBeside { lpDone.wait() }
                if glpk && !shouldStop { runGLPK() }
            }
        } else {
            let found = exact ? runExact(until: exactShareEnd) : nil
            if closed { return bound }
            if branch {
                runBranch(until: branchEnd(beforeLP: lpBranch), incumbent: found)
                if closed { return bound }
            }
            if lpBranch {
                runLPBranch(until: branchEnd(), incumbent: found)
                if closed { return bound }
            }
            if glpk { jobs.append { [self] in runGLPK() } }
        }
        // Spare threads: more Lagrangian runs with other step schedules.
        if options.lagrange && LagrangianDual.estimatedBytes(inst) <= Timing.spareMaxBytes {
            for i in 0 ..< max(0, options.threads - jobs.count) {
                let halvings = Timing.spareHalvings[i % Timing.spareHalvings.count]
                jobs.append { [self] in runLagrange(halvings: halvings) }
            }
        }
        if options.threads <= 1 || jobs.count <= 1 {
            // One after the other: a short Lagrangian phase first, then the rest.
            if jobs.count > 1, options.lagrange {
                let share = (options.stopAt - clock.seconds) * Timing.firstLagrangeShare
                runLagrange(until: clock.seconds + share)
                for job in jobs.dropFirst() { job() }
                if !shouldStop { runLagrange() }
            } else {
                for job in jobs { job() }
            }
        } else {
            let group = DispatchGroup()
            for job in jobs {
                group.enter()
                DispatchQueue.global().async {
                    job()
                    group.leave()
                }
            }
            group.wait()
        }
        return bound
    }

    // MARK: - Methods

    /// Lagrangian + message passing until `until` (default: the stop time), the step halving
    /// `halvings` times over the time left.
    func runLagrange(until: Double? = nil, halvings: Double = LagrangianDual.boundRunHalvings) {
        let end = until ?? options.stopAt
        let dual = LagrangianDual(instance)
        if let ub = reducedUpperBound { dual.target = Double(ub) }
        let started = clock.seconds
        var lastCertify = clock.seconds
        var certifySeconds = 0.0, passSeconds = 0.0, stepSeconds = 0.0
        var lastTrace = clock.seconds
        var stall = PolishOnStall(started: started)
        var convergence = RiseWindow(window: Timing.convergenceWindow, tolerance: Timing.convergenceTolerance)
        var offeredLabelling = Int128.max
        while !shouldStop && clock.seconds < end {
            let t0 = clock.seconds
            dual.iterate()
            let t1 = clock.seconds
            passSeconds += t1 - t0
            stall.check(dual, now: t1)
            if dual.iterations % Timing.patienceInterval == 0 {
                let rate = Double(dual.iterations) / max(Timing.minimumElapsed, t1 - started)
                dual.patience = LagrangianDual.patience(iterationsPerSecond: rate, secondsLeft: end - t1,
                                                        halvings: halvings)
            }
            // Certify states that beat the last certified estimate.
            if !dual.bestStateCertified && (certifySeconds <= Timing.certifyShare * passSeconds
                                            || t1 - lastCertify > Timing.certifyAtLeastEvery) {
                if let b = dual.certifyBest() {
                    offerReduced(b, method: "lagrange")
                    if sharesState { bestState.offer(dual.bestState, bound: b) }
                }
                lastCertify = clock.seconds
                certifySeconds += lastCertify - t1
            }
            if options.traceEvery > 0 && t1 - lastTrace >= options.traceEvery {
                lastTrace = t1
                trace(dual.traceLine(constant: instance.constant))
            }
            if !instance.hasMemory, convergence.check(iteration: dual.iterations, best: dual.bestEstimate)?.flat == true {
                break
            }
            if let x = dual.bestLabelling, let c = dual.bestLabellingCost, c < offeredLabelling {
                offeredLabelling = c
                labellingBox.withLock { box in
                    if box == nil || c < box!.cost { box = (x, c, (box?.serial ?? 0) + 1) }
                }
            }
            let t2 = clock.seconds
            dual.stepMultipliers()
            stepSeconds += clock.seconds - t2
        }
        if !dual.bestStateCertified, let b = dual.certifyBest() { offerReduced(b, method: "lagrange") }
        note("lagrange (\(Int(halvings)) halvings): \(dual.iterations) iterations, \(dual.polishes) polishes adding \(formatFixed(dual.polishGain, 0)) (\(formatFixed(passSeconds, 1)) s passes, \(formatFixed(stepSeconds, 1)) s multiplier steps, \(formatFixed(certifySeconds, 1)) s certificates), best estimate \(formatFixed(dual.bestEstimate + Double(instance.base), 1))")
    }

    /// When the branch and bound after the exact search stops: after `branchShare` of the
    /// time left.
    func branchEnd(beforeLP: Bool = false) -> Double {
        let left = max(0, options.stopAt - clock.seconds)
        let share = beforeLP ? max(Timing.branchShareBeforeLP * left, min(Timing.branchShare * left, Timing.branchSecondsBeforeLP))
            : Timing.branchShare * left
        return clock.seconds + share
    }

    /// The complete search until `until`: on completion the optimum becomes the bound and the
    /// run stops. Starts from `options.solution` when it is given. Returns the cheapest
    /// assignment it knows when it stops unproved.
    @discardableResult
    func runExact(until: Double) -> ExactSolution? {
        let inst = instance
        let t0 = clock.seconds
        let result = ExactSearch(inst).run(incumbent: options.solution.flatMap { inst.presolve($0) },
                                           deadline: until, clock: clock, stop: { [self] in shouldStop })
        let seconds = formatFixed(clock.seconds - t0, 2)
        switch result {
        case .optimal(let x, _):
            if let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: x) {
                proved(cost, solution, method: "exact")
                note("exact: optimum \(cost) proved in \(seconds) s")
                requestStop()
            } else {
                note("exact: the reduced optimum proved in \(seconds) s says nothing of the original (costs not known to be non-negative)")
            }
        case .infeasible:
            note("exact: no assignment of the reduced instance fits the memory (\(seconds) s)")
        case .unknown(let found, let nodes):
            note("exact: stopped after \(nodes) search nodes, \(seconds) s, nothing proved")
            return found
        }
        return nil
    }

    /// The cost a branch and bound sets out to prove optimal (reduced units), and an assignment
    /// of that cost when one is in hand: `incumbent` (the exact search's best), the given
    /// solution or the known upper bound, whichever is least, else the Lagrangian runs' first
    /// feasible labelling (awaited until `until`). Nil, with a note, when there is none or it
    /// holds an infinite term: the dual's optimiser caps infinite terms, so certificates
    /// cannot separate such costs.
    func costToProve(until: Double, incumbent: ExactSolution?, method: String) -> (Int128, [Int32]?)? {
        let inst = instance
        var u = incumbent.map { $0.cost - inst.base }
        var x = incumbent?.x
        if x == nil, let given = options.solution.flatMap({ inst.presolve($0) }), SearchState.fits(inst, given) {
            x = given
            u = inst.storedCost(given)
        }
        if let claimed = reducedUpperBound, u == nil || claimed < u! {
            u = claimed
            x = nil
        }
        // Without any known cost, the Lagrangian runs' first feasible labelling is awaited
        // (they decode one every few iterations).
        while u == nil && options.lagrange && options.threads > 1 && labellingBox.withLock({ $0 }) == nil
                && !shouldStop && clock.seconds < until {
            usleep(useconds_t(Timing.labellingPoll * 1e6))
        }
        if let box = labellingBox.withLock({ $0 }), u == nil || box.cost < u! {
            u = box.cost
            x = box.x
        }
        guard let u else {
            note("\(method): no known cost to prove")
            return nil
        }
        guard u < Int128(inst.infiniteUnit) else {
            note("\(method): the known cost holds an infinite term; not tried")
            return nil
        }
        return (u, x)
    }

    /// The branch and bound on dual certificates (`DualBranchAndBound`) until `until`, to prove
    /// that nothing costs less than the best known cost: `incumbent` (the exact search's best),
    /// the given solution or the known upper bound, and then whatever cheaper labelling the
    /// Lagrangian runs find. On completion that cost is the bound, and the optimum when an
    /// assignment of that cost is in hand.
    func runBranch(until: Double, incumbent: ExactSolution?) {
        let inst = instance
        guard let (u, x) = costToProve(until: until, incumbent: incumbent, method: "branch") else { return }
        let t0 = clock.seconds
        let search = DualBranchAndBound(inst)
        // The root starts from the runs' best state: it is far ahead of what the root's own
        // few hundred iterations reach.
        let result = search.run(upperBound: u, incumbent: x, rootState: bestState.state, deadline: until, clock: clock,
                                stop: { [self] in shouldStop },
                                incumbentFeed: labellingFeed())
        let seconds = formatFixed(clock.seconds - t0, 2)
        switch result {
        case .complete(let lower, let best):
            if let best, inst.storedCost(best) == lower,
               let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: best) {
                proved(cost, solution, method: "branch")
                note("branch: optimum \(cost) proved in \(seconds) s, \(search.branches) branches")
                requestStop()
            } else {
                offerReduced(lower, method: "branch")
                note("branch: nothing costs less than \(lower + inst.base) (\(seconds) s, \(search.branches) branches)")
            }
        case .stopped(let branches, let lower):
            if let lower {
                offerReduced(lower, method: "branch")
                note("branch: stopped after \(branches) branches, \(seconds) s; the open branches cost at least \(lower + inst.base)")
            } else {
                note("branch: stopped after \(branches) branches, \(seconds) s, nothing proved")
            }
        }
    }

    /// The Lagrangian runs' best feasible labelling and its cost, once per improvement: the
    /// branch and bounds lower their U to it.
    func labellingFeed() -> () -> (x: [Int32], cost: Int128)? {
        var seen = 0
        return { [self] in
            guard let box = labellingBox.withLock({ $0 }), box.serial != seen else { return nil }
            seen = box.serial
            return (box.x, box.cost)
        }
    }

    /// The branch and bound on the LP relaxation (`LPBranchAndBound`) until `until`, to prove
    /// that nothing costs less than the best known cost (`costToProve`); each rise of its
    /// certified bound is offered as it comes. On completion that cost is the bound, and the
    /// optimum when an assignment of that cost is in hand.
    func runLPBranch(until: Double, incumbent: ExactSolution?) {
        let inst = instance
        guard let (u, x) = costToProve(until: until, incumbent: incumbent, method: "lpbranch") else { return }
        let t0 = clock.seconds
        let search = LPBranchAndBound(inst)
        let traceLine: ((String) -> Void)? = options.traceEvery > 0 ? { [self] line in trace(line) } : nil
        let result = search.run(upperBound: u, incumbent: x, deadline: until, now: { clock.seconds },
                                stop: { [self] in shouldStop },
                                incumbentFeed: labellingFeed(),
                                onBound: { [self] b in offerReduced(b, method: "lpbranch") },
                                trace: traceLine)
        GLPKEnvironment.releaseCurrentThread()
        let seconds = formatFixed(clock.seconds - t0, 2)
        let root = search.statistics(base: inst.base)
        switch result {
        case .complete(let lower, let best):
            if let best, inst.storedCost(best) == lower,
               let (cost, solution) = originalOptimum(problem, inst, reducedOptimum: best) {
                proved(cost, solution, method: "lpbranch")
                note("lpbranch: optimum \(cost) proved in \(seconds) s (\(root)\(search.branches) branches)")
                requestStop()
            } else {
                offerReduced(lower, method: "lpbranch")
                note("lpbranch: nothing costs less than \(lower + inst.base) (\(seconds) s, \(root)\(search.branches) branches)")
            }
        case .stopped(let lower, _):
            if let lower {
                offerReduced(lower, method: "lpbranch")
                note("lpbranch: stopped after \(seconds) s (\(root)\(search.branches) branches); the open branches cost at least \(lower + inst.base)")
            } else {
                note("lpbranch: stopped after \(seconds) s before the root LP was solved")
            }
        case .failed(let why):
            note("lpbranch: \(why)")
        }
    }

    /// GLPK: the LP relaxation in dual form (certified), then the MIP (trusted with a margin).
    func runGLPK() {
        if options.lp && !shouldStop {
            let layout = DualLayout(instance)
            let r = LPDualBound.solve(instance, layout, timeLimit: Timing.lpShare * (options.stopAt - clock.seconds))
            var text = "lp: \(r.status), \(r.columns) columns, \(r.rows) rows, \(formatFixed(r.seconds, 1)) s"
            if let point = r.point, let b = DualCertificate.evaluate(instance, layout, point) {
                offerReduced(b, method: "lp")
                text += ", certified \(b + instance.base)"
            }
            note(text)
        }
        if options.mip && !shouldStop {
            let r = MIPBound.solve(instance, timeLimit: options.stopAt - clock.seconds,
                                   upperBound: reducedUpperBound, stop: { [self] in shouldStop })
            if let b = r.bound { offerReduced(b, method: "mip") }
            note("mip: \(r.status), \(formatFixed(r.seconds, 1)) s\(r.bound.map { ", bound after margin \($0 + instance.base)" } ?? "")")
        }
        GLPKEnvironment.releaseCurrentThread()
    }
}

/// The solve's extra bound thread (`quickBound`) is skipped above this
/// `LagrangianDual.estimatedBytes`. 1 GiB, half of the dual phase's cap (`DualPrimal.maxBytes`):
/// it runs beside every search worker and only adds a bound and gap to the report.
let quickBoundMaxBytes = 1 << 30

/// A lower bound on the ORIGINAL problem's optimum from the reduced instance, within about
/// `seconds` of work (Lagrangian relaxation + message passing, certified exactly); nil when
/// nothing valid could be said. The original costs are assumed non-negative, as in every
/// contest instance (pass `costsNonNegative: false` otherwise, which disables the bound).
/// `stop` ends the work early, and `onBound` sees every improvement as soon as it is
/// certified. (No incumbent cost as the step target: early incumbents carry infinite terms
/// or are far from the optimum, and such a target makes the first steps far too long.)
@discardableResult
public func quickBound(_ inst: SolverInstance, seconds: Double, costsNonNegative: Bool = true,
                       stop: () -> Bool = { false },
                       onBound: (Int128) -> Void = { _ in }) -> Int128? {
    guard costsNonNegative else { return nil }
    if inst.nodeCount == 0 {
        let b = originalBound(inst, reducedBound: 0, nonNegative: true)
        if let b { onBound(b) }
        return b
    }
    let start = MonotonicClock.seconds()
    let dual = LagrangianDual(inst)
    var best: Int128? = nil
    func consider(_ reduced: Int128?) {
        guard let r = reduced else { return }
        if let b = best, r <= b { return }
        best = r
        if let b = originalBound(inst, reducedBound: r, nonNegative: true) { onBound(b) }
    }
    var lastCertify = start
    repeat {
        dual.iterate()
        let now = MonotonicClock.seconds()
        if dual.iterations % Timing.patienceInterval == 0 {
            let rate = Double(dual.iterations) / max(Timing.minimumElapsed, now - start)
            dual.patience = LagrangianDual.patience(iterationsPerSecond: rate, secondsLeft: start + seconds - now,
                                                    halvings: LagrangianDual.shortRunHalvings)
        }
        if !dual.bestStateCertified && (now - lastCertify > Timing.quickCertifyShare * seconds || best == nil) {
            consider(dual.certifyBest())
            lastCertify = MonotonicClock.seconds()
        }
        dual.stepMultipliers()
    } while MonotonicClock.seconds() - start < seconds * Timing.quickIterateShare && !stop()
    if !dual.bestStateCertified { consider(dual.certifyBest()) }
    return best.flatMap { originalBound(inst, reducedBound: $0, nonNegative: true) }
}
