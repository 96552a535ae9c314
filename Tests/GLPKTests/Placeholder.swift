@testable import GLPK
import XCTest
final class GLPKPlaceholderTests: XCTestCase { func testNothing() {} }
