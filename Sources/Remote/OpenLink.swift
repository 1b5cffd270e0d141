import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An opened link: the socket libssh2 talks over and what goes down with it (the ProxyCommand
/// process, or the upstream session of a jump). Used by its session's thread only.
final class OpenLink {
  var socket: Int32
  private var process: ProxyCommandProcess?
  private var upstream: SSHSession?
  /// A jump tunnel's own account of why it ended.
  var tunnelStatus: TunnelStatus?

  init(socket: Int32 = -1, process: ProxyCommandProcess? = nil, upstream: SSHSession? = nil) {
    self.socket = socket
    self.process = process
    self.upstream = upstream
  }

  /// What went wrong on the far side of the link, to add to a handshake failure: the
  /// ProxyCommand's exit status, or the upstream connection's end.
  var failureDetail: String? {
    if let process, let status = process.exitStatus(waitingUpTo: .seconds(1)) {
      return "the ProxyCommand `\(process.command)` exited with status \(status)"
    }
    guard let upstream else { return nil }
    if let reason = tunnelStatus?.reason {
      return "through jump host \(upstream.endpoint.displayName): \(reason)"
    }
    if !upstream.isAlive {
      return "the connection to jump host \(upstream.endpoint.displayName) ended: "
        + (upstream.failureReason ?? "closed")
    }
    return nil
  }

  /// Closes the socket, then stops the ProxyCommand or closes the upstream session and waits
  /// for its thread, so a closed route leaves no thread or process behind.
  func close() {
    if socket >= 0 {
      Glibc.close(socket)
      socket = -1
    }
    process?.stop()
    process = nil
    if let upstream {
      self.upstream = nil
      upstream.close()
      upstream.waitUntilFinished()
    }
  }
}
