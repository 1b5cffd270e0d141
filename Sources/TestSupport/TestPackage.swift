import Foundation

/// The labrun checkout the tests run in: its root, its labs and the fixtures every test
/// target shares (`Tests/Fixtures/`), found by walking up from a test file.
public enum TestPackage {
  /// The nearest directory above `filePath` that holds Package.swift.
  public static func root(filePath: String = #filePath) throws -> URL {
    var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
      let parent = directory.deletingLastPathComponent()
      guard parent.path != directory.path else { throw TestPackageError.noPackageRoot(filePath) }
      directory = parent
    }
    return directory
  }

  /// `labs/<name>` of the checkout.
  public static func lab(_ name: String) throws -> URL {
    try root().appendingPathComponent("labs/\(name)", isDirectory: true)
  }
}

/// The shared test fixtures under `Tests/Fixtures/`: real captures, evidence bundles and
/// golden files. Golden files are read from (and regenerated into) the source tree.
public enum Fixtures {
  /// `Tests/Fixtures/`.
  public static func directory() throws -> URL {
    try TestPackage.root().appendingPathComponent("Tests/Fixtures", isDirectory: true)
  }

  /// A fixture run directory under `bundles/`.
  public static func bundle(_ name: String) throws -> URL {
    try directory().appendingPathComponent("bundles/\(name)", isDirectory: true)
  }

  /// A file under `Tests/Fixtures/`.
  public static func url(_ path: String) throws -> URL {
    try directory().appendingPathComponent(path)
  }

  /// The lines of a file under `Tests/Fixtures/`.
  public static func lines(_ path: String) throws -> [String] {
    try String(contentsOf: url(path), encoding: .utf8).components(separatedBy: "\n")
  }

  /// A golden file under `golden/`.
  public static func golden(_ name: String) throws -> URL {
    try url("golden/\(name)")
  }
}

/// Why the checkout could not be found.
public enum TestPackageError: Error, CustomStringConvertible {
  /// No Package.swift above the test file.
  case noPackageRoot(String)

  public var description: String {
    switch self {
    case .noPackageRoot(let path):
      return "no Package.swift above \(path); run the tests from the labrun package"
    }
  }
}

extension String {
  /// The lines of a literal, for parser tests.
  public var lines: [String] { components(separatedBy: "\n") }
}
