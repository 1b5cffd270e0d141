import Foundation

/// A long-running child (sshd, ssh-agent) started with posix_spawn and reaped with waitpid.
///
/// Foundation's Process reaps children from one monitor thread and can stall every other
/// Process while a long-lived child is running, so servers are managed directly.
public final class SpawnedProcess: @unchecked Sendable {
  public let pid: pid_t
  private var reaped = false
  private let lock = NSLock()

  /// Starts `arguments[0]` with stdout and stderr appended to `log` (or /dev/null).
  public init(_ arguments: [String], log: URL? = nil, environment: [String: String]? = nil) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let output = log?.path ?? "/dev/null"
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let envStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    let envp = envStrings.map { strdup($0) } + [nil]
    defer { envp.forEach { free($0) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, arguments[0], &actions, nil, argv, envp)
    guard status == 0 else {
      throw LoopbackSSHServer.ServerError.commandFailed(arguments[0], String(cString: strerror(status)))
    }
    pid = child
  }

  deinit { terminate() }

  /// Whether the child has not exited yet.
  public var isRunning: Bool {
    lock.withLock {
      if reaped { return false }
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        reaped = true
        return false
      }
      return true
    }
  }

  /// Sends `signal` and waits for the child to exit.
  public func terminate(signal: Int32 = SIGTERM) {
    lock.withLock {
      guard !reaped else { return }
      kill(pid, signal)
      var status: Int32 = 0
      _ = waitpid(pid, &status, 0)
      reaped = true
    }
  }

  /// Process ids whose parent is `pid`, read from /proc.
  public static func children(of pid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
      guard let candidate = pid_t(name),
        let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && pid_t(fields[1]) == pid ? candidate : nil
    }
  }
}
