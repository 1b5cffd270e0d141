import Foundation

/// labrun's state directory: `.labrun/` in the working directory, or `$LABRUN_HOME`; and the
/// user's own labrun state (`$XDG_STATE_HOME/labrun`, else `~/.local/state/labrun`), which holds
/// what belongs to the person rather than to one working directory: the host keys they accepted.
///
/// Layout (part of the evidence-bundle contract):
/// ```
/// <root>/current              the current run's id (one line)
/// <root>/runs/<run-id>/       one run: run.json, ledger.json, transcript.jsonl, artifacts/
/// <user>/known_hosts          host keys the user accepted with --accept-new-host-key
/// ```
public struct StateDirectory: Sendable, Hashable {
  public let root: URL
  /// The user-level state directory (XDG); its known_hosts is labrun's.
  public let userRoot: URL

  /// `userRoot` defaults to `root` (one directory for everything, as tests use it).
  public init(root: URL, userRoot: URL? = nil) {
    self.root = root.standardizedFileURL
    self.userRoot = (userRoot ?? root).standardizedFileURL
  }

  /// `$LABRUN_HOME` if set and non-empty, else `./.labrun`; the user-level directory is
  /// `$XDG_STATE_HOME/labrun` (an absolute `XDG_STATE_HOME`, as the XDG spec requires), else
  /// `$HOME/.local/state/labrun`.
  public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    let root: URL
    if let home = environment["LABRUN_HOME"], !home.isEmpty {
      root = URL(fileURLWithPath: home, isDirectory: true)
    } else {
      let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
      root = cwd.appendingPathComponent(".labrun", isDirectory: true)
    }
    self.init(root: root, userRoot: Self.userStateDirectory(environment))
  }

  /// `$XDG_STATE_HOME/labrun`, else `$HOME/.local/state/labrun`.
  public static func userStateDirectory(_ environment: [String: String]) -> URL {
    if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
      return URL(fileURLWithPath: state, isDirectory: true).appendingPathComponent(
        "labrun", isDirectory: true)
    }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return URL(fileURLWithPath: home, isDirectory: true)
      .appendingPathComponent(".local/state/labrun", isDirectory: true)
  }

  /// labrun's own known_hosts file, in the user-level directory (never the user's
  /// ~/.ssh/known_hosts), so another working directory does not ask again.
  public var knownHostsFile: URL { userRoot.appendingPathComponent("known_hosts") }

  /// Where labrun kept accepted keys before they moved to the user-level directory; still read.
  public var legacyKnownHostsFile: URL? {
    userRoot == root ? nil : root.appendingPathComponent("known_hosts")
  }
  public var runsDirectory: URL { root.appendingPathComponent("runs", isDirectory: true) }
  public var currentRunPointer: URL { root.appendingPathComponent("current") }

  public func runDirectory(id: String) -> URL {
    runsDirectory.appendingPathComponent(id, isDirectory: true)
  }

  /// The current run's id, if a run was started here.
  public func currentRunID() -> String? {
    guard let text = try? String(contentsOf: currentRunPointer, encoding: .utf8) else { return nil }
    let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return id.isEmpty ? nil : id
  }

  /// Makes `id` the current run (atomic write).
  public func setCurrentRun(id: String) throws {
    try AtomicFile.write(Data((id + "\n").utf8), to: currentRunPointer)
  }

  /// Resolves `--run ID|DIR`: an existing directory path, else a run id under runs/,
  /// else (nil) the current run.
  public func resolveRun(_ spec: String?) throws -> URL {
    if let spec, !spec.isEmpty {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory), isDirectory.boolValue {
        return URL(fileURLWithPath: spec, isDirectory: true).standardizedFileURL
      }
      let byID = runDirectory(id: spec)
      if FileManager.default.fileExists(atPath: byID.path) { return byID }
      throw StateDirectoryError.noSuchRun(spec: spec, runs: runsDirectory.path)
    }
    guard let id = currentRunID() else { throw StateDirectoryError.noCurrentRun(root: root.path) }
    let directory = runDirectory(id: id)
    guard FileManager.default.fileExists(atPath: directory.path) else {
      throw StateDirectoryError.noSuchRun(spec: id, runs: runsDirectory.path)
    }
    return directory
  }
}

/// Why a run could not be found.
public enum StateDirectoryError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// No `current` pointer: nothing has been started in this state directory.
  case noCurrentRun(root: String)
  /// `--run` named neither a directory nor a known run id.
  case noSuchRun(spec: String, runs: String)

  public var description: String {
    switch self {
    case .noCurrentRun(let root):
      return "no current run in \(root); start one with `labrun up --host HOST`, "
        + "or pass --run ID|DIR (see `labrun runs`)"
    case .noSuchRun(let spec, let runs):
      return "no run '\(spec)': not a directory and not a run id under \(runs); see `labrun runs`"
    }
  }

  public var errorDescription: String? { description }
}

extension StateDirectoryError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.runStateFailed }
}
