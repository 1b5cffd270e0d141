import Crypto
import Foundation
import LabPipeline

/// The hash an SSH signature takes of the message before signing it (PROTOCOL.sshsig allows
/// these two; OpenSSH signs with sha512).
public enum SignatureHashAlgorithm: String, Sendable, Hashable, CaseIterable {
  case sha256
  case sha512

  /// How much of the file is read at a time: bundles can be large, memory stays flat.
  static let chunkSize = 1 << 20

  /// The digest of the file at `url`, read in chunks.
  func digest(ofFileAt url: URL) throws -> [UInt8] {
    switch self {
    case .sha256: return try Self.digest(ofFileAt: url, using: SHA256())
    case .sha512: return try Self.digest(ofFileAt: url, using: SHA512())
    }
  }

  private static func digest<H: HashFunction>(ofFileAt url: URL, using hasher: H) throws -> [UInt8] {
    var hasher = hasher
    do {
      let handle = try FileHandle(forReadingFrom: url)
      defer { try? handle.close() }
      while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
        hasher.update(data: chunk)
      }
    } catch {
      throw BundleSignatureError.fileUnreadable(
        path: url.path, reason: FileProblem.reason(error, path: url.path))
    }
    return Array(hasher.finalize())
  }
}
