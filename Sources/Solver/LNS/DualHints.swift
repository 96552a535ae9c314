import Synchronization

/// The Lagrangian dual's latest reduced costs, published by worker 0 for the other workers'
/// `dualRegion` neighbourhoods. Thread-safe.
final class DualHints: Sendable {
    struct Hint: Sendable {
        /// The dual value (reduced units) the reduced costs are relative to.
        var dual: Double
        /// Per strategy slot (`LagrangianDual.reducedCosts`).
        var reducedCost: [Double]
    }

    private let box = Mutex<Hint?>(nil)

    var current: Hint? { box.withLock { $0 } }

    func publish(_ hint: Hint) { box.withLock { $0 = hint } }
}
