/// The tuning constants of a search worker (`Worker`), each with the reason for its value.
/// The measurements behind them are in benchmarks/LNS.md ("Constants of the worker and why").
/// "Odds n" below means a chance of 1 in n (`rng.below(n) == 0`).
enum WorkerTuning {
    // MARK: Seeds

    /// Spreads the run's seed over the workers (the 64-bit golden ratio, as in SplitMix64).
    static let seedMultiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Separates the worker's own generator from the one its `LocalSearch` seeds with the same seed.
    static let rngSalt: UInt64 = 0xABCD

    // MARK: Offers, stop checks and published counters

    /// Seconds between two offers of improvements to the store (offers evaluate the whole solution).
    static let offerInterval = 0.2
    /// In the last this many seconds before the stop every improvement is offered at once: a
    /// held-back one could miss the answer.
    static let unthrottledSeconds = 1.0
    /// `budgetLeft()` looks at the clock and the stop flag on every 16th call (a power of two).
    static let stopCheckInterval = 16
    /// ... and publishes the worker's counters on every 4096th call (a power of two).
    static let statsInterval = 4096

    // MARK: Block moves

    /// Nodes with more neighbours are hubs: they move only as a star with all their neighbours,
    /// elimination balls skip them, and the root tournament counts only their unary cost.
    static let hubDegree = 64
    /// Odds of a hub star move per step, when the instance has hubs.
    static let hubMoveOdds = 20
    /// Work allowance of a hub star's tree move (its dynamic program is wide).
    static let hubMoveWork = 4_000_000
    /// Odds of a tree move (the other steps are elimination moves).
    static let treeMoveOdds = 2
    /// Least size of a tree move.
    static let treeSizeMin = 4
    /// Odds of a large tree move; its extra size is drawn below `largeTreeSpread`, else below `treeSpread`.
    static let largeTreeOdds = 4
    static let largeTreeSpread = 400
    static let treeSpread = 60
    /// First target size of an elimination ball; it adapts between the floor and the ceiling.
    static let eliminationSizeStart = 16.0
    static let eliminationSizeFloor = 4.0
    static let eliminationSizeCeiling = 150.0
    /// Least size of an elimination ball.
    static let eliminationSizeMin = 2
    /// A ball's size is the current target times a uniform draw in [low, low + 1).
    static let eliminationSizeJitterLow = 0.5
    /// The target shrinks after a ball too wide to eliminate, and grows slowly otherwise.
    static let eliminationShrink = 0.97
    static let eliminationGrow = 1.01

    // MARK: Roots and kicks

    /// Odds that a step's root is a uniform random node instead of a tournament's winner.
    static let randomRootOdds = 3
    /// Nodes drawn besides the first in a root tournament (the largest local cost wins).
    static let tournamentSize = 3
    /// A kick randomises a connected region of `kickSizeMin` + below `kickSizeSpread` nodes...
    static let kickSizeMin = 3
    static let kickSizeSpread = 12
    /// ... and then polishes each of its nodes with a tree move of this size.
    static let kickTreeSize = 30
    /// Steps without improvement before a kick: half the nodes, within these bounds.
    static let patienceMin = 200
    static let patienceMax = 3000
    static let patienceNodeDivisor = 2
    /// Odds, when a stagnation finds no better phase best, of going back to the phase's best.
    static let restartOdds = 2
    /// Odds, on such a restart in a hard phase, of restarting from the store's best instead
    /// when it beats the phase's best.
    static let restartFromSharedOdds = 2

    // MARK: Phases

    /// Least number of steps of a phase under a work limit.
    static let phaseMinIterations = 64
    /// Under a time limit, the clock is read every 16th step of a phase (a power of two).
    static let clockCheckInterval = 16
    /// The GLPK neighbourhoods are considered on every 64th step of a hard phase (a power of two).
    static let lnsCheckInterval = 64
    /// Odds that a hard-memory (odd) worker runs a soft phase in a cycle after its second.
    static let softPhaseOdds = 3
    /// Cycles counted as early: longer soft phases with more kicks, and no switch to the store's best.
    static let earlyCycles = 2
    /// Odds that a soft phase after the early cycles continues from the store's best (when it
    /// beats the worker's own).
    static let adoptSharedOdds = 2
    /// A worst overload (excess / capacity) above this is far from fitting: the weights rise
    /// fast, soft phases stay short and the price-learning workers skip the hard polish.
    static let farOverload = 0.1
    /// Shares of the remaining budget: a soft phase while the prices are far off, an early
    /// soft phase, a later one, and a price-learning worker's hard polish.
    static let convergingSoftShare = 0.1
    static let earlySoftShare = 0.15
    static let softShare = 0.08
    static let hardShare = 0.12
    /// Stagnations (kicks) per phase: early soft phases, later soft phases, the price-learning
    /// workers' hard polish, and the hard phases of the other workers.
    static let earlySoftKicks = 2
    static let softKicks = 1
    static let polishKicks = 1
    static let hardKicks = 4

    // MARK: Memory weights (soft phases)

    /// Weight factors of the nodes in overloaded cliques: far over the limit, close to it.
    static let weightRiseFar = 4.0
    static let weightRiseNear = 1.5
    /// Weight factor of the other nodes.
    static let weightDecay = 0.8
    /// The base weight is this share of the median ratio of a node's cost spread to its usage spread...
    static let baseWeightScale = 0.1
    /// ... at least this (a positive price) ...
    static let baseWeightFloor = 1e-12
    /// ... or this when no node has both spreads.
    static let baseWeightFallback = 1e-6

    // MARK: Stalls

    /// The search has stalled when the store's best has not improved for this share of the
    /// time the run was given (`SolverRun.span`, `SolverRun.stalled`). Then the GLPK neighbourhoods get more
    /// time and longer solves, and workers without them (worker 0) solve them too.
    static let stallShare = 0.06
    /// While stalled, GLPK neighbourhoods may take this share of a worker's search time...
    static let stallLNSShare = 0.7
    /// ... and each solve this multiple of its usual time limit.
    static let stallTimeFactor = 3.0
    /// Step halvings the dual phase plans over its time left (`LagrangianDual.patience`): as
    /// many as `iopddl bound`'s runs, so that the multipliers settle within the phase's first
    /// minute on S, where 12 kept the step at full size for half the phase (benchmarks/
    /// LNS.md, "The dual phase's step with 60 planned halvings, alone").
    static let dualPhaseHalvings = LagrangianDual.boundRunHalvings
    /// Worker 0's dual phase yields to the other phases (`Worker.DualPhase.yields`) when it
    /// has not improved the worker's best to near the run's best for this share of the time
    /// the run was given (`SolverRun.span`)...
    static let dualYieldShare = 0.1
    /// ... none of its polished labellings since came within this share of the run's best
    /// (on M they stay within 0.1-1.5% of it, on K 18-60% above: benchmarks/LNS.md, "Stalls")...
    static let dualYieldMargin = 0.01
    /// ... and its multipliers have settled: the step scale has halved to at most this (four
    /// halvings; at five, K's prices reached its search after a quarter of its timeout:
    /// benchmarks/LNS.md, "The dual phase yields once its multipliers have settled").
    static let dualYieldStepScale = 1.0 / 16
    /// ... on reduced instances with more nodes than this: on smaller ones its certified
    /// bound is worth the time (proofs), and the search is cheap.
    static let dualYieldMinNodes = 2000
    /// On reduced instances with at most this many nodes a stalled dual polishes its best
    /// state. Without it the dual of a G-shaped instance at a tight limit never recovered
    /// from one step that threw its multipliers off (bound 202,652 instead of 205,6xx); on S
    /// the polish slowed the multipliers that its search waits for (benchmarks/BOUNDS.md,
    /// "The solve's dual polishes when it stalls").
    static let dualPolishMaxNodes = 2000
    /// On larger ones the phase's best state is polished once at its end, for at most this
    /// share of the run's span (`Worker.finalPolish`).
    static let finalPolishShare = 0.02

    /// Polished dual labellings with at most this many infinite terms are repaired by GLPK
    /// windows when their finite part beats the worker's best (`Worker.repairIfPromising`)...
    static let repairMaxInfinite: Int128 = 64
    /// ... with at most this many solves that remove no infinite term, within this many of
    /// the LNS windows' usual time limit (`NeighbourhoodSearch.windowTimeLimit`), the first
    /// window of this many free nodes (`NeighbourhoodSearch.repairInfinite`).
    static let repairRounds = 6
    static let repairFirstSize = 150

    // MARK: Worker 0's dual phase

    /// Labellings further over the limit (worst overload) than this are not worth repairing...
    static let dualOverloadLimit = 0.02
    /// ... unless this many fresh ones in a row were skipped: with slowly decaying steps the
    /// multipliers can oscillate for the whole phase without one within the limit.
    static let maxSkippedLabellings = 5
    /// Work of one dual iteration, counted against the work limit, in steps.
    static let dualIterationWork = 50
    /// Certification of the dual's best state takes at most this share of the dual's time...
    static let certifyTimeShare = 0.1
    /// ... or, under a work limit (deterministic), runs every this many dual iterations.
    static let certifyInterval = 50
    /// Polishing may run ahead of the dual iterations' time by at most this many seconds.
    static let polishLeadSeconds = 1.0
    /// The step's patience (`LagrangianDual.patience`) is set anew every this many dual
    /// iterations.
    static let patienceUpdateInterval = 10
    /// Share of the gap within which the dual's reduced costs keep a strategy in the first
    /// restricted model; it adapts between the least share and 1.
    static let restrictedShareStart = 0.02
    static let restrictedShareMin = 1e-4
    /// The share halves when the model is too large or times out and grows by this factor
    /// when it is solved without an improvement.
    static let restrictedShareGrowth = 3.0
    /// Below this share the whole restricted model has proved too large: from then on only
    /// the hints are published, every `restrictedHintInterval` dual iterations.
    static let restrictedShareSmall = 1e-3
    /// Restricted solves run every this many dual iterations while the model may fit...
    static let restrictedInterval = 20
    /// ... and take at most this share of the phase's time so far.
    static let restrictedTimeShare = 0.3
    static let restrictedHintInterval = 100
    /// One restricted solve's time limit: this share of the time left, and at most the
    /// larger of `restrictedSolveMinSeconds` and `restrictedSolvePhaseShare` of the phase so far.
    static let restrictedSolveRestShare = 0.1
    static let restrictedSolveMinSeconds = 1.0
    static let restrictedSolvePhaseShare = 0.3
    /// Restricted whole-instance models above this many columns are not built (GLPK takes
    /// several seconds on models this large).
    static let restrictedColumns = 40_000
}
