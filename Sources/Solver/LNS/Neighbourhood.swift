/// The kinds of neighbourhoods, in the order of the statistics tables.
enum NeighbourhoodKind: Int, CaseIterable, Sendable {
    /// A breadth-first ball around an expensive edge or node of the incumbent.
    case costBall
    /// The variable-usage nodes live in a window of consecutive cliques around a tight clique.
    case peakWindow
    /// Nodes linked by edges with infinite entries (pairwise incompatibilities), grown
    /// breadth-first along such edges first.
    case infiniteCluster
    /// A random connected region: grown from a random node by adding a random frontier node.
    case randomRegion
    /// A region around a node whose current strategy the Lagrangian dual prices highest,
    /// restricted to the strategies of small reduced cost (worker 0's `DualHints`) and sized
    /// in model columns, so it holds several times more nodes than an unrestricted one.
    case dualRegion
    /// Solution merging: a window of consecutive nodes where some good solutions of the
    /// `ElitePool` differ from the incumbent, each free to take the strategies those solutions
    /// use there (and its current one).
    case merge

    var name: String {
        switch self {
        case .costBall: "cost-ball"
        case .peakWindow: "peak-window"
        case .infiniteCluster: "inf-cluster"
        case .randomRegion: "random"
        case .dualRegion: "dual-region"
        case .merge: "merge"
        }
    }
}

/// A subproblem for the exact solver, as a generator describes it: the free nodes (every other
/// node stays at the incumbent) and, optionally, the strategies they may take.
struct Neighbourhood {
    var free: [Int32]
    /// Per instance strategy slot, whether it may be chosen; nil: all. A free node's current
    /// strategy is always allowed by the solver.
    var mask: [Bool]? = nil
}
