import Foundation

/// A lab the ``LabLocator`` found, and where: labrun says which one it used, since a lab of
/// the same name can be in `$LABRUN_LABS`, in `./labs` and built in.
public struct LocatedLab: Sendable, Hashable {
  /// How the lab was found.
  public enum Origin: Sendable, Hashable {
    /// `--lab PATH`.
    case path
    /// A directory of `$LABRUN_LABS`.
    case labsVariable
    /// `./labs` in the working directory.
    case workingDirectory
    /// Compiled into labrun.
    case builtIn
    /// The lab a run recorded when it started.
    case runRecord

    /// How the origin is named on the terminal.
    public var label: String {
      switch self {
      case .path: return "--lab"
      case .labsVariable: return "$LABRUN_LABS"
      case .workingDirectory: return "./labs"
      case .builtIn: return "built-in"
      case .runRecord: return "the run's record"
      }
    }
  }

  /// `--lab` as given, or the directory name under a labs directory.
  public var name: String
  public var source: LabSource
  public var origin: Origin

  public init(name: String, source: LabSource, origin: Origin) {
    self.name = name
    self.source = source
    self.origin = origin
  }

  /// The line labrun prints on stderr when it loads the lab.
  public var summary: String {
    switch source {
    case .builtIn: return "lab \(name): built into labrun"
    case .file(let url): return "lab \(name): \(url.path) (from \(origin.label))"
    }
  }
}
