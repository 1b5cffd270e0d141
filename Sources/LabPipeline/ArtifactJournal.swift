import Foundation
import Synchronization

/// What each artifact was before a step that has not finished first wrote to it, so that the
/// step's next attempt starts from there: a failed attempt's sections never stay beside the
/// rerun's, where a check would read two in-pod views as two GPUs, judge the failed attempt's
/// probe, or count a measurement twice.
///
/// Kept in the run directory (`.artifacts-journal.json`, hidden: never in a bundle) and saved
/// before the write it guards, so an attempt that ends any way (a failure, a timeout, Ctrl-C,
/// SIGKILL, a dropped connection) is undone when the step runs again. A step's entry is dropped
/// once it finishes: its evidence is then the run's.
struct ArtifactJournal: Codable, Sendable, Equatable {
  /// An artifact as it was before the step's first write in the attempt (steps only append).
  enum Prior: Codable, Sendable, Equatable {
    /// The file did not exist: undoing removes it.
    case absent
    /// The file had this many bytes: undoing cuts it back.
    case length(Int)
  }

  /// Per unfinished step (``key(phase:step:)``), per artifact it wrote, what it was before.
  var steps: [String: [String: Prior]] = [:]

  static let fileName = ".artifacts-journal.json"

  /// The journal's key for one step of one phase.
  static func key(phase: Phase, step: String) -> String { "\(phase.rawValue)/\(step)" }

  /// Reads the journal in `directory`; an absent or unreadable one is empty (nothing to undo).
  static func load(from directory: URL) -> ArtifactJournal {
    guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)),
      let journal = try? JSONDecoder().decode(ArtifactJournal.self, from: data)
    else { return ArtifactJournal() }
    return journal
  }

  /// Writes the journal into `directory` atomically, or removes its file when it is empty.
  func save(in directory: URL) throws {
    let file = directory.appendingPathComponent(Self.fileName)
    if steps.isEmpty {
      if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
      return
    }
    try AtomicFile.write(try JSONEncoder().encode(self), to: file)
  }

  /// Puts every artifact in `priors` back as it was (in `artifacts`); true when any file changed.
  static func undo(_ priors: [String: Prior], in artifacts: URL) throws -> Bool {
    var changed = false
    for (name, prior) in priors {
      let file = artifacts.appendingPathComponent(name)
      let current = FileManager.default.contents(atPath: file.path)
      switch prior {
      case .absent:
        guard current != nil else { continue }
        try FileManager.default.removeItem(at: file)
      case .length(let length):
        guard let current, current.count > length else { continue }
        try AtomicFile.write(current.prefix(length), to: file)
      }
      changed = true
    }
    return changed
  }

  /// A run's journal, shared by the closures its disk queue runs: read from disk on first use,
  /// then kept in memory and saved on every change.
  final class Keeper: Sendable {
    private let state = Mutex<ArtifactJournal?>(nil)
    let directory: URL

    init(directory: URL) { self.directory = directory }

    /// Runs `body` on the journal and saves it when `body` changed it.
    func update<T>(_ body: (inout ArtifactJournal) throws -> T) throws -> T {
      try state.withLock { stored in
        let before = stored ?? ArtifactJournal.load(from: directory)
        var current = before
        let result = try body(&current)
        if current != before { try current.save(in: directory) }
        stored = current
        return result
      }
    }
  }
}
