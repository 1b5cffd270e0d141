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

  /// Opens `host` through `inner`: creates its directory and closed PATH there. The simulated
  /// tools are links to labrun itself, so the far side needs this very executable: on this
  /// machine it is this file; elsewhere see ``farTool(host:through:)``.
  public static func open(
    host: SimulatedHost, inner: any Transport, name: String, environment: [String: String] = [:]
  ) async throws -> SimulatedTransport {
    guard FileManager.default.isExecutableFile(atPath: host.tool) else {
      throw SimulatedHostError.toolMissing(path: host.tool)
    }
    var toolPath = host.tool
    // On this machine the far side's file is this very one: nothing to compare (hashing a
    // debug labrun twice cost a quarter of a CPU-second on every open).
    if await inner.target.kind != .local {
      toolPath = try await farTool(host: host, through: inner)
    }
    let setup = try await inner.run(RemoteCommand(host.setupScript(toolPath: toolPath)))
    guard setup.succeeded else {
      throw SimulatedHostError.setupFailed(directory: host.directory, detail: setup.stderrText)
    }
    // The simulated tools are labrun itself: they need the shared libraries labrun found
    // (libssh2), so a loader path labrun runs with goes along. It opens no way out of the
    // closed PATH.
    var passed = environment.filter {
      ($0.key.hasPrefix("LABRUN_SIM_") && $0.key != "LABRUN_SIM_DIR" && $0.key != SimSession.variable)
        || $0.key == "LD_LIBRARY_PATH"
    }
    // Commands run as this labrun's children: their tools watch it (``SimSession``). Through
    // an sshd they end with that session, as real ones do.
    if await inner.target.kind == .local { passed[SimSession.variable] = SimSession.current }
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

  /// The executable the far side runs as the simulated tools: the one at the same path when
  /// its SHA-256 matches this labrun's, else a copy in the host's directory, uploaded when
  /// missing or different (a far side with another labrun version must not answer).
  private static func farTool(host: SimulatedHost, through inner: any Transport) async throws -> String {
    let digest: String
    do {
      digest = Artifact.hexDigest(of: try Data(contentsOf: URL(fileURLWithPath: host.tool)))
    } catch {
      throw SimulatedHostError.toolMissing(path: host.tool)
    }
    if try await farDigest(of: host.tool, through: inner) == digest { return host.tool }
    let copy = host.directory + "/labrun"
    if try await farDigest(of: copy, through: inner) != digest {
      try await inner.run(RemoteCommand("mkdir -p \(ShellQuote.quote(host.directory))")).requireSuccess()
      try await inner.upload(URL(fileURLWithPath: host.tool), to: copy)
      try await inner.run(RemoteCommand("chmod 755 \(ShellQuote.quote(copy))")).requireSuccess()
    }
    return copy
  }

  /// The SHA-256 of the executable file `path` on the far side; nil when there is none.
  private static func farDigest(of path: String, through inner: any Transport) async throws -> String? {
    let quoted = ShellQuote.quote(path)
    let output = try await inner.run(RemoteCommand("test -x \(quoted) && sha256sum \(quoted)"))
    guard output.succeeded else { return nil }
    return output.stdoutText.split(separator: " ").first.map(String.init)
  }
}

extension CommandOutput {
  fileprivate func requireSuccess() throws {
    guard succeeded else { throw SimulatedHostError.commandFailed(stderrText) }
  }
}
