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
