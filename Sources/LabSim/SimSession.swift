import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The session a simulated command belongs to: the labrun that runs it. On a real host a
/// command's processes end with their ssh session (the connection drops, they are hung up); a
/// simulated command is a local child of labrun instead, and a child whose parent is killed
/// lives on, reparented. So every simulated tool watches the labrun that started its command
/// (``variable``: its pid and start time, which no later process with the same pid has) and,
/// once it is gone, sends SIGHUP to the command's process group, as a real hang-up would.
///
/// The tools are labrun itself, already running: watching costs one thread, not one more
/// process per command. A process that is not one's parent cannot be waited on portably, so
/// the watch looks every ``interval``; a tool that starts after labrun died hangs up at once.
public enum SimSession {
  /// The environment variable naming the session: `PID:STARTTIME`.
  public static let variable = "LABRUN_SIM_SESSION"
  /// How often a running tool looks whether its labrun is still there.
  static let interval: TimeInterval = 0.1

  /// This process as a session (`PID:STARTTIME`), for ``variable``.
  public static var current: String {
    let pid = getpid()
    return "\(pid):\(startTime(of: pid) ?? "?")"
  }

  /// Called by a simulated tool as it starts: hangs up at once when its session is already
  /// gone, else watches it on a thread of its own. Does nothing without ``variable``
  /// (commands run through an sshd end with that session, as real ones do).
  public static func watch(environment: [String: String]) {
    guard let session = environment[variable] else { return }
    let parts = session.split(separator: ":", maxSplits: 1).map(String.init)
    guard parts.count == 2, let pid = pid_t(parts[0]) else { return }
    let started = parts[1]
    guard isAlive(pid, started: started) else { hangUp() }
    Thread.detachNewThread {
      while isAlive(pid, started: started) { Thread.sleep(forTimeInterval: interval) }
      hangUp()
    }
  }

  /// Whether `pid` is still the process that started at `started` (field 22 of
  /// `/proc/PID/stat`, clock ticks since boot); where there is no /proc, whether it exists.
  static func isAlive(_ pid: pid_t, started: String) -> Bool {
    guard kill(pid, 0) == 0 || errno == EPERM else { return false }
    guard FileManager.default.fileExists(atPath: "/proc/self/stat"), started != "?" else { return true }
    return startTime(of: pid) == started
  }

  /// Field 22 of `/proc/PID/stat` (after the command name in parentheses, which may hold spaces).
  static func startTime(of pid: pid_t) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // Fields after the name start at 3 (state); starttime is field 22.
    return fields.count > 19 ? String(fields[19]) : nil
  }

  /// SIGHUP to the command's process group (this tool included), as sshd's hang-up would.
  static func hangUp() -> Never {
    kill(0, SIGHUP)
    exit(129)
  }
}
