import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One run directory (`runs/<run-id>/`): run.json, ledger.json, transcript.jsonl and
/// artifacts/ with SHA256SUMS.
///
/// Every write goes through this actor and is atomic (temp file + rename), except the
/// transcript, which is appended one line per command. Everything written is redacted first.
///
/// The files are written on the run's own ``SerialDisk``, off Swift's cooperative pool (a
/// fleet's hosts writing their ledgers on it took turns on its threads), in call order.
public actor RunDirectory {
  public nonisolated let directory: URL
  public nonisolated let redactor: Redactor
  private var record: RunRecord
  private var ledger: Ledger
  private let disk = SerialDisk(label: "labrun.run-directory")
  /// What the artifacts were before the steps that have not finished wrote them
  /// (``ArtifactJournal``): read from disk on first use, changed only on the run's disk queue,
  /// in order with the writes it guards.
  private let journal: ArtifactJournal.Keeper

  init(directory: URL, record: RunRecord, ledger: Ledger, redactor: Redactor) {
    self.directory = directory
    self.journal = ArtifactJournal.Keeper(directory: directory)
    self.record = record
    self.ledger = ledger
    self.redactor = redactor
  }

  public nonisolated var runFile: URL { directory.appendingPathComponent("run.json") }
  public nonisolated var ledgerFile: URL { directory.appendingPathComponent("ledger.json") }
  public nonisolated var transcriptFile: URL { directory.appendingPathComponent("transcript.jsonl") }
  public nonisolated var artifactsDirectory: URL {
    directory.appendingPathComponent("artifacts", isDirectory: true)
  }
  public nonisolated var checksumsFile: URL { artifactsDirectory.appendingPathComponent("SHA256SUMS") }

  private var lockDescriptor: Int32 = -1

  public var id: String { record.runID }

  /// Takes the run's lock (`.lock` in the run directory, flock) so that two labrun
  /// processes never write one ledger at once. The kernel releases it when the process
  /// ends, even by SIGKILL, so a killed labrun never leaves a stale lock.
  ///
  /// A lock that names this process but that no run directory of this process holds is one it
  /// has just released, still held by a child between its fork and its exec (which closes the
  /// copy): that is waited for, up to a few seconds, rather than refused.
  public func lock() async throws {
    guard lockDescriptor < 0 else { return }
    let path = directory.appendingPathComponent(".lock").path
    let patience = ContinuousClock.now + .seconds(5)
    while true {
      let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else { throw AtomicFileError.cannotWrite(path: path, errno: errno) }
      if flock(fd, LOCK_EX | LOCK_NB) == 0 {
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { Foundation.write(fd, $0, strlen($0)) }
        lockDescriptor = fd
        Self.heldHere.withLock { _ = $0.insert(path) }
        return
      }
      var buffer = [UInt8](repeating: 0, count: 32)
      let count = read(fd, &buffer, buffer.count)
      close(fd)
      let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let releasedHere = holder == "\(getpid())" && !Self.heldHere.withLock { $0.contains(path) }
      guard releasedHere, ContinuousClock.now < patience else {
        throw RunStoreError.inUse(run: record.runID, pid: holder)
      }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  /// The lock files this process's run directories hold now.
  private static let heldHere = Mutex<Set<String>>([])

  /// Releases the lock taken by ``lock()``.
  public func unlock() {
    guard lockDescriptor >= 0 else { return }
    Self.heldHere.withLock { _ = $0.remove(directory.appendingPathComponent(".lock").path) }
    close(lockDescriptor)
    lockDescriptor = -1
  }
  public var runRecord: RunRecord { record }
  public var currentLedger: Ledger { ledger }

  // MARK: run.json

  /// Records a parameter a step computed (e.g. a size derived from the hardware) in run.json.
  public func recordParameter(_ name: String, _ value: RecordedValue) async throws {
    record.parameters[name] = value
    try await saveRecord()
  }

  /// Updates the target once the transport knows more (address, host key).
  public func updateTarget(_ target: TargetInfo) async throws {
    record.target = target
    try await saveRecord()
  }

  /// Records the connection options the run reaches its target with (nil: none given).
  public func updateConnection(_ connection: ConnectionRecord?) async throws {
    guard record.connection != connection else { return }
    record.connection = connection
    try await saveRecord()
  }

  /// Sets or clears `finished_at`.
  public func setFinished(_ date: Date?) async throws {
    record.finishedAt = date.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
    try await saveRecord()
  }

  /// Writes run.json. The record in memory keeps real values (steps need them); the file
  /// gets the redacted copy.
  func saveRecord() async throws {
    let (record, redactor, runFile, artifacts) = (record, redactor, runFile, artifactsDirectory)
    try await onDisk {
      try Self.write(record, redactor: redactor, to: runFile)
      let checksums = artifacts.appendingPathComponent(ChecksumList.fileName)
      if FileManager.default.fileExists(atPath: checksums.path) { try Self.writeChecksums(in: artifacts) }
    }
  }

  /// Runs `write` on the run's ``SerialDisk`` and waits for it.
  private func onDisk(_ write: @escaping @Sendable () throws -> Void) async throws {
    try await disk.run(write)
  }

  static func write(_ record: RunRecord, redactor: Redactor, to runFile: URL) throws {
    var redacted = record
    redacted.parameters = Dictionary(
      uniqueKeysWithValues: record.parameters.map { ($0.key, redactor.redact($0.value, name: $0.key)) })
    redacted.target.name = redactor.redact(record.target.name)
    try AtomicFile.writeJSON(redacted, to: runFile)
  }

  // MARK: ledger.json

  /// Replaces one step's entry and saves the ledger atomically (redacted on disk).
  public func update(_ entry: LedgerEntry) async throws {
    ledger.upsert(entry)
    try await saveLedger()
  }

  /// Reopens a torn-down run that is resumed (``Ledger/reopenedAfterTeardown()``); it is no
  /// longer finished. Its artifacts describe a lab that down removed, and every step captures
  /// its evidence again (a step found satisfied too), so they are removed: evidence is never
  /// a mix of two installs. The transcript keeps every command.
  public func reopenAfterTeardown() async throws {
    ledger = ledger.reopenedAfterTeardown()
    try await saveLedger()
    let artifacts = artifactsDirectory
    let journal = journal
    try await onDisk {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: artifacts.path)) ?? []
      for name in names {
        try FileManager.default.removeItem(at: artifacts.appendingPathComponent(name))
      }
      try journal.update { $0 = ArtifactJournal() }
    }
    record.finishedAt = nil
    try await saveRecord()
  }

  func saveLedger() async throws {
    let (ledger, redactor, ledgerFile) = (ledger, redactor, ledgerFile)
    try await onDisk { try Self.write(ledger, redactor: redactor, to: ledgerFile) }
  }

  static func write(_ ledger: Ledger, redactor: Redactor, to ledgerFile: URL) throws {
    var redacted = ledger
    redacted.entries = ledger.entries.map { entry in
      var copy = entry
      copy.title = redactor.redact(entry.title)
      copy.outputs = entry.outputs.map { redactor.redact($0) }
      if let error = entry.error {
        copy.error = StepFailureRecord(
          message: redactor.redact(error.message), command: error.command.map(redactor.redact),
          outputTail: error.outputTail.map(redactor.redact))
      }
      return copy
    }
    try AtomicFile.writeJSON(redacted, to: ledgerFile)
  }

  // MARK: transcript.jsonl

  /// Appends one command to transcript.jsonl.
  public func appendTranscript(_ entry: TranscriptEntry) async throws {
    var redacted = entry
    redacted.command = redactor.redact(entry.command)
    redacted.error = entry.error.map(redactor.redact)
    var line = try JSONEncoder.labrunLine.encode(redacted)
    line.append(0x0A)
    let (transcriptFile, appended) = (transcriptFile, line)
    try await onDisk {
      if !FileManager.default.fileExists(atPath: transcriptFile.path) {
        try AtomicFile.write(Data(), to: transcriptFile)
      }
      let handle = try FileHandle(forWritingTo: transcriptFile)
      defer { try? handle.close() }
      try handle.seekToEnd()
      try handle.write(contentsOf: appended)
    }
  }

  // MARK: artifacts

  /// Appends a `$ command` section with its output to `artifacts/<name>` and rewrites
  /// SHA256SUMS. A new file on a simulated target starts with the SIMULATED marker line.
  /// `attempt` is the writing step's ``ArtifactJournal`` key: the step's next attempt undoes it.
  public func appendArtifactSection(
    to name: String, command: String, output: String, attempt: String? = nil
  ) async throws {
    let file = try artifactURL(name)
    let simulated = record.target.kind == .simulated
    let (section, body, artifacts) = (redactor.redact(command), redactor.redact(output), artifactsDirectory)
    let journal = journal
    try await onDisk {
      try Self.guardAppend(to: file, by: attempt, journal: journal)
      var text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
      if text.isEmpty, simulated { text = Artifact.simulatedMarker + "\n" }
      if !text.isEmpty {
        if !text.hasSuffix("\n") { text += "\n" }
        if text != Artifact.simulatedMarker + "\n" { text += "\n" }
      }
      text += "$ " + section + "\n\n" + body
      if !body.isEmpty, !body.hasSuffix("\n") { text += "\n" }
      try AtomicFile.write(Data(text.utf8), to: file)
      try Self.writeChecksums(in: artifacts)
    }
  }

  /// Writes `artifacts/<name>` with `content` as is (redacted), replacing it, and rewrites
  /// SHA256SUMS.
  public func writeArtifact(_ name: String, content: String) async throws {
    let (file, data, artifacts) = (
      try artifactURL(name), Data(redactor.redact(content).utf8), artifactsDirectory
    )
    try await onDisk {
      try AtomicFile.write(data, to: file)
      try Self.writeChecksums(in: artifacts)
    }
  }

  // MARK: attempts

  /// Before an attempt of step `key` (``ArtifactJournal/key(phase:step:)``): puts back every
  /// artifact an earlier attempt of it that did not finish changed, as it was before, so the
  /// attempt's evidence is its own; sections other steps wrote stay.
  func startAttempt(_ key: String) async throws {
    let (journal, artifacts) = (journal, artifactsDirectory)
    try await onDisk {
      try journal.update { current in
        guard let priors = current.steps.removeValue(forKey: key) else { return }
        if try ArtifactJournal.undo(priors, in: artifacts) { try Self.writeChecksums(in: artifacts) }
      }
    }
  }

  /// After step `key` finished: what it wrote is the run's evidence, never undone.
  func finishAttempt(_ key: String) async throws {
    let journal = journal
    try await onDisk { try journal.update { _ = $0.steps.removeValue(forKey: key) } }
  }

  /// On the disk queue, before step `key`'s first append to `file` in its attempt: records the
  /// file's length (or that it is absent) and saves the journal, so that the append can be undone
  /// even if labrun dies during it.
  private static func guardAppend(to file: URL, by key: String?, journal: ArtifactJournal.Keeper) throws {
    guard let key else { return }
    let name = file.lastPathComponent
    try journal.update { current in
      guard current.steps[key]?[name] == nil else { return }
      let length = FileManager.default.contents(atPath: file.path)?.count
      current.steps[key, default: [:]][name] = length.map { .length($0) } ?? .absent
    }
  }

  private func artifactURL(_ name: String) throws -> URL {
    guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), name != "SHA256SUMS" else {
      throw RunStoreError.badArtifactName(name)
    }
    return artifactsDirectory.appendingPathComponent(name)
  }

  /// SHA256SUMS in `sha256sum` format (hash, two spaces, name), names sorted, with run.json as
  /// `../run.json`: `cd artifacts && sha256sum -c SHA256SUMS` checks the record too.
  private static func writeChecksums(in artifactsDirectory: URL) throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: artifactsDirectory.path)
      .filter { $0 != ChecksumList.fileName && !$0.hasPrefix(".") }
    let artifacts = try names.map {
      Artifact(name: $0, data: try Data(contentsOf: artifactsDirectory.appendingPathComponent($0)))
    }
    let runFile = artifactsDirectory.deletingLastPathComponent().appendingPathComponent("run.json")
    let list = ChecksumList(artifacts: artifacts, runRecord: try Data(contentsOf: runFile))
    try AtomicFile.write(
      Data(list.text.utf8), to: artifactsDirectory.appendingPathComponent(ChecksumList.fileName))
  }
}
