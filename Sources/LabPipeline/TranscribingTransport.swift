import Foundation

/// The transport a step sees: every command is passed on to the real transport and
/// recorded as one transcript.jsonl line (redacted), and the last command with its output
/// is kept for the failure report.
public struct TranscribingTransport: Transport {
  public let stepID: String
  let inner: any Transport
  let run: RunDirectory
  let log: CommandLog
  /// The cluster node every command goes to unless it names one (nil: the server).
  public let node: String?

  init(stepID: String, inner: any Transport, run: RunDirectory, log: CommandLog, node: String? = nil) {
    self.stepID = stepID
    self.inner = inner
    self.run = run
    self.log = log
    self.node = node
  }

  /// The same transport, sending commands to cluster node `node`.
  func routed(to node: String) -> TranscribingTransport {
    TranscribingTransport(stepID: stepID, inner: inner, run: run, log: log, node: node)
  }

  public var target: TargetInfo {
    get async { await inner.target }
  }

  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    var command = command
    if command.node == nil { command.node = node }
    let start = Date()
    await log.started(command.description)
    do {
      let output = try await inner.run(command)
      await log.finished(output.stdout + output.stderr)
      try await run.appendTranscript(
        TranscriptEntry(
          step: stepID, command: command.description, start: output.startedAt, end: output.finishedAt,
          exitStatus: output.exitStatus, bytesOut: output.stdout.count, bytesErr: output.stderr.count,
          node: command.node))
      return output
    } catch {
      try? await run.appendTranscript(
        TranscriptEntry(
          step: stepID, command: command.description, start: start, end: Date(), exitStatus: nil,
          bytesOut: 0, bytesErr: 0, error: String(describing: error), node: command.node))
      throw error
    }
  }

  public func upload(_ localFile: URL, to remotePath: String) async throws {
    try await transfer("upload \(ShellQuote.quote(localFile.path)) \(ShellQuote.quote(remotePath))") {
      try await inner.upload(localFile, to: remotePath)
    }
  }

  public func download(_ remotePath: String, to localFile: URL) async throws {
    try await transfer("download \(ShellQuote.quote(remotePath)) \(ShellQuote.quote(localFile.path))") {
      try await inner.download(remotePath, to: localFile)
    }
  }

  /// The pipeline owns the connection; a step cannot close it.
  public func close() async {}

  private func transfer(_ description: String, _ body: () async throws -> Void) async throws {
    let start = Date()
    await log.started(description)
    var failure: (any Error)?
    do { try await body() } catch { failure = error }
    try? await run.appendTranscript(
      TranscriptEntry(
        step: stepID, command: description, start: start, end: Date(), exitStatus: failure == nil ? 0 : nil,
        bytesOut: 0, bytesErr: 0, error: failure.map { String(describing: $0) }))
    if let failure { throw failure }
    await log.finished([])
  }
}

/// The last command of the current attempt and the tail of its output.
actor CommandLog {
  private(set) var lastCommand: String?
  private(set) var lastOutput: [UInt8] = []

  func started(_ command: String) {
    lastCommand = command
    lastOutput = []
  }

  func finished(_ output: [UInt8]) {
    lastOutput = output.count > 16384 ? Array(output.suffix(16384)) : output
  }

  func reset() {
    lastCommand = nil
    lastOutput = []
  }
}
