import Foundation

/// Where the test fixtures are (copied into the test bundle as `Fixtures/`).
enum FixturePaths {
  struct Missing: Error, CustomStringConvertible {
    var description: String {
      "the Fixtures resource is missing from the StepsTests bundle; check Package.swift"
    }
  }

  static func root() throws -> URL {
    guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Missing() }
    return url
  }

  /// A fixture run directory under `Fixtures/bundles/`.
  static func bundle(_ name: String) throws -> URL {
    try root().appendingPathComponent("bundles/\(name)", isDirectory: true)
  }

  /// Lines of a file under `Fixtures/`.
  static func lines(_ path: String) throws -> [String] {
    let text = try String(contentsOf: root().appendingPathComponent(path), encoding: .utf8)
    return text.components(separatedBy: "\n")
  }

  /// The committed golden page, read from the source tree (so it can be regenerated).
  static func goldenURL(_ name: String, filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent(
      "Fixtures/golden/\(name)")
  }
}

extension String {
  /// Lines of a literal, for parser tests.
  var lines: [String] { components(separatedBy: "\n") }
}
