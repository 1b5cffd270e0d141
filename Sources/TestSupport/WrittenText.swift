import Foundation

/// Everything labrun wrote under a directory, for tests that search it for a secret.
public enum WrittenText {
  /// The text of every file under `directory` (files that are not UTF-8 are skipped), concatenated.
  public static func under(_ directory: URL) -> String {
    var text = ""
    let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
    while let url = enumerator?.nextObject() as? URL {
      if let content = try? String(contentsOf: url, encoding: .utf8) { text += content }
    }
    return text
  }
}
