import Model

/// Model's generator, for the files of this module that do not import Model.
typealias SeededRNG = Model.SeededRNG
