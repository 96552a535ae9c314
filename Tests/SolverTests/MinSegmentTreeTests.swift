import Model
import XCTest
@testable import Solver

final class MinSegmentTreeTests: XCTestCase {
    /// Positions 0-4 (not a power of two: the tree pads to 8 with `Int64.max / 4`).
    func testHandMadeAddsAndRanges() {
        var t = MinSegmentTree([5, 3, 8, 1, 6])
        XCTAssertEqual(t.count, 5)
        XCTAssertEqual(t.globalMin, 1)
        XCTAssertEqual(t.min(0, 3), 3)  // min(5, 3, 8)
        XCTAssertEqual(t.min(2, 5), 1)  // min(8, 1, 6)
        XCTAssertEqual(t.min(4, 5), 6)
        XCTAssertEqual(t.min(2, 2), Int64.max / 4)  // empty range
        t.add(1, 4, 10)  // [5, 13, 18, 11, 6]
        XCTAssertEqual(t.globalMin, 5)
        XCTAssertEqual(t.min(1, 4), 11)  // min(13, 18, 11)
        XCTAssertEqual(t.min(1, 5), 6)  // min(13, 18, 11, 6)
        XCTAssertEqual(t.value(2), 18)
        t.add(0, 5, -7)  // [-2, 6, 11, 4, -1]
        XCTAssertEqual(t.globalMin, -2)
        XCTAssertEqual(t.min(1, 4), 4)  // min(6, 11, 4)
        XCTAssertEqual(t.value(4), -1)
        t.add(3, 3, 100)  // empty: nothing changes
        t.add(2, 3, 0)  // zero: nothing changes
        XCTAssertEqual((0 ..< 5).map { t.value($0) }, [-2, 6, 11, 4, -1])
    }

    func testSinglePositionAndEmpty() {
        var one = MinSegmentTree([42])
        XCTAssertEqual(one.globalMin, 42)
        one.add(0, 1, -50)  // [-8]
        XCTAssertEqual(one.value(0), -8)
        XCTAssertEqual(one.globalMin, -8)
        let none = MinSegmentTree([])
        XCTAssertEqual(none.count, 0)
        XCTAssertEqual(none.globalMin, Int64.max / 4)
    }

    /// Random adds and range minima against a plain array.
    func testRandomOperationsAgainstArray() {
        var checked = 0
        for seed in UInt64(1) ... 60 {
            var rng = SeededRNG(seed: seed)
            let count = 1 + rng.below(40)
            var plain = (0 ..< count).map { _ in Int64(rng.below(2000)) - 1000 }
            var tree = MinSegmentTree(plain)
            for step in 0 ..< 200 {
                let a = rng.below(count + 1), b = rng.below(count + 1)
                let lo = min(a, b), hi = max(a, b)
                if rng.below(2) == 0 {
                    let v = Int64(rng.below(200)) - 100
                    tree.add(lo, hi, v)
                    for i in lo ..< hi { plain[i] += v }
                } else {
                    let expected = lo < hi ? plain[lo ..< hi].min() ?? 0 : Int64.max / 4
                    XCTAssertEqual(tree.min(lo, hi), expected, "seed \(seed) step \(step): min(\(lo), \(hi))")
                    checked += 1
                }
                XCTAssertEqual(tree.globalMin, plain.min() ?? 0, "seed \(seed) step \(step)")
            }
        }
        XCTAssertGreaterThan(checked, 5000)
    }
}
