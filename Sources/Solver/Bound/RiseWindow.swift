/// Whether a best value that only rises has stopped rising: its rise over each window of
/// `window` iterations, measured from a mark, against `tolerance` times its size. Used for a
/// polish of the dual (`LagrangianDual.checkPolish`) and for plain message passing without
/// memory rows (`BoundRun.runLagrange`), which can rise slowly for tens of thousands of
/// iterations on instances with many infinite entries (benchmarks/BOUNDS.md, "A's pairwise
/// part had not converged"), so a flat whole window is what counts, not one quiet iteration.
struct RiseWindow {
    let window: Int
    let tolerance: Double
    private var mark: (iteration: Int, best: Double)

    /// The first window ends `window` iterations after `iteration`; with the default mark
    /// (no value yet) it only sets the mark.
    init(window: Int, tolerance: Double, from iteration: Int = 0, best: Double = -.infinity) {
        self.window = window
        self.tolerance = tolerance
        mark = (iteration, best)
    }

    /// Call after each iteration with the iteration count and the best value so far. Nil until
    /// a window has passed since the mark; then the rise over it and whether that rise was
    /// below the tolerance (`flat`; never when either end is not finite), and the mark moves on.
    mutating func check(iteration: Int, best: Double) -> (rise: Double, flat: Bool)? {
        guard iteration - mark.iteration >= window else { return nil }
        defer { mark = (iteration, best) }
        let rise = best - mark.best
        let flat = mark.best.isFinite && best.isFinite && rise < tolerance * max(1, abs(best))
        return (rise, flat)
    }
}

/// Polishes a Lagrangian run's best state (`LagrangianDual.startPolish`) when its best
/// estimate has not risen for `share` of the run's time so far, and at least `seconds`; the
/// stall clock restarts after each polish. Besides its own gain (benchmarks/BOUNDS.md,
/// "polishing the best state"), the polish is how a run gets back from a step that threw its
/// multipliers far off. Used by `iopddl bound`'s runs and by the solve's dual phase.
struct PolishOnStall {
    static let share = 0.2
    static let seconds = 2.0
    let started: Double
    private var best = -Double.infinity
    private var lastRise: Double

    init(started: Double) {
        self.started = started
        lastRise = started
    }

    /// Call after each iteration, with the time on the run's clock.
    mutating func check(_ dual: LagrangianDual, now: Double) {
        if dual.bestEstimate > best || dual.polishing {
            best = dual.bestEstimate
            lastRise = now
        } else if now - lastRise > max(Self.seconds, Self.share * (now - started)) {
            dual.startPolish()
            lastRise = now
        }
    }
}
