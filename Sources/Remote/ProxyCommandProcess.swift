import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#endif

/// A running ProxyCommand: started as OpenSSH starts it (`$SHELL -c "exec COMMAND"`), its
/// standard input and output one end of a socket pair whose other end carries the SSH session.
/// Its standard error is labrun's, as with ssh, so a proxy's own messages reach the terminal.
///
/// It runs in a process group of its own: a Ctrl-C at the terminal reaches labrun, which
/// stops the remote command over the still-open connection, and then ends the proxy itself.
final class ProxyCommandProcess {
  let pid: pid_t
  let command: String
  private var status: Int32?

  private init(pid: pid_t, command: String) {
    self.pid = pid
    self.command = command
  }

  /// Starts `command`; returns the process and labrun's end of the socket pair.
  /// - Throws: ``SSHError/proxyCommandFailed(command:detail:)`` when it cannot be started.
  static func start(command: String, shell: String, environment: [String: String]) throws
    -> (ProxyCommandProcess, Int32)
  {
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
    else {
      throw SSHError.proxyCommandFailed(
        command: command, detail: "socketpair: \(String(cString: strerror(errno)))")
    }
    var spawner = ProcessSpawner([shell, "-c", "exec " + command], environment: environment)
    spawner.ownProcessGroup = true
    spawner.standardInput = .descriptor(pair[1])
    spawner.standardOutput = .descriptor(pair[1])
    let spawned = spawner.spawn()
    Glibc.close(pair[1])
    let child: pid_t
    switch spawned {
    case .success(let pid): child = pid
    case .failure(let failure):
      Glibc.close(pair[0])
      throw SSHError.proxyCommandFailed(command: command, detail: "cannot start \(shell): \(failure.reason)")
    }
    return (ProxyCommandProcess(pid: child, command: command), pair[0])
  }

  /// The exit status once the process has ended (reaping it), waiting at most `wait`.
  func exitStatus(waitingUpTo wait: Duration = .zero) -> Int32? {
    if let status { return status }
    let deadline = ContinuousClock.now.advanced(by: wait)
    while true {
      var raw: Int32 = 0
      let reaped = waitpid(pid, &raw, WNOHANG)
      if reaped == pid || (reaped < 0 && errno == ECHILD) {
        let value = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status = value
        return value
      }
      if ContinuousClock.now >= deadline { return nil }
      usleep(10_000)
    }
  }

  /// Ends the process group: SIGHUP (as ssh sends its proxy), SIGKILL after a second, reaped.
  func stop() {
    guard exitStatus() == nil else { return }
    kill(-pid, SIGHUP)
    if exitStatus(waitingUpTo: .seconds(1)) == nil {
      kill(-pid, SIGKILL)
      _ = exitStatus(waitingUpTo: .seconds(5))
    }
  }
}
