/// xoshiro256** seeded by SplitMix64: fast, reproducible across platforms. The one random
/// generator of the project: the solver's workers and the synthetic generator both draw from
/// it (`--seed`).
public struct SeededRNG: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The state is four successive SplitMix64 outputs from `seed`. SplitMix64's output
    /// function is a bijection and its four inputs differ, so at most one word is zero and
    /// the forbidden all-zero state cannot occur.
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix()
        s1 = splitmix()
        s2 = splitmix()
        s3 = splitmix()
    }

    /// Independent stream number `stream` of `seed` (the synthetic generator draws each part
    /// of an instance from its own stream, so changing one part leaves the others as they were).
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* SeededRNG.streamMultiplier))
    }

    /// An odd 64-bit constant (a good multiplier for Weyl sequences) spreading stream numbers.
    private static let streamMultiplier: UInt64 = 0xD1B5_4A32_D192_ED03

    @inline(__always) public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in 0 ..< n (n > 0), by multiply-shift (the high word of next() * n).
    @inline(__always) public mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in [0, 1): the top 53 bits of next().
    @inline(__always) public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
