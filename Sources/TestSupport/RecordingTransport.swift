import Foundation
import LabPipeline

/// A transport that records every call and answers commands from a closure.
public actor RecordingTransport: Transport {
  /// What a test double answers for one command.
  public typealias Responder = @Sendable (RemoteCommand) async throws -> CommandOutput

  public private(set) var commands: [RemoteCommand] = []
  public private(set) var uploads: [(URL, String)] = []
  public private(set) var downloads: [(String, URL)] = []
  public private(set) var closeCount = 0
  private let info: TargetInfo
  private let responder: Responder

  public init(target: TargetInfo = TargetInfo(name: "recorded", kind: .local), responder: Responder? = nil) {
    self.info = target
    self.responder = responder ?? { _ in RecordingTransport.output() }
  }

  /// A finished command's output.
  public static func output(_ stdout: String = "", stderr: String = "", status: Int32 = 0) -> CommandOutput {
    let now = Date()
    return CommandOutput(
      stdout: Array(stdout.utf8), stderr: Array(stderr.utf8), exitStatus: status, startedAt: now,
      finishedAt: now)
  }

  public var target: TargetInfo { info }

  /// Every call of any kind (commands, transfers).
  public var callCount: Int { commands.count + uploads.count + downloads.count }

  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    commands.append(command)
    return try await responder(command)
  }

  public func upload(_ localFile: URL, to remotePath: String) async throws {
    uploads.append((localFile, remotePath))
  }

  public func download(_ remotePath: String, to localFile: URL) async throws {
    downloads.append((remotePath, localFile))
  }

  public func close() async {
    closeCount += 1
  }
}
