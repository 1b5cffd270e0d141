import Foundation

/// A lab's own files (manifests, probes), read from the lab's directory on the machine labrun
/// runs on or from the copy compiled into labrun, and the one way they are filled in:
/// `{{key}}` placeholders.
public struct LabFiles: Sendable {
  private enum Storage: Sendable {
    case directory(URL)
    case embedded(EmbeddedLab)
  }

  private let storage: Storage

  /// The files of the directory holding the lab's lab.yaml.
  public init(directory: URL) {
    storage = .directory(directory)
  }

  /// The files of a lab compiled into labrun.
  public init(embedded: EmbeddedLab) {
    storage = .embedded(embedded)
  }

  /// The text of `relativePath` (e.g. `manifests/gpu-pod.yaml`).
  public func text(_ relativePath: String) throws -> String {
    switch storage {
    case .directory(let directory):
      let file = directory.appendingPathComponent(relativePath)
      do {
        return try String(contentsOf: file, encoding: .utf8)
      } catch {
        throw StepError.unexpected(
          "cannot read \(file.path) (\(FileProblem.reason(error, path: file.path))); the lab directory must hold every file "
            + "its steps use (manifests/, probes/)")
      }
    case .embedded(let lab):
      guard let text = lab.files[relativePath] else {
        throw StepError.unexpected(
          "the built-in lab \(lab.name) has no \(relativePath); this labrun was built without it")
      }
      return text
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
