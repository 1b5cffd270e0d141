import Foundation
import LabPipeline

extension String {
  /// The UTF-8 text of a key, signature or allowed_signers file; one that cannot be read is
  /// ``BundleSignatureError/fileUnreadable(path:reason:)``, naming the path and why in words.
  init(signingFile url: URL) throws {
    do {
      self = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw BundleSignatureError.fileUnreadable(
        path: url.path, reason: FileProblem.reason(error, path: url.path))
    }
  }
}
