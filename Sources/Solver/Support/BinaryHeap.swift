/// A binary heap: `first` is an element that no other comes `before`.
struct BinaryHeap<Element> {
    private(set) var elements: [Element] = []
    private let before: (Element, Element) -> Bool

    init(before: @escaping (Element, Element) -> Bool) {
        self.before = before
    }

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var first: Element? { elements.first }

    mutating func push(_ x: Element) {
        elements.append(x)
        var i = elements.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard before(elements[i], elements[parent]) else { break }
            elements.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < elements.count && before(elements[l], elements[m]) { m = l }
            if r < elements.count && before(elements[r], elements[m]) { m = r }
            if m == i { break }
            elements.swapAt(i, m)
            i = m
        }
        return top
    }
}
