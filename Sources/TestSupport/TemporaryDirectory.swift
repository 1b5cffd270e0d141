import Foundation

/// A fresh directory under the tests' temporary root, removed by ``remove()``.
///
/// The root is `$LABRUN_TEST_ROOT` when set (`make test` sets it to a directory of its own and
/// checks after the suite that it is empty and that no process carrying that variable is left),
/// else the system temp directory.
public struct TemporaryDirectory: Sendable {
  public let url: URL

  /// The environment variable naming the tests' temporary root.
  public static let rootVariable = "LABRUN_TEST_ROOT"

  /// Where every test's files go.
  public static var root: URL {
    if let root = ProcessInfo.processInfo.environment[rootVariable], !root.isEmpty {
      return URL(fileURLWithPath: root, isDirectory: true)
    }
    return FileManager.default.temporaryDirectory
  }

  public init(prefix: String = "labrun-test") throws {
    url = Self.root.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  public var path: String { url.path }

  public func appending(_ component: String) -> URL {
    url.appendingPathComponent(component)
  }

  public func remove() {
    try? FileManager.default.removeItem(at: url)
  }
}
