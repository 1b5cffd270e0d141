import Foundation

/// An artifact cited for a verdict, with its SHA-256.
public struct EvidenceCitation: Sendable, Hashable, Codable {
  public var file: String
  /// Full lowercase hex SHA-256 of the file.
  public var sha256: String

  public init(file: String, sha256: String) {
    self.file = file
    self.sha256 = sha256
  }

  public init(_ artifact: Artifact) {
    self.init(file: artifact.name, sha256: artifact.sha256)
  }

  /// The first 12 hex digits, as cited on the page.
  public var shortDigest: String { String(sha256.prefix(12)) }
}
