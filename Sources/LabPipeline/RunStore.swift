import Foundation

/// Creates, opens and lists runs under a ``StateDirectory``.
public struct RunStore: Sendable {
  public let state: StateDirectory

  public init(state: StateDirectory) {
    self.state = state
  }

  /// Starts a new run: creates `runs/<run-id>/` with run.json, an empty ledger, an empty
  /// transcript and artifacts/, and makes it the current run unless `makeCurrent` is false (a
  /// fleet's host run: see ``LabRunLifecycle/RunPointer``).
  ///
  /// The id is the UTC start time and the target name (`20260623T101500Z-gpu-vm`), with a
  /// `-2`, `-3`… suffix if that directory already exists.
  public func create(
    lab: String, labFile: String?, target: TargetInfo, parameters: [String: RecordedValue],
    redactor: Redactor, makeCurrent: Bool = true, now: Date = Date()
  ) throws -> RunDirectory {
    let base = Self.runID(startedAt: now, targetName: target.name)
    try AtomicFile.createDirectory(state.runsDirectory)
    var id = base
    var suffix = 2
    var directory = state.runDirectory(id: id)
    while true {
      do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        break
      } catch {
        guard FileManager.default.fileExists(atPath: directory.path), suffix < 1000 else {
          throw RunStoreError.cannotCreate(
            path: directory.path, detail: FileProblem.reason(error, path: directory.path))
        }
        id = "\(base)-\(suffix)"
        suffix += 1
        directory = state.runDirectory(id: id)
      }
    }
    let record = RunRecord(
      runID: id, lab: lab, labFile: labFile, target: target,
      startedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)),
      parameters: parameters)
    let run = RunDirectory(directory: directory, record: record, ledger: Ledger(), redactor: redactor)
    try AtomicFile.createDirectory(run.artifactsDirectory)
    try RunDirectory.write(record, redactor: redactor, to: run.runFile)
    try RunDirectory.write(Ledger(), redactor: redactor, to: run.ledgerFile)
    try AtomicFile.write(Data(), to: run.transcriptFile)
    if makeCurrent { try state.setCurrentRun(id: id) }
    return run
  }

  /// Opens an existing run directory (from ``StateDirectory/resolveRun(_:)``).
  public func open(_ directory: URL, redactor: Redactor) throws -> RunDirectory {
    let record = try Self.readRecord(in: directory)
    let ledger = try Self.readLedger(in: directory)
    return RunDirectory(directory: directory, record: record, ledger: ledger, redactor: redactor)
  }

  /// Opens `--run ID|DIR`, or the current run when `spec` is nil.
  public func open(spec: String?, redactor: Redactor) throws -> RunDirectory {
    try open(state.resolveRun(spec), redactor: redactor)
  }

  /// Every run under runs/, oldest first. Directories without a readable run.json are
  /// listed with their error rather than hidden.
  public func list() throws -> [RunSummary] {
    let runs = state.runsDirectory
    guard FileManager.default.fileExists(atPath: runs.path) else { return [] }
    let current = state.currentRunID()
    return try FileManager.default.contentsOfDirectory(atPath: runs.path)
      .filter { !$0.hasPrefix(".") }
      .sorted()
      .map { name in
        let directory = runs.appendingPathComponent(name, isDirectory: true)
        do {
          let record = try Self.readRecord(in: directory)
          let ledger = (try? Self.readLedger(in: directory)) ?? Ledger()
          return RunSummary(
            id: name, directory: directory.path, isCurrent: name == current, record: record,
            status: RunStatus(ledger: ledger, finished: record.finishedAt != nil), problem: nil)
        } catch {
          return RunSummary(
            id: name, directory: directory.path, isCurrent: name == current, record: nil,
            status: .unreadable, problem: String(describing: error))
        }
      }
  }

  /// Reads run.json from a run directory.
  public static func readRecord(in directory: URL) throws -> RunRecord {
    let file = directory.appendingPathComponent("run.json")
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw RunStoreError.missingFile(path: file.path)
    }
    do {
      return try JSONDecoder.labrun.decode(RunRecord.self, from: data)
    } catch {
      throw RunStoreError.unreadable(path: file.path, detail: String(describing: error))
    }
  }

  /// Reads ledger.json from a run directory (an absent ledger is an empty one).
  public static func readLedger(in directory: URL) throws -> Ledger {
    let file = directory.appendingPathComponent("ledger.json")
    guard let data = try? Data(contentsOf: file) else { return Ledger() }
    do {
      return try JSONDecoder.labrun.decode(Ledger.self, from: data)
    } catch {
      throw RunStoreError.unreadable(path: file.path, detail: String(describing: error))
    }
  }

  /// Whether a run directory called `name` can hold a run of `target`: run ids are
  /// `<UTC stamp>-<target made path-safe>[-N]` (``runID(startedAt:targetName:)``). A filter
  /// before run.json is read, never a decision: the record's own target decides.
  public static func mayBeRun(named name: String, of target: String) -> Bool {
    let stamp = runID(startedAt: Date(timeIntervalSince1970: 0), targetName: "")
    let suffix = runID(startedAt: Date(timeIntervalSince1970: 0), targetName: target).dropFirst(stamp.count)
    return name.dropFirst(stamp.count).hasPrefix(suffix)
  }

  /// `20260623T101500Z-gpu-vm`: the start time in UTC and the target name made path-safe.
  public static func runID(startedAt: Date, targetName: String) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: startedAt)
    let stamp = String(
      format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
      c.minute ?? 0, c.second ?? 0)
    let safe = String(
      targetName.unicodeScalars.map { scalar -> Character in
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return Character(scalar)
        default: return "-"
        }
      })
    return safe.isEmpty ? stamp : "\(stamp)-\(safe)"
  }
}

/// One line of `labrun runs`.
public struct RunSummary: Sendable, Codable {
  public var id: String
  public var directory: String
  public var isCurrent: Bool
  public var record: RunRecord?
  public var status: RunStatus
  /// Why run.json could not be read.
  public var problem: String?
  /// The fleet whose host this run is (``StateListing``), nil for a run of its own.
  public var fleet: String? = nil

  enum CodingKeys: String, CodingKey {
    case id, directory, status, problem, fleet
    case isCurrent = "current"
    case record = "run"
  }
}

/// A run's overall state, derived from its ledger.
public enum RunStatus: String, Sendable, Codable {
  /// No step has started.
  case new
  /// Some step is pending or was interrupted.
  case incomplete
  /// A step failed.
  case failed
  /// `up` and `exercises` finished, `down` not run.
  case ready
  /// `down` finished.
  case tornDown = "torn-down"
  /// run.json could not be read.
  case unreadable

  public init(ledger: Ledger, finished: Bool) {
    if ledger.entries.contains(where: { $0.state == .failed }) {
      self = .failed
    } else if ledger.isComplete(.down) {
      self = .tornDown
    } else if ledger.entries.isEmpty {
      self = .new
    } else if ledger.entries.allSatisfy({ $0.state.isFinished }) {
      self = .ready
    } else {
      self = .incomplete
    }
  }
}

/// Why a run could not be created, opened or written.
public enum RunStoreError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The run directory could not be created.
  case cannotCreate(path: String, detail: String)
  /// A required file of the run is missing.
  case missingFile(path: String)
  /// A file of the run is not valid JSON of the expected schema.
  case unreadable(path: String, detail: String)
  /// An artifact name with a slash, a leading dot, or SHA256SUMS itself.
  case badArtifactName(String)
  /// Another labrun process holds the run's lock.
  case inUse(run: String, pid: String)
  /// No run of this state directory used the existing cluster of this context.
  case noRunOnCluster(context: String)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let detail):
      return "cannot create run directory \(path): \(detail); check LABRUN_HOME is writable"
    case .missingFile(let path):
      return "\(path) is missing: this is not a labrun run directory (see `labrun runs`)"
    case .unreadable(let path, let detail):
      return "\(path) cannot be read: \(detail); the run directory may have been edited by hand"
    case .inUse(let run, let pid):
      return "run \(run) is in use by another labrun process"
        + (pid.isEmpty ? "" : " (pid \(pid))") + "; wait for it to finish or stop it first"
    case .noRunOnCluster(let context):
      return "no run on the cluster of context \(context) (same kubeconfig server) in this state directory; "
        + "see `labrun runs`, or start one with `labrun run --kubeconfig FILE --context \(context)`"
    case .badArtifactName(let name):
      return "artifact name '\(name)' is not a plain file name (no /, not hidden, not SHA256SUMS)"
    }
  }

  public var errorDescription: String? { description }
}

extension RunStoreError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.runStateFailed }
}
