import Foundation

/// A fresh directory under the system temp directory, removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
  public let url: URL

  public init(prefix: String = "labrun-test") throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
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
