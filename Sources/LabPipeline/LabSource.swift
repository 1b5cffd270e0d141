import Foundation

/// Where a lab's lab.yaml and its other files come from: a directory on disk, or the copy
/// compiled into labrun.
public enum LabSource: Sendable, Hashable, CustomStringConvertible {
  /// A lab.yaml on disk; the lab's other files are in its directory.
  case file(URL)
  /// A lab compiled into labrun.
  case builtIn(EmbeddedLab)

  /// How run.json's `lab_file` names a built-in lab: `built-in:NAME`.
  public static let builtInPrefix = "built-in:"

  /// What run.json's `lab_file` records, so a resumed run finds the same lab: the lab.yaml's
  /// path, or `built-in:NAME`.
  public var recorded: String {
    switch self {
    case .file(let url): return url.path
    case .builtIn(let lab): return Self.builtInPrefix + lab.name
    }
  }

  /// How messages name lab.yaml: its path, or `built-in:NAME/lab.yaml`.
  public var definitionPath: String {
    switch self {
    case .file(let url): return url.path
    case .builtIn(let lab): return Self.builtInPrefix + lab.name + "/lab.yaml"
    }
  }

  public var description: String { recorded }

  /// The lab's own files (manifests, probes), from the same place as its lab.yaml.
  public var files: LabFiles {
    switch self {
    case .file(let url): return LabFiles(directory: url.deletingLastPathComponent())
    case .builtIn(let lab): return LabFiles(embedded: lab)
    }
  }

  /// The text of lab.yaml.
  /// - Throws: ``LabDefinitionError/unreadable(path:detail:)``.
  public func definitionText() throws -> String {
    switch self {
    case .file(let url):
      do {
        return try String(contentsOf: url, encoding: .utf8)
      } catch {
        throw LabDefinitionError.unreadable(path: url.path, detail: FileProblem.reason(error, path: url.path))
      }
    case .builtIn(let lab):
      guard let text = lab.files["lab.yaml"] else {
        throw LabDefinitionError.unreadable(path: definitionPath, detail: "the built-in lab has no lab.yaml")
      }
      return text
    }
  }
}
