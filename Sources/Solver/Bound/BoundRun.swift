import Dispatch
import GLPK
import Model
import Synchronization

// Lower bounds on the optimum of an instance: `BoundRun` (the `iopddl bound` command) and
// `quickBound` (for the solve driver). Every reported value is a valid lower bound of the
// ORIGINAL problem's optimum:
// - "lagrange": Lagrangian relaxation of the clique rows + message passing (`BoundDual.swift`),
//   certified exactly in Int128 (`BoundCertificate.swift`).
// - "lp" (opt-in): the LP relaxation (local polytope + clique rows) solved by GLPK in its dual
//   form; the dual solution is certified exactly like the Lagrangian one (`BoundLP.swift`).
// - "mip": GLPK's branch-and-cut on the whole reduced instance (`BoundMIP.swift`). GLPK's claims
//   are only trusted up to a safety margin (see there); this is the one method whose value rests
//   on GLPK's tolerances rather than on an exact certificate.
// A bound on the reduced instance becomes one on the original through `originalBound`.

/// One improvement of the bound.
public struct BoundEvent: Sendable {
    /// Seconds on the run's clock.
    public var seconds: Double
    /// Lower bound on the original problem's optimum.
    public var bound: Int128
    public var method: String
}

/// Keeps the best bound; it only ever rises. Thread-safe.
public final class BoundTracker: Sendable {
    private struct State {
        var bound: Int128?
        var method = ""
        var history: [BoundEvent] = []
    }

    private let state = Mutex(State())
    private let clock: ProcessClock
    private let onImprove: @Sendable (BoundEvent) -> Void
    /// A proven optimum value: once the bound reaches it nothing more can be gained.
    private let ceiling: Int128?

    public init(clock: ProcessClock, ceiling: Int128? = nil, onImprove: @escaping @Sendable (BoundEvent) -> Void = { _ in }) {
        self.clock = clock
        self.ceiling = ceiling
        self.onImprove = onImprove
    }

    /// Offers a bound; returns true if it raised the best one.
    @discardableResult
    public func offer(_ bound: Int128, method: String) -> Bool {
        let event = BoundEvent(seconds: clock.seconds, bound: bound, method: method)
        let raised: Bool = state.withLock { s in
            if let b = s.bound, bound <= b { return false }
            s.bound = bound
            s.method = method
            s.history.append(event)
            return true
        }
        if raised { onImprove(event) }
        return raised
    }

    public var bound: Int128? { state.withLock { $0.bound } }
    public var method: String { state.withLock { $0.method } }
    public var history: [BoundEvent] { state.withLock { $0.history } }

    /// True once the bound reached the ceiling (the cost of a known solution).
    public var closed: Bool {
        guard let c = ceiling, let b = bound else { return false }
        return b >= c
    }
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
    /// Which methods to run. The LP in dual form is off by default: on B (325 reduced nodes)
    /// it has 102k rows and GLPK does not finish it in 100 s, while the Lagrangian method
    /// reaches the same relaxation's value and more in about a second.
    public var lagrange = true
    public var lp = false
    public var mip = true
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
/// known upper bound.
public final class BoundRun: Sendable {
    public let problem: Problem
    public let instance: SolverInstance
    public let options: BoundOptions
    public let tracker: BoundTracker
    let clock: ProcessClock
    let nonNegative: Bool
    private let stopFlag = Atomic<Bool>(false)
    private let notes = Mutex<[String]>([])
    private let trace: @Sendable (String) -> Void

    public init(problem: Problem, instance: SolverInstance? = nil, options: BoundOptions, clock: ProcessClock,
                trace: @escaping @Sendable (String) -> Void = { _ in },
                onImprove: @escaping @Sendable (BoundEvent) -> Void = { _ in }) {
        self.trace = trace
        self.problem = problem
        self.instance = instance ?? Reducer.reduce(problem)
        self.options = options
        self.clock = clock
        nonNegative = problem.costsNonNegative
        tracker = BoundTracker(clock: clock, ceiling: options.upperBound, onImprove: onImprove)
    }

    /// Lines describing what each method did (for the final report).
    public var methodNotes: [String] { notes.withLock { $0 } }

    func note(_ s: String) { notes.withLock { $0.append(s) } }

    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    var shouldStop: Bool {
        stopFlag.load(ordering: .relaxed) || clock.seconds >= options.stopAt || tracker.closed
    }

    /// Offers a bound on the reduced instance (without the constant and offset).
    func offerReduced(_ reduced: Int128, method: String) {
        if let b = originalBound(instance, reducedBound: reduced, nonNegative: nonNegative) {
            tracker.offer(b, method: method)
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
        if inst.n == 0 {
            // Everything was fixed by the reductions: the constant is the only solution's cost.
            offerReduced(0, method: "reduction")
            return tracker.bound
        }
        var jobs: [@Sendable () -> Void] = []
        if options.lagrange { jobs.append { [self] in runLagrange() } }
        let small = inst.n <= options.glpkNodeLimit
        if small && (options.lp || options.mip) {
            jobs.append { [self] in runGLPK() }
        }
        if options.threads <= 1 || jobs.count <= 1 {
            // One after the other: a short Lagrangian phase first, then the rest.
            if jobs.count > 1, options.lagrange {
                let share = (options.stopAt - clock.seconds) * 0.2
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
        return tracker.bound
    }

    // MARK: - Methods

    /// Lagrangian + message passing until `until` (default: the stop time).
    func runLagrange(until: Double? = nil) {
        let end = until ?? options.stopAt
        let dual = LagrangianDual(instance)
        if let ub = reducedUpperBound { dual.target = Double(ub) }
        var certifiedEstimate = -Double.infinity
        let started = clock.seconds
        var lastCertify = clock.seconds
        var certifySeconds = 0.0, passSeconds = 0.0
        var lastTrace = clock.seconds
        while !shouldStop && clock.seconds < end {
            let t0 = clock.seconds
            dual.iterate()
            let t1 = clock.seconds
            passSeconds += t1 - t0
            if dual.iterations % 10 == 0 {
                // About 60 patience periods in the iterations the time left allows
                // (IOPDDL_BOUND_TUNE=periods=P to try others; see benchmarks/BOUNDS.md).
                let rate = Double(dual.iterations) / max(1e-3, t1 - started)
                dual.patience = min(1000, max(15, Int(rate * max(0, end - t1) / dual.knob("periods", 60))))
            }
            // Certify states that beat the last certified estimate, keeping certification
            // under about 15% of the time (but at least every 5 s).
            if !dual.bestStateCertified && (certifySeconds <= 0.15 * passSeconds || t1 - lastCertify > 5) {
                if let b = dual.certifyBest() { offerReduced(b, method: "lagrange") }
                certifiedEstimate = dual.bestEstimate
                lastCertify = clock.seconds
                certifySeconds += lastCertify - t1
            }
            if options.traceEvery > 0 && t1 - lastTrace >= options.traceEvery {
                lastTrace = t1
                trace(dual.traceLine(constant: instance.constant))
            }
            if !instance.hasMemory && dual.iterations > 50 && dual.estimate <= certifiedEstimate {
                // Plain message passing has converged (it is monotone without multipliers).
                if dual.iterations > 2000 { break }
            }
            dual.stepMultipliers()
        }
        if !dual.bestStateCertified, let b = dual.certifyBest() { offerReduced(b, method: "lagrange") }
        note("lagrange: \(dual.iterations) iterations (\(formatFixed(passSeconds, 1)) s passes, \(formatFixed(certifySeconds, 1)) s certificates), best estimate \(formatFixed(dual.bestEstimate + Double(instance.base), 1))")
    }

    /// GLPK: the LP relaxation in dual form (certified), then the MIP (trusted with a margin).
    func runGLPK() {
        if options.lp && !shouldStop {
            let layout = DualLayout(instance)
            // At most 30% of the time left, so the MIP gets its turn.
            let r = LPDualBound.solve(instance, layout, timeLimit: 0.3 * (options.stopAt - clock.seconds))
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
    if inst.n == 0 {
        let b = originalBound(inst, reducedBound: 0, nonNegative: true)
        if let b { onBound(b) }
        return b
    }
    let start = ProcessClock.monotonicNow()
    let dual = LagrangianDual(inst)
    var best: Int128? = nil
    func consider(_ reduced: Int128?) {
        guard let r = reduced, best == nil || r > best! else { return }
        best = r
        if let b = originalBound(inst, reducedBound: r, nonNegative: true) { onBound(b) }
    }
    var lastCertify = start
    repeat {
        dual.iterate()
        let now = ProcessClock.monotonicNow()
        if dual.iterations % 10 == 0 {
            let rate = Double(dual.iterations) / max(1e-3, now - start)
            // About 12 halving periods in the time left (the step floor is about 2^-13), so the
            // step stays large while the multipliers still move: on G (solve's bound, 1.8 s)
            // 217039 instead of 193203 with 60 periods; K at 5 s 1469593537 instead of 1225001526.
            dual.patience = min(1000, max(15, Int(rate * max(0, start + seconds - now) / 12)))
        }
        if !dual.bestStateCertified && (now - lastCertify > 0.1 * seconds || best == nil) {
            consider(dual.certifyBest())
            lastCertify = ProcessClock.monotonicNow()
        }
        dual.stepMultipliers()
    } while ProcessClock.monotonicNow() - start < seconds * 0.9 && !stop()
    if !dual.bestStateCertified { consider(dual.certifyBest()) }
    return best.flatMap { originalBound(inst, reducedBound: $0, nonNegative: true) }
}
