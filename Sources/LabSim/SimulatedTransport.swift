import Foundation
import LabPipeline

/// The simulated GPU host as a ``Transport``: each command runs through `inner` (this
/// machine, or an sshd) inside the host's closed environment, so only the simulated tools
/// and a whitelist of real text tools are reachable. Privileged commands go through the
/// simulated `sudo`, never the real one.
public struct SimulatedTransport: Transport {
  public let host: SimulatedHost
  private let inner: any Transport
  private let name: String
  private let extraEnvironment: [String: String]

  /// Opens `host` through `inner`: creates its directory and closed PATH there (uploading the
  /// tool when the far side lacks it).
  public static func open(
    host: SimulatedHost, inner: any Transport, name: String, environment: [String: String] = [:]
  ) async throws -> SimulatedTransport {
    var toolPath = host.tool
    let probe = try await inner.run(RemoteCommand("test -x \(ShellQuote.quote(toolPath))"))
    if !probe.succeeded {
      try await inner.run(RemoteCommand("mkdir -p \(ShellQuote.quote(host.directory))")).requireSuccess()
      toolPath = host.directory + "/labrun-sim"
      try await inner.upload(URL(fileURLWithPath: host.tool), to: toolPath)
      try await inner.run(RemoteCommand("chmod 755 \(ShellQuote.quote(toolPath))")).requireSuccess()
    }
    let setup = try await inner.run(RemoteCommand(host.setupScript(toolPath: toolPath)))
    guard setup.succeeded else {
      throw SimulatedHostError.setupFailed(directory: host.directory, detail: setup.stderrText)
    }
    let passed = environment.filter { $0.key.hasPrefix("LABRUN_SIM_") && $0.key != "LABRUN_SIM_DIR" }
    return SimulatedTransport(host: host, inner: inner, name: name, extraEnvironment: passed)
  }

  private init(host: SimulatedHost, inner: any Transport, name: String, extraEnvironment: [String: String]) {
    self.host = host
    self.inner = inner
    self.name = name
    self.extraEnvironment = extraEnvironment
  }

  public var target: TargetInfo {
    get async {
      var info = await inner.target
      info.name = name
      info.kind = .simulated
      return info
    }
  }

  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    let script = command.privileged ? "sudo -n sh -c \(ShellQuote.quote(command.script))" : command.script
    return try await inner.run(
      RemoteCommand(
        host.wrap(script, extraEnvironment: extraEnvironment), privileged: false, timeout: command.timeout,
        stdin: command.stdin))
  }

  public func upload(_ localFile: URL, to remotePath: String) async throws {
    try await inner.upload(localFile, to: remotePath)
  }

  public func download(_ remotePath: String, to localFile: URL) async throws {
    try await inner.download(remotePath, to: localFile)
  }

  public func close() async { await inner.close() }
}

extension CommandOutput {
  fileprivate func requireSuccess() throws {
    guard succeeded else { throw SimulatedHostError.commandFailed(stderrText) }
  }
}
