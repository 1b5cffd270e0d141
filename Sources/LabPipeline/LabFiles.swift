import Foundation

/// A lab's own files (manifests, probes), read on the machine labrun runs on, and the one
/// way they are filled in: `{{key}}` placeholders.
public struct LabFiles: Sendable {
  /// The directory holding the lab's lab.yaml.
  public let directory: URL

  public init(directory: URL) {
    self.directory = directory
  }

  /// The text of `relativePath` (e.g. `manifests/gpu-pod.yaml`).
  public func text(_ relativePath: String) throws -> String {
    let file = directory.appendingPathComponent(relativePath)
    do {
      return try String(contentsOf: file, encoding: .utf8)
    } catch {
      throw StepError.unexpected(
        "cannot read \(file.path) (\(error.localizedDescription)); the lab directory must hold every file "
          + "its steps use (manifests/, probes/)")
    }
  }

  /// `relativePath` with each `{{key}}` replaced and `#` comment lines dropped.
  public func render(_ relativePath: String, _ values: [String: String]) throws -> String {
    try Self.render(try text(relativePath), values)
  }

  /// Replaces each `{{key}}`; a placeholder left over is an error, not a silent blank.
  public static func render(_ template: String, _ values: [String: String]) throws -> String {
    var text =
      template
      .split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("#") }
      .joined(separator: "\n")
    for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
    if let range = text.range(of: "{{") {
      let rest = text[range.lowerBound...].prefix(40)
      throw StepError.unexpected("template value missing: \(rest)")
    }
    return text
  }
}
