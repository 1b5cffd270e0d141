import Foundation
import LabPipeline
import Remote

extension TargetSpec {
  /// How this target's ssh part resolves through ssh_config (`-F`, `--identity`), as
  /// `ping --resolve` and `plan` show it; nil for `local` and a simulated host on this machine.
  /// Looks no name up and connects to nothing.
  /// - Throws: ``Remote/SSHError`` when ssh_config cannot be read or asks for what labrun
  ///   cannot honour.
  public func resolve(options: ConnectionOptions) async throws -> ResolvedHostReport? {
    guard let host = sshHost else { return nil }
    let destination = try await SSHTransportFactory.destination(host: host, options: options)
    return ResolvedHostReport(
      destination, labrunKnownHosts: options.state.knownHostsFile.path,
      home: options.environment["HOME"] ?? NSHomeDirectory())
  }
}
